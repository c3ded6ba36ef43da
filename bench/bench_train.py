"""Benchmark: the lab's local trainer against a plain transformers Trainer + peft baseline.

    python bench/bench_train.py                 # 8 steps each, batch 8, lab and baseline alternated
    python bench/bench_train.py --steps 12 --repeats 2

Same model (embedded SmolLM2-135M-Instruct), same examples in the same order (variable-length chat
from the bundled pt-BR and English support samples), same steps and hyperparameters (LoRA r=16 on
all linear layers, lr 2e-4, batch 8, fp32, seed 42; LoRA dropout 0 as in the lab's CPU preset —
`--lora-dropout 0.05` for the Balanced preset's value), each variant in its own fresh process:

- baseline: transformers Trainer + peft, DataCollatorForSeq2Seq padding each batch to its longest,
  sdpa attention, transformers' own loss (logits for every position), no length grouping, OpenMP's
  default waiting (spin 300,000 rounds, then sleep).
- lab: core.training.train.make_trainer: padding-free packed batches with per-conversation
  attention ("lab_varlen"), logits only where the loss needs them and the loss computed in chunks
  from the hidden states (core/training/loss.py), LoRA layers with the scaling and sums folded into
  the matmuls (core/training/fast_lora.py), and the OpenMP waiting its workers choose
  (core/cpu_threads.py: a short spin on an idle machine, sleep on a busy one).

Printed: useful (non-padding) tokens/s of each and the ratio; peak memory (max RSS); useful FLOP/s
as a fraction of a torch fp32 1024^3 matmul micro-benchmark run in the same process right after each
training step (its time is not counted): on a shared VM the matmul rate swings by +-25% from minute
to minute (119 to 183 GFLOP/s best-of-5 within one run), so the reference is taken in the same
minutes as the steps; the median and best of 10 rounds before/after are printed too;
the eval loss of each model before and after, computed by the same function on the same held-out
conversations. Step 1 is
warm-up and excluded from the rates. The machine is shared: read the ratios, not the absolutes.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLES = [ROOT / "assets" / "samples" / "support_pt-BR.jsonl", ROOT / "assets" / "samples" / "support_en.jsonl"]
HYPER = {"lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.0, "learning_rate": 2e-4, "max_length": 512,
         "seed": 42, "target_modules": "all-linear", "warmup_ratio": 0.0, "lr_scheduler": "linear"}


def matmul_gflops(size: int = 1024, repeats: int = 8, rounds: int = 5) -> list[float]:
    """GFLOP/s of each of `rounds` timings of `repeats` fp32 size x size matmuls (2 n^3 FLOPs each)."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        rates.append(2 * size**3 * repeats / (time.perf_counter() - start) / 1e9)
    return rates


def load_examples(tokenizer, steps: int, batch: int, n_val: int = 24):
    from core.training.data import load_conversations, tokenize_all

    conversations = [c for path in SAMPLES for c in load_conversations(path)]
    random.Random(HYPER["seed"]).shuffle(conversations)
    examples, _ = tokenize_all(tokenizer, conversations, HYPER["max_length"])
    train, val = examples[: steps * batch], examples[steps * batch: steps * batch + n_val]
    if len(train) < steps * batch:
        raise SystemExit(f"only {len(examples)} examples: use fewer --steps or a smaller --batch-size")
    return train, val


