"""Benchmark: `lab inspect` (core.dataset.inspect_file) vs the OpenAI cookbook's method.

Generates a 50,000-example chat file (~100 MB: variable-length conversations, five system prompts,
some `name`s, some tool calls with tool definitions) in a temp folder, then runs each method in its
own subprocess (each with its own tokenizer and imports loaded before the clock starts: tiktoken for
the cookbook, bpe-openai's crate for the lab), alternating (lab, cookbook, lab, cookbook, ...): the figure is the median of the
paired ratios (each lab run against the cookbook run next to it, so both saw the same load), in
wall time and in CPU time (the lab's worker processes included). Memory: the peak of the summed
proportional set size (PSS: shared pages split between the processes that share them) of the
process and its workers, sampled every 20 ms, plus ru_maxrss; a lab run on a file twice as big
shows whether memory grows with the file. Prints whether per-example token counts agree.

The cookbook method ("Chat_finetuning_data_prep"): json.loads every line into a list, its format
checks, then 3 per message + encoding.encode() of every string value + 1 per name + 3. The cookbook
crashes on tool_calls (a list) and ignores tools, so for those two keys the baseline adds exactly the
lab's documented rule (tokens of every string inside tool_calls; tokens of the tools' compact JSON).

Usage: python bench/bench_inspect.py [--examples 50000] [--rounds 3] [--model gpt-4o-mini-2024-07-18]
"""
from __future__ import annotations

import argparse
import hashlib
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

WORDS = ("the customer order refund shipping delivery account password reset invoice payment card "
         "billing help support thanks please could you would like to know about my latest request "
         "bike battery range motor warranty subscription plan rental helmet lock deposit hub "
         "pedido entrega reembolso conta senha não obrigado bicicleta bateria garantia assinatura "
         "aluguel capacete cadeado depósito manutenção quando onde como posso trocar cancelar "
         "1 2 3 10 30 48 149 219 299 R$ km h , . ? ! — 🚲 São Paulo Curitiba Florianópolis").split()
SYSTEM_PROMPTS = [  # five prompts of different lengths (~20 to ~250 tokens), as real files mix them
    "You are Pia, Pedala's support assistant. Be warm, concise and practical.",
    "You are Pia, the support assistant of Pedala, an e-bike company in Brazil. Answer in the customer's "
    "language, keep answers short, and sign off as Pia.",
    "You are Pia, Pedala's support assistant. Pedala rents and sells e-bikes in São Paulo, Curitiba and "
    "Florianópolis. Plans: Basic R$ 89/month, Plus R$ 149/month, Pro R$ 219/month. Deliveries take up to 3 "
    "business days. Never promise refunds: explain the policy and open a ticket.",
    "Você é a Pia, assistente de atendimento da Pedala. Responda com cordialidade e objetividade, sempre em "
    "português do Brasil. Planos: Básico R$ 89/mês, Plus R$ 149/mês, Pro R$ 219/mês. Entregas em até 3 dias "
    "úteis. Para trocas e devoluções, explique a política de 7 dias e abra um chamado. Nunca peça a senha do "
    "cliente. Assine como Pia.",
    "You are Pia, Pedala's support assistant. Rules: 1) greet the customer by name when you know it; 2) answer "
    "only from Pedala's policies; 3) for orders, call get_order_status with the order number before answering; "
    "4) battery range is 40 to 80 km depending on the model and the terrain; 5) maintenance is free in the first "
    "year at any Pedala hub; 6) helmets and locks are sold separately; 7) the deposit for rentals is refunded "
    "within 5 business days after the bike is returned; 8) if the customer is upset, apologise once and "
    "propose a concrete next step; 9) sign off as Pia, Pedala Support.",
]
TOOLS = [{"type": "function", "function": {
    "name": "get_order_status", "description": "Look up the status of a Pedala order.",
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string", "description": "Order number"}},
                   "required": ["order_id"]}}}]


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


