"""Benchmark: batched local generation (LocalProvider.complete_batch) vs one question at a time.

    python bench/bench_eval.py [--examples 16] [--batch 8] [--tokens 32] [--rounds 3] [--threads 2]

Baseline: `provider.complete(...)` for each question in turn (what the evaluation did before
batching, and what Provider.complete_batch's default still does for hosted contestants). Lab:
`provider.complete_batch(...)` in chunks of --batch (left padding, one generate call per chunk).
Same embedded model in memory, greedy, same max_new_tokens; the Pedala evaluation questions of both
languages (assets/eval). Each round runs both, the order alternating; the speed-up is the median of
per-round ratios. Also reported: the share of answers identical between the two (target 100%) and
the machine's load average before and after (`os.getloadavg`), because this machine is shared.
Target: >= 3x examples/s on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from core.evaluation.dataset import load_examples, resolve_set
    from core.providers import ChatSettings, get_provider

    half = max(1, args.examples // 2)
    examples = load_examples(resolve_set("pedala_en"), limit=half) + load_examples(resolve_set("pedala_pt-BR"), limit=half)
    prompts = [e.prompt for e in examples]
    provider = get_provider("base")
    settings = ChatSettings(temperature=0.0, max_tokens=args.tokens)
    provider.complete(prompts[0], settings.with_(max_tokens=2))  # load the model once, outside the clock

    def one_at_a_time() -> tuple[float, list[str]]:
        start = time.perf_counter()
        texts = [provider.complete(p, settings).text for p in prompts]
        return time.perf_counter() - start, texts

    def batched() -> tuple[float, list[str]]:
        start = time.perf_counter()
        texts: list[str] = []
        for i in range(0, len(prompts), args.batch):
            texts += [a.text for a in provider.complete_batch(prompts[i:i + args.batch], settings)]
        return time.perf_counter() - start, texts

    load_before = os.getloadavg()
    ratios, single_rates, batch_rates, same = [], [], [], []
    for r in range(args.rounds):
        order = (one_at_a_time, batched) if r % 2 == 0 else (batched, one_at_a_time)
        timings = {}
        for fn in order:
            timings[fn.__name__] = fn()
        (t_single, a), (t_batch, b) = timings["one_at_a_time"], timings["batched"]
        single_rates.append(len(prompts) / t_single)
        batch_rates.append(len(prompts) / t_batch)
        ratios.append(t_single / t_batch)
        same.append(sum(x == y for x, y in zip(a, b)) / len(prompts))
        print(f"round {r + 1}: one at a time {single_rates[-1]:.3f} ex/s, batched {batch_rates[-1]:.3f} ex/s, "
              f"ratio {ratios[-1]:.2f}x, identical {same[-1]:.0%}", flush=True)
    load_after = os.getloadavg()
    print(f"examples={len(prompts)} batch={args.batch} max_new_tokens={args.tokens} threads={args.threads} "
          f"rounds={args.rounds}")
    print(f"one at a time (baseline): {statistics.median(single_rates):.3f} examples/s (median)")
    print(f"batched (lab):            {statistics.median(batch_rates):.3f} examples/s (median)")
    print(f"speed-up: {statistics.median(ratios):.2f}x (median of paired rounds; target >= 3x)")
    print(f"identical answers: {statistics.mean(same):.0%}")
    print(f"load average (1, 5, 15 min) before: {load_before}, after: {load_after}; cpus: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
