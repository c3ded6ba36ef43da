"""Hosted fine-tuning: OpenAI and Azure OpenAI jobs driven through the official openai SDK.

Keys, clients and what an SDK error means live in core/openai_edge.py (shared with the chat
providers); here submit.py checks and uploads data and creates the remote job, watch.py follows it,
backend.py is the watcher the job engine's worker runs (`run_job(job, emit)`). The command line is
lab/commands/train.py (+ train_hosted.py).
"""
