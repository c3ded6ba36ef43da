"""Does the embedded model USE its sources? Fact recall and time per answer, each RAG technique alone
and combined, against the plain base model measured in the same run (issue 11).

    OMP_NUM_THREADS=2 python bench/bench_rag_answers.py --lang pt-BR --limit 12 [--run RUN_ID]

Rows (greedy decoding, the evaluation set's own system prompt, fact_recall of core.evaluation):
  base                     the embedded model alone (the baseline)
  rag (plain)              retrieval + whole chunks, no copy bias
  rag + compact            each passage cut to its sentences nearest the question
  rag + copy bias          whole chunks, copy bias on
  rag (default)            compact + copy bias: what the `rag` contestant does
  rag:run:ID (+ default)   a grounded run (preset "grounded") behind the default RAG
  rag:run:ID, no bias      the grounded run, compact passages, copy bias 0
Time per answer = the batch's wall time / its size (answers generated together in one batch);
the arena's single-answer time is measured by `--single`.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def load_set(lang: str, limit: int) -> list[dict]:
    from core.paths import ASSETS

    rows = [json.loads(line) for line in (ASSETS / "eval" / f"pedala_{lang}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [row for row in rows if row.get("facts")][:limit]


def load_builder(lang: str, limit: int) -> list[dict]:
    """The grounded builder's own questions (assets/samples/grounded_questions.json) as eval-like
    rows: the set to TUNE on, so the evaluation set stays held out."""
    from core.paths import ASSETS

    items = json.loads((ASSETS / "samples" / "grounded_questions.json").read_text(encoding="utf-8"))[lang]
    return [{"messages": [{"role": "user", "content": item["q"]}, {"role": "assistant", "content": item["answer"]}],
             "facts": [item["fact"]]} for item in items[:limit]]


def conversation(row: dict) -> list[dict]:
    """The evaluation example without its reference answer (system + user turns)."""
    messages = row["messages"]
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return [dict(m) for m in messages[:last]]


def measure(provider, rows: list[dict], settings) -> dict:
    from core.evaluation.metrics import fact_recall

    started = time.perf_counter()
    answers = provider.complete_batch([conversation(row) for row in rows], settings)
    elapsed = time.perf_counter() - started
    scores = [fact_recall(a.text or "", row["facts"]) or 0.0 for a, row in zip(answers, rows)]
    return {"recall": sum(scores) / len(scores), "s_per_answer": elapsed / len(rows),
            "answers": [a.text for a in answers], "errors": sum(1 for a in answers if a.error),
            "tokens": sum(a.tokens_out or 0 for a in answers) / len(answers)}


def rows_for(run_id: str | None, sentences: int = -1):
    from core.providers import get_provider
    from core.providers.rag import RagProvider

    base = get_provider("base")
    if sentences != -1:  # a tuning run: the default row with this many sentences per passage
        return [("base", base, {"copy_bias": 0.0}),
                ("rag (default)", RagProvider(base, "rag", sentences=sentences or None), {})]
    table = [("base", base, {"copy_bias": 0.0}),
             ("rag (plain)", RagProvider(base, "rag", sentences=None), {"copy_bias": 0.0}),
             ("rag + compact", RagProvider(base, "rag"), {"copy_bias": 0.0}),
             ("rag + copy bias", RagProvider(base, "rag", sentences=None), {}),
             ("rag (default)", get_provider("rag"), {})]
    if run_id:
        table += [(f"rag:run:{run_id}", get_provider(f"rag:run:{run_id}"), {}),
                  (f"rag:run:{run_id}, no bias", get_provider(f"rag:run:{run_id}"), {"copy_bias": 0.0})]
    return table


def main() -> int:
    from core.providers import ChatSettings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="pt-BR", choices=["en", "pt-BR"])
    parser.add_argument("--limit", type=int, default=12, help="first N questions with facts")
    parser.add_argument("--run", default=None, help="a grounded run id (python -m lab train --preset grounded)")
    parser.add_argument("--only", default="", help="comma-separated row names to run (default: all)")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--single", action="store_true", help="also time one default RAG answer alone")
    parser.add_argument("--set", default="eval", choices=["eval", "builder"],
                        help="builder = assets/samples/grounded_questions.json, the set to tune on")
    parser.add_argument("--k", type=int, default=None, help="passages per question (default: ChatSettings)")
    parser.add_argument("--sentences", type=int, default=-1, help="sentences per passage (-1 automatic, 0 whole)")
    parser.add_argument("--eos-share", type=float, default=None, help="override copy_bias.EOS_SHARE")
    parser.add_argument("--show", action="store_true", help="print every answer")
    args = parser.parse_args()

    if args.eos_share is not None:
        from core.rag import copy_bias

        copy_bias.EOS_SHARE = args.eos_share
    rows = (load_builder if args.set == "builder" else load_set)(args.lang, args.limit)
    defaults = ChatSettings(temperature=0, max_tokens=args.max_tokens, lang=args.lang)
    if args.k:
        defaults = defaults.with_(rag_k=args.k)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    from core.rag import copy_bias

    print(f"{args.lang} ({args.set}): {len(rows)} questions, copy bias {defaults.copy_bias}, eos share "
          f"{copy_bias.EOS_SHARE}, k {defaults.rag_k}, sentences {args.sentences}, max_tokens {args.max_tokens}")
    print(f"{'row':<34} {'fact recall':>11} {'vs base':>8} {'s/answer':>9} {'tokens':>7}")
    baseline = None
    for name, provider, changes in rows_for(args.run, args.sentences):
        if wanted and name not in wanted and name.split(",")[0] not in wanted:
            continue
        result = measure(provider, rows, defaults.with_(**changes))
        if name == "base":
            baseline = result["recall"]
        delta = "" if baseline is None else f"{result['recall'] - baseline:+.2f}"
        print(f"{name:<34} {result['recall']:>11.2f} {delta:>8} {result['s_per_answer']:>9.1f} {result['tokens']:>7.1f}", flush=True)
        if args.show:
            for row, text in zip(rows, result["answers"]):
                print(f"    {row['facts']} | {' '.join(text.split())[:140]}")
    if args.single:
        from core.providers import get_provider

        provider = get_provider(f"rag:run:{args.run}" if args.run else "rag")
        started = time.perf_counter()
        answer = provider.complete(conversation(rows[0]), ChatSettings(temperature=0, lang=args.lang))
        print(f"one complete answer ({provider.spec}, max_tokens 256): {time.perf_counter() - started:.1f} s, "
              f"{answer.tokens_out} tokens")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