def generate(path: Path, n_examples: int, seed: int = 7) -> None:
    """~2 KB per example on average: 50,000 examples ≈ 100 MB."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n_examples):
            messages = [{"role": "system", "content": rng.choice(SYSTEM_PROMPTS)}]
            example: dict = {"messages": messages}
            for turn in range(rng.randint(1, 4)):
                user = {"role": "user", "content": _text(rng, 5, 50)}
                if rng.random() < 0.2:
                    user["name"] = rng.choice(["ana", "bruno", "carla", "diego"])
                messages.append(user)
                if turn == 0 and rng.random() < 0.15:
                    call_id = f"call_{i}"
                    messages.append({"role": "assistant", "tool_calls": [{"id": call_id, "type": "function", "function": {
                        "name": "get_order_status", "arguments": json.dumps({"order_id": f"PD-{i:06d}"})}}]})
                    messages.append({"role": "tool", "tool_call_id": call_id, "content": _text(rng, 3, 20)})
                    example["tools"] = TOOLS
                messages.append({"role": "assistant", "content": _text(rng, 10, 120)})
            out.write(json.dumps(example, ensure_ascii=False) + "\n")


# ---- the cookbook method (kept literal; only the tool_calls/tools lines are additions) ----------
def cookbook(path: str, encoding_name: str) -> list[int]:
    import numpy as np  # noqa: F401  (the cookbook imports it for its statistics)
    import tiktoken
    from collections import defaultdict

    from core.tokenizers import seed_tiktoken_cache

    seed_tiktoken_cache()
    encoding = tiktoken.get_encoding(encoding_name)
    with open(path, "r", encoding="utf-8") as f:
        dataset = [json.loads(line) for line in f]

    format_errors = defaultdict(int)
    for ex in dataset:
        if not isinstance(ex, dict):
            format_errors["data_type"] += 1
            continue
        messages = ex.get("messages", None)
        if not messages:
            format_errors["missing_messages_list"] += 1
            continue
        for message in messages:
            if "role" not in message or "content" not in message:
                format_errors["message_missing_key"] += 1
            if any(k not in ("role", "content", "name", "function_call", "weight") for k in message):
                format_errors["message_unrecognized_key"] += 1
            if message.get("role", None) not in ("system", "user", "assistant", "function"):
                format_errors["unrecognized_role"] += 1
            content = message.get("content", None)
            function_call = message.get("function_call", None)
            if (not content and not function_call) or not isinstance(content, str):
                format_errors["missing_content"] += 1
        if not any(message.get("role", None) == "assistant" for message in messages):
            format_errors["example_missing_assistant_message"] += 1

    def leaves(value):  # addition: strings inside tool_calls
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from leaves(item)
        elif isinstance(value, list):
            for item in value:
                yield from leaves(item)

    def num_tokens_from_messages(messages, tokens_per_message=3, tokens_per_name=1):
        num_tokens = 0
        for message in messages:
            num_tokens += tokens_per_message
            for key, value in message.items():
                if key == "tool_calls":  # addition
                    num_tokens += sum(len(encoding.encode(s)) for s in leaves(value))
                    continue
                num_tokens += len(encoding.encode(value))
                if key == "name":
                    num_tokens += tokens_per_name
        num_tokens += 3
        return num_tokens

    def num_assistant_tokens_from_messages(messages):
        num_tokens = 0
        for message in messages:
            if message["role"] == "assistant" and "content" in message:
                num_tokens += len(encoding.encode(message["content"]))
        return num_tokens

    convo_lens, assistant_message_lens = [], []
    for ex in dataset:
        n = num_tokens_from_messages(ex["messages"])
        if ex.get("tools"):  # addition
            n += len(encoding.encode(json.dumps(ex["tools"], separators=(",", ":"), ensure_ascii=False)))
        convo_lens.append(n)
        assistant_message_lens.append(num_assistant_tokens_from_messages(ex["messages"]))
    return convo_lens


def lab(path: str, model: str) -> list[int]:
    from core.dataset import inspect_file

    report = inspect_file(path, model=model)
    assert report.n_examples == len(report.example_tokens), "every example must be counted"
    return list(report.example_tokens)


def idle(path: str, model: str) -> list[int]:
    """The lab's floor: interpreter + lab imports + its loaded tokenizer, and no work."""
    import core.dataset  # noqa: F401

    return []


def child(method: str, path: str, model: str) -> None:
    """Run one method in this (fresh) process; print seconds, peak MB and a digest of the counts."""
    from core.tokenizers import encoding_name_for_model, get_encoding

    if method == "cookbook":  # loading each method's own tokenizer is not what we measure
        get_encoding(encoding_name_for_model(model))
    else:  # the lab counts with bpe-openai's crate (core/dataset/tokens.py), not with tiktoken
        from core.dataset.tokens import make_counter

        make_counter(model)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    counts = {"lab": lab, "idle": idle}[method](path, model) if method != "cookbook" else \
        cookbook(path, encoding_name_for_model(model))
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the lab's workers, once joined
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime) + \
        (after_children.ru_utime - children.ru_utime) + (after_children.ru_stime - children.ru_stime)
    peak_mb = (after.ru_maxrss + after_children.ru_maxrss) / 1024  # Linux: KiB; parent + largest worker
    digest = hashlib.sha256(json.dumps(counts).encode()).hexdigest()[:16]
    print(json.dumps({"method": method, "seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_mb, "n": len(counts),
                      "total": sum(counts), "digest": digest}))


