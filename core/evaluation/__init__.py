"""Evaluation: measured evidence for base vs fine-tuned vs RAG (issue 10).

    dataset.py  evaluation sets (bundled, a run's held-out split, a file) -> EvalExample
    metrics.py  per-example metrics (sacrebleu, rouge_score, MiniLM similarity, facts, JSON)
    stats.py    bootstrap CIs, paired permutation/sign tests, Wilson intervals (scipy)
    run.py      EvalConfig, generate (providers' complete_batch), summarise -> results document
    judge.py    optional LLM-as-judge, both orders for pairs, cached under LAB_HOME
    job.py      backend "eval" of core/jobs (predictions.jsonl, results.json, stop/resume)
    report.py   verdict sentences, text, CSV, JSON, self-contained HTML

    from core.evaluation.run import EvalConfig, evaluate
    results = evaluate(EvalConfig(data="pedala_en", contestants=["base", "rag"], limit=5))
"""
