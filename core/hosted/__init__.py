"""Hosted fine-tuning: OpenAI and Azure OpenAI jobs driven through the official openai SDK.

client.py builds SDK clients from core.secrets, errors.py turns SDK exceptions into ProviderError,
submit.py checks and uploads data and creates the remote job, backend.py is the watcher the job
engine's worker runs (`run_job(job, emit)`), cli.py serves `python -m lab train --backend openai`.
"""
