"""Benchmark: the local provider vs raw `model.generate`, and three columns streaming at once.

    python bench/bench_provider.py [--rounds 7] [--tokens 32] [--threads 2] [--omp-wait PASSIVE|ACTIVE]

1. Overhead (target <= 10%): time to first token and decode tokens/s of the embedded base model
   through LocalProvider (worker thread + TextIteratorStreamer + the per-forward adapter hooks) vs raw
   `model.generate` on a separate plain copy of the same weights, same prompt, greedy, same
   max_new_tokens, the order rotating each round; the ratio is the median of per-round ratios.
   Baseline TTFT: a minimal streamer notes when generate hands over the first new token.
   tokens/s everywhere = (new tokens - 1) / (last token time - first token time).
2. Three columns at once (base, a LoRA adapter, base) on one shared base model with `--threads`
   torch threads: each column's tokens/s and the total (all new tokens / wall time), next to one
   column alone; first interleaved token by token (the lab's choice, see core/providers/local.py),
   then one whole generate at a time (the alternative). Also: the base model's speed once LoRA
   layers are injected (disabled), against section 1's provider figure.
This machine is shared: expect noise; the medians and the same-run alternation are what count.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = [{"role": "user", "content": "Describe a good city bicycle in a few sentences."}]


class FirstTokenClock:
    """transformers BaseStreamer: the first put() is the prompt, the second the first new token."""

    def __init__(self) -> None:
        self.puts = 0
        self.first: float | None = None

    def put(self, value) -> None:
        self.puts += 1
        if self.puts == 2:
            self.first = time.perf_counter()

    def end(self) -> None:
        pass


def raw_generate(model, tokenizer, tokens: int) -> dict:
    import torch

    inputs = tokenizer.apply_chat_template(QUESTION, add_generation_prompt=True, return_tensors="pt",
                                           return_dict=True)
    clock = FirstTokenClock()
    start = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=tokens, do_sample=False, streamer=clock,
                             pad_token_id=tokenizer.pad_token_id)
    end = time.perf_counter()
    n = int(out.shape[1] - inputs["input_ids"].shape[1])
    return {"ttft": clock.first - start, "tps": (n - 1) / (end - clock.first), "n": n,
            "text": tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)}


def raw_generate_in_thread(model, tokenizer, tokens: int) -> dict:
    """The same raw call from a fresh thread, as the provider's worker runs it: on a busy machine a
    2-thread OpenMP team started from the main thread can be several times slower (its barrier waits
    for a descheduled partner), so the fair baseline for the provider's own overhead is this one."""
    import threading

    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(raw_generate(model, tokenizer, tokens)))
    worker.start()
    worker.join()
    return result


def provider_generate(provider, settings) -> dict:
    from core.providers import collect

    answer = collect(provider.stream(QUESTION, settings))
    return {"ttft": answer.ttft_s, "tps": answer.tokens_per_s, "n": answer.tokens_out, "text": answer.text}