def flop_model(config, lora_params: int) -> dict:
    """FLOPs per useful token of a LoRA step with frozen fp32 weights: forward 2N + backward through
    the frozen matmuls 2N (input gradients only) = 4N for the decoder's matmuls; LoRA's own small
    matmuls train fully (6 per parameter); the lm_head (V x d) counts only where a loss is taken."""
    d, layers = config.hidden_size, config.num_hidden_layers
    heads, kv = config.num_attention_heads, config.num_key_value_heads
    head_dim = getattr(config, "head_dim", d // heads)
    body = layers * (d * head_dim * (2 * heads + 2 * kv) + 3 * d * config.intermediate_size)
    return {"per_token": 4 * body + 6 * lora_params, "per_labeled": 4 * config.vocab_size * d,
            "attn_per_len2": 3 * 2 * layers * heads * head_dim}  # causal fwd 2*L^2*H*Dh, bwd 2x


class Recorder:
    """Wraps a collator: remembers, per batch, useful tokens, computed tokens and sequence lengths."""

    def __init__(self, collator) -> None:
        self.collator, self.batches = collator, []

    def __call__(self, features):
        lengths = [len(f["input_ids"]) for f in features]
        batch = self.collator(features)
        labeled = sum(sum(1 for x in f["labels"][1:] if x != -100) for f in features)
        self.batches.append({"useful": sum(lengths), "computed": int(batch["input_ids"].numel()),
                             "lengths": lengths, "labeled": labeled})
        return batch


def eval_loss(model, tokenizer, val) -> float:
    """Token-weighted loss on the held-out conversations, one padded batch of 8 at a time (sdpa)."""
    import torch

    from core.training.loss import selective_loss
    from core.training.packing import PaddedCollator

    model.eval()
    model.base_model.model.set_attn_implementation("sdpa")
    total, count = 0.0, 0
    collate = PaddedCollator(tokenizer.pad_token_id)
    with torch.no_grad():
        for start in range(0, len(val), 8):
            features = [{"input_ids": e.input_ids, "labels": e.labels} for e in val[start:start + 8]]
            loss, n = selective_loss(model, collate(features))
            total, count = total + loss.item() * n, count + n
    return total / count


def run_variant(variant: str, steps: int, batch: int) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, TrainingArguments, set_seed

    from core.models import load_tokenizer, resolve_model
    from core.training.config import LocalTrainConfig, target_module_list

    set_seed(HYPER["seed"])
    tokenizer = load_tokenizer("embedded")
    train, val = load_examples(tokenizer, steps, batch)
    matmul = matmul_gflops()  # also after the training steps, and between them: the machine drifts
    step_times: list[float] = []
    probes: list[tuple[float, float]] = []  # (seconds the probe took, its GFLOP/s)

    class StepTimer(TrainerCallback):
        """Marks each step's end, then probes the matmul rate (its time is not counted)."""

        def on_step_end(self, args, state, control, **kwargs):
            step_times.append(time.perf_counter())
            started = time.perf_counter()
            rate = matmul_gflops(repeats=4, rounds=1)[0]
            probes.append((time.perf_counter() - started, rate))

    start_time = [0.0]

    class Start(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            start_time[0] = time.perf_counter()

    run_dir = Path(tempfile.mkdtemp(prefix=f"bench-{variant}-"))
    if variant == "lab":
        from core.training.fast_lora import fuse_lora_layers
        from core.training.train import Emitter, load_base_model, make_trainer

        cfg = LocalTrainConfig(**{**HYPER, "batch_size": batch, "max_steps": steps, "padding_free": True,
                                  "val_fraction": 0.0, "save_steps": 10**6, "eval_steps": 10**6,
                                  "logging_steps": steps, "device": "cpu"})
        plan = {"device": "cpu", "precision": "fp32", "method": "lora"}
        model = load_base_model(cfg, resolve_model("embedded"), plan)
        lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                          target_modules=target_module_list(cfg.target_modules), task_type="CAUSAL_LM")
        model = get_peft_model(model, lora)
        fuse_lora_layers(model)
        trainer = make_trainer(cfg, model, tokenizer, train, [], run_dir, plan, Emitter(run_dir, False), steps)
        recorder = Recorder(trainer.data_collator)
        trainer.data_collator = recorder
    else:
        from transformers import DataCollatorForSeq2Seq

        model = AutoModelForCausalLM.from_pretrained(resolve_model("embedded"), dtype=torch.float32,
                                                     attn_implementation="sdpa")
        lora = LoraConfig(r=HYPER["lora_r"], lora_alpha=HYPER["lora_alpha"], lora_dropout=HYPER["lora_dropout"],
                          target_modules="all-linear", task_type="CAUSAL_LM")
        model = get_peft_model(model, lora)
        args = TrainingArguments(output_dir=str(run_dir), per_device_train_batch_size=batch, max_steps=steps,
                                 learning_rate=HYPER["learning_rate"], lr_scheduler_type=HYPER["lr_scheduler"],
                                 seed=HYPER["seed"], data_seed=HYPER["seed"], logging_steps=steps,
                                 save_strategy="no", report_to=[], use_cpu=True, disable_tqdm=True,
                                 dataloader_num_workers=0)
        dataset = [{"input_ids": e.input_ids, "labels": e.labels, "attention_mask": [1] * len(e.input_ids)}
                   for e in train]
        recorder = Recorder(DataCollatorForSeq2Seq(tokenizer, padding="longest", label_pad_token_id=-100))
        trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=recorder)
    attention = model.base_model.model.config._attn_implementation
    before = eval_loss(model, tokenizer, val)  # the untrained model (LoRA B starts at zero)
    model.base_model.model.set_attn_implementation(attention)
    model.train()
    trainer.add_callback(StepTimer())
    trainer.add_callback(Start())
    try:
        trainer.train()
    finally:
        import shutil

        shutil.rmtree(run_dir, ignore_errors=True)
    times = [start_time[0]] + step_times
    # Steps 2..N (step 1 = warm-up). Batches are collated in step order (grad accumulation 1).
    steady = recorder.batches[1:steps]
    # The probes after steps 1..N-1 ran inside the timed span: their time is taken out.
    seconds = times[-1] - times[1] - sum(duration for duration, _ in probes[:steps - 1])
    between = sorted(rate for _, rate in probes)
    useful = sum(b["useful"] for b in steady)
    flops = flop_model(model.base_model.model.config, model.get_nb_trainable_parameters()[0])
    useful_flops = sum(b["useful"] * flops["per_token"] + b["labeled"] * flops["per_labeled"]
                       + sum(length**2 for length in b["lengths"]) * flops["attn_per_len2"] for b in steady)
    return {
        "variant": variant, "steps": steps, "batch": batch, "seconds": round(seconds, 2),
        "first_step_s": round(times[1] - times[0], 2),
        "useful_tokens": useful, "computed_tokens": sum(b["computed"] for b in steady),
        "useful_tokens_per_s": useful / seconds,
        "useful_gflops_per_s": useful_flops / seconds / 1e9,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "final_eval_loss": eval_loss(model, tokenizer, val), "eval_loss_before": before,
        **_matmul_summary(matmul + matmul_gflops()),
        "matmul_between_steps_gflops_per_s": between[len(between) // 2],
        "threads": torch.get_num_threads(),
    }


def _matmul_summary(rates: list[float]) -> dict:
    """The best round (the machine's peak: the target is judged on it) and the median round."""
    ordered = sorted(rates)
    return {"matmul_gflops_per_s": ordered[-1], "matmul_median_gflops_per_s": ordered[len(ordered) // 2]}


def spawn(variant: str, steps: int, batch: int, lora_dropout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1")
    for name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "LAB_OMP_WAIT"):  # baseline: library defaults;
        env.pop(name, None)  # lab: its worker decides, as core/training/train.py does
    out = subprocess.run([sys.executable, __file__, "--worker", variant, "--steps", str(steps),
                          "--batch-size", str(batch), "--lora-dropout", str(lora_dropout)],
                         env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{variant} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=1, help="alternate lab/baseline this many times")
    parser.add_argument("--lora-dropout", type=float, default=HYPER["lora_dropout"],
                        help="LoRA dropout of both variants (0 = the lab's CPU preset; 0.05 = Balanced)")
    parser.add_argument("--worker", choices=["lab", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    HYPER["lora_dropout"] = args.lora_dropout
    if args.worker:
        if args.worker == "lab":  # before torch loads, like the lab's worker
            from core.cpu_threads import choose_for_training

            wait = choose_for_training()
        else:
            wait = "OpenMP default"
        print(json.dumps({**run_variant(args.worker, args.steps, args.batch_size), "cpu_wait": wait}))
        return 0
    runs = []
    for index in range(args.repeats):
        order = ["lab", "baseline"] if index % 2 == 0 else ["baseline", "lab"]
        for variant in order:
            result = spawn(variant, args.steps, args.batch_size, args.lora_dropout)
            runs.append(result)
            print(f"  {variant:<8} {result['useful_tokens_per_s']:7.1f} useful tok/s  "
                  f"{result['useful_gflops_per_s']:6.1f} GFLOP/s (matmul {result['matmul_between_steps_gflops_per_s']:.1f}"
                  f" between steps, {result['matmul_gflops_per_s']:.1f} best)  "
                  f"eval loss {result['final_eval_loss']:.4f}  peak {result['peak_rss_mb']:.0f} MB  "
                  f"threads wait: {result['cpu_wait']}", flush=True)

    def best(variant: str) -> dict:
        return max((r for r in runs if r["variant"] == variant), key=lambda r: r["useful_tokens_per_s"])

    lab, base = best("lab"), best("baseline")
    padding = 1 - base["useful_tokens"] / base["computed_tokens"]
    print()
    print(f"Model SmolLM2-135M-Instruct, LoRA r=16 all-linear dropout {args.lora_dropout}, fp32 CPU, {args.steps} steps x batch "
          f"{args.batch_size} (steps 2..{args.steps} timed), {lab['threads']} threads")
    print(f"baseline (Trainer + peft, pad to longest): {base['useful_tokens_per_s']:.1f} useful tok/s, "
          f"{100 * padding:.0f}% of computed tokens were padding, peak RSS {base['peak_rss_mb']:.0f} MB, "
          f"eval loss {base['eval_loss_before']:.4f} before -> {base['final_eval_loss']:.4f}")
    print(f"lab (padding-free varlen, selective chunked loss, fused LoRA): {lab['useful_tokens_per_s']:.1f} useful tok/s, "
          f"peak RSS {lab['peak_rss_mb']:.0f} MB, eval loss {lab['eval_loss_before']:.4f} before -> "
          f"{lab['final_eval_loss']:.4f}")
    print(f"speed-up (useful tokens/s): {lab['useful_tokens_per_s'] / base['useful_tokens_per_s']:.2f}x "
          f"(target >= 1.5x)")
    for name, run in (("lab", lab), ("baseline", base)):
        print(f"{name}: useful {run['useful_gflops_per_s']:.1f} GFLOP/s = "
              f"{100 * run['useful_gflops_per_s'] / run['matmul_between_steps_gflops_per_s']:.0f}% of the fp32 matmul "
              f"micro-benchmark measured between its training steps ({run['matmul_between_steps_gflops_per_s']:.1f} "
              f"GFLOP/s, 1024^3, median of {args.steps} probes; target >= 60%); "
              f"{100 * run['useful_gflops_per_s'] / run['matmul_median_gflops_per_s']:.0f}% of the median and "
              f"{100 * run['useful_gflops_per_s'] / run['matmul_gflops_per_s']:.0f}% of the best of 10 rounds "
              f"before/after ({run['matmul_median_gflops_per_s']:.1f} / {run['matmul_gflops_per_s']:.1f})")
    print(f"eval loss lab - baseline: {lab['final_eval_loss'] - base['final_eval_loss']:+.4f} (target <= noise)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