def _tree_pss_kb(pid: int) -> int:
    """PSS of a process and all its descendants, in KiB (0 once they are gone)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(x) for x in handle.read().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_child(method: str, path: Path, model: str) -> dict:
    """Run one method in a fresh process; sample the PSS of its process tree while it runs."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", method, str(path), "--model", model],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_pss_kb(proc.pid))
        time.sleep(0.02)
    out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"{method} failed: {err[-2000:]}")
    return {**json.loads(out.strip().splitlines()[-1]), "pss_mb": peak / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default="gpt-4o-mini-2024-07-18")
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.model)
        return
    with tempfile.TemporaryDirectory(prefix="bench-inspect-") as tmp:
        full, double = Path(tmp) / "chat_full.jsonl", Path(tmp) / "chat_double.jsonl"
        t0 = time.perf_counter()
        generate(full, args.examples)
        generate(double, args.examples * 2, seed=8)
        print(f"generated {args.examples:,} examples, {full.stat().st_size / 1e6:.1f} MB "
              f"(+ double file {double.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
        print(f"cpus: {os.cpu_count()} (usable {len(os.sched_getaffinity(0))}), load average: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        results: dict[str, list[dict]] = {"lab": [], "cookbook": []}
        for round_no in range(args.rounds):
            for method in ("lab", "cookbook"):
                result = run_child(method, full, args.model)
                results[method].append(result)
                print(f"round {round_no + 1} {method:9s} {result['seconds']:7.2f} s wall, {result['cpu_seconds']:7.2f} s CPU, "
                      f"PSS peak {result['pss_mb']:7.1f} MB (maxrss {result['peak_mb']:7.1f} MB), load {os.getloadavg()[0]:.1f}")
        double_result = run_child("lab", double, args.model)
        idle_result = run_child("idle", full, args.model)
        t0 = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "lab", "inspect", str(full), "--model", args.model,
                              "--format", "json"], capture_output=True, text=True, cwd=ROOT)
        cli_seconds = time.perf_counter() - t0
        agree = len({(r["digest"], r["n"], r["total"]) for rs in results.values() for r in rs}) == 1

        def median(values: list[float]) -> float:
            ordered = sorted(values)
            mid = len(ordered) // 2
            return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

        pairs = list(zip(results["lab"], results["cookbook"]))
        wall = [c["seconds"] / l["seconds"] for l, c in pairs]
        cpu = [c["cpu_seconds"] / l["cpu_seconds"] for l, c in pairs]
        print()
        print(f"wall-time speed-up, paired rounds: {', '.join(f'{r:.2f}' for r in wall)}; median {median(wall):.2f}x "
              f"(target >= 2.5x)")
        print(f"CPU-time ratio, paired rounds:    {', '.join(f'{r:.2f}' for r in cpu)}; median {median(cpu):.2f}x "
              f"(target >= 2x: the gain is not only the second core)")
        print(f"medians: lab {median([r['seconds'] for r in results['lab']]):.2f} s wall / "
              f"{median([r['cpu_seconds'] for r in results['lab']]):.2f} s CPU; cookbook "
              f"{median([r['seconds'] for r in results['cookbook']]):.2f} s / "
              f"{median([r['cpu_seconds'] for r in results['cookbook']]):.2f} s CPU")
        print(f"peak memory (PSS of the process tree): lab {max(r['pss_mb'] for r in results['lab']):.1f} MB on "
              f"{full.stat().st_size / 1e6:.0f} MB, {double_result['pss_mb']:.1f} MB on the double file "
              f"({double.stat().st_size / 1e6:.0f} MB); cookbook {max(r['pss_mb'] for r in results['cookbook']):.1f} MB; "
              f"lab floor (interpreter + imports + tokenizer, no work) {idle_result['pss_mb']:.1f} MB (target: lab <= 200 MB, flat)")
        print(f"token counts agree: {agree}  (n={results['lab'][0]['n']:,}, total={results['lab'][0]['total']:,})")
        print(f"`python -m lab inspect --format json` end to end (startup + imports + JSON output): "
              f"{cli_seconds:.2f} s, exit code {cli.returncode}")


if __name__ == "__main__":
    main()