def make_adapter(folder: Path) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model

    from core.models import load_model

    model, _ = load_model("embedded")
    torch.manual_seed(0)
    get_peft_model(model, LoraConfig(r=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                                     init_lora_weights=False)).save_pretrained(folder)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the lab's target: 2 cores)")
    parser.add_argument("--omp-wait", choices=["PASSIVE", "ACTIVE"], default=None,
                        help="OMP_WAIT_POLICY for this run (the arena sets PASSIVE; default: as the environment says)")
    args = parser.parse_args()
    import os

    if args.omp_wait:
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait  # before torch is imported
    print(f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset: OpenMP default, spinning)')}")

    import torch

    torch.set_num_threads(args.threads)
    from core.models import load_model
    from core.providers import ChatSettings, Column, collect, stream_columns
    from core.providers.local import LocalProvider, loaded_base

    # Same settings as raw generate below: no repetition penalty on either side.
    settings = ChatSettings(temperature=0, max_tokens=args.tokens, repetition_penalty=1.0)
    provider = LocalProvider("embedded")
    loaded_base("embedded")  # load once, outside the timings
    raw_model, raw_tokenizer = load_model("embedded")
    # warm-up both paths (first generate call allocates caches, builds the template)
    provider_generate(provider, settings.with_(max_tokens=4))
    raw_generate(raw_model, raw_tokenizer, 4)

    runs = {"provider": lambda: provider_generate(provider, settings),
            "raw (thread)": lambda: raw_generate_in_thread(raw_model, raw_tokenizer, args.tokens),
            "raw (main)": lambda: raw_generate(raw_model, raw_tokenizer, args.tokens)}
    rows: dict[str, list] = {name: [] for name in runs}
    names = list(runs)
    for r in range(args.rounds):
        for name in names[r % 3:] + names[:r % 3]:  # rotate the order every round
            rows[name].append(runs[name]())
    same_text = len({rows[name][0]["text"] for name in rows}) == 1
    med = {name: {k: statistics.median(x[k] for x in rows[name]) for k in ("ttft", "tps", "n")} for name in rows}
    print(f"== 1. Local provider vs raw model.generate (greedy, max_new_tokens={args.tokens}, "
          f"{args.rounds} rotating rounds, torch threads={args.threads})")
    print(f"   same greedy text every way: {same_text}; new tokens (median): "
          + ", ".join(f"{name} {med[name]['n']:.0f}" for name in rows))
    print(f"   {'':14} {'TTFT s':>9} {'tokens/s':>9}")
    for name in rows:
        print(f"   {name:14} {med[name]['ttft']:9.3f} {med[name]['tps']:9.2f}")
    # Paired ratios: provider vs each baseline within the same round (neighbours in time), then the
    # median over rounds. On a shared machine the load drifts between rounds; pairing cancels most of it.
    ok = True
    for baseline in ("raw (thread)", "raw (main)"):
        ttft_ratio = statistics.median(p["ttft"] / b["ttft"] for p, b in zip(rows["provider"], rows[baseline]))
        tps_ratio = statistics.median(p["tps"] / b["tps"] for p, b in zip(rows["provider"], rows[baseline]))
        print(f"   provider / {baseline} (median of paired rounds): TTFT x{ttft_ratio:.3f} "
              f"({100 * (ttft_ratio - 1):+.1f}%), tokens/s x{tps_ratio:.3f} "
              f"({100 * (1 / tps_ratio - 1):+.1f}% time per token)")
        ok = ok and ttft_ratio <= 1.10 and tps_ratio >= 1 / 1.10
    print(f"   target (<= 10% overhead against both baselines): {'met' if ok else 'NOT met'}")
    del raw_model

    with tempfile.TemporaryDirectory() as tmp:
        adapter = make_adapter(Path(tmp) / "adapter")
        specs = [LocalProvider("embedded", spec="base"), LocalProvider("embedded", adapter, spec="run:bench"),
                 LocalProvider("embedded", spec="base")]
        collect(specs[1].stream(QUESTION, settings.with_(max_tokens=4)))  # load the adapter outside the timing
        alone = provider_generate(specs[0], settings)
        shared = loaded_base("embedded")
        print(f"\n== 2. Three columns at once on one base model ({args.threads} torch threads, "
              f"max_new_tokens={args.tokens})")
        print(f"   one column alone: base with LoRA layers injected but disabled {alone['tps']:.2f} tokens/s "
              f"(section 1, before any adapter: {med['provider']['tps']:.2f})")
        for interleave in (True, False):
            shared.interleave = interleave
            start = time.perf_counter()
            finals = {}
            for i, item in stream_columns([Column(p, QUESTION, settings, p.spec) for p in specs]):
                if not isinstance(item, str):
                    finals[i] = item
            wall = time.perf_counter() - start
            total = sum(a.tokens_out for a in finals.values())
            mode = ("interleaved token by token (the lab's choice)" if interleave
                    else "one whole generate at a time (the alternative)")
            print(f"   -- {mode}")
            for i in range(3):
                a = finals[i]
                print(f"   column {i + 1} {a.contestant:9} TTFT {a.ttft_s:6.2f} s  {a.tokens_per_s:6.2f} tokens/s  "
                      f"({a.tokens_out} tokens, done after {a.latency_s:.2f} s)"
                      f"{'  ERROR ' + a.error if a.error else ''}")
            print(f"   total: {total} tokens in {wall:.2f} s = {total / wall:.2f} tokens/s "
                  f"(x{total / wall / alone['tps']:.2f} of one column alone)")
        shared.interleave = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
