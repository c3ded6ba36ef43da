"""Generate the short-answer task samples (issue 12 §1): ticket routing and structured extraction.

    python scripts/make_task_samples.py            # writes assets/samples/{routing,extraction}_<lang>.jsonl
                                                   # and assets/eval/{routing,extraction}_<lang>.jsonl

Why generated: the lesson needs hundreds of varied, reviewable lines per language, and evaluation lines
that are NOT paraphrases of training lines. Every message is built from a main-issue template, optional
noise (greeting, a secondary minor issue, typos, lower case) and optional slot clauses (bike model, city,
order number, urgency). Training and evaluation draw from DISJOINT template pools (main issues,
greetings, connectors, slot phrasings), so a model can only score on evaluation by learning the task.
Seeded (random.Random(SEED)): rerunning rewrites the same files. Facts follow assets/company/facts.md.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.task_templates import TEMPLATES  # noqa: E402  (the wording, kept apart from the logic)

SEED = 12
COUNTS = {"routing": (350, 70), "extraction": (240, 60)}  # (train, eval) lines per language
MODELS = ("Urbana", "Trilha", "Dobrável")
CITIES = ("Curitiba", "São Paulo", "Florianópolis", "Porto Alegre")


def system_prompt(task: str, lang: str) -> str:
    return TEMPLATES[lang]["system"][task]


def queues(lang: str) -> list[str]:
    """The fixed label set (queue names) of a language, in catalogue order."""
    return list(TEMPLATES[lang]["queues"])


def _typo(rng: random.Random, text: str) -> str:
    """One realistic slip in a word of 4+ letters: two letters swapped, one dropped or doubled."""
    words = text.split(" ")
    spots = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not spots:
        return text
    i = rng.choice(spots)
    w, j = words[i], rng.randrange(1, len(words[i]) - 1)
    op = rng.choice(("swap", "drop", "double"))
    if op == "swap":
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif op == "drop":
        w = w[:j] + w[j + 1:]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def build(rng: random.Random, lang: str, split: str, queue: str, slots: bool) -> tuple[str, dict]:
    """One customer message and its ticket fields. split: "train" | "eval" picks the template pool."""
    pool = TEMPLATES[lang][split]
    main = rng.choice(pool["main"][queue])
    for _ in range(rng.choice((0, 0, 1, 2))):
        main = _typo(rng, main)
    parts = []
    if rng.random() < 0.5:
        parts.append(rng.choice(pool["greetings"]))
    fields = {"intent": queue, "bike_model": None, "city": None, "order_number": None, "urgency": "normal"}
    urgent = rng.random() < 0.3
    if urgent:
        fields["urgency"] = "high"
        marker = rng.choice(pool["urgent"])
        before = marker.endswith(":") or rng.random() < 0.5  # "URGENT:" only reads right in front
        parts.append(marker + " " + main if before else main + " " + marker)
    else:
        parts.append(main)
    if rng.random() < 0.15:  # typed in lower case (the slot clauses keep their case: names, PD-...)
        parts = [part.lower() for part in parts]
    extra = []
    if slots or rng.random() < 0.4:
        if rng.random() < 0.6:
            fields["bike_model"] = rng.choice(MODELS)
            extra.append(rng.choice(pool["model"]).format(model=fields["bike_model"]))
        if rng.random() < 0.55:
            fields["city"] = rng.choice(CITIES)
            extra.append(rng.choice(pool["city"]).format(city=fields["city"]))
        if rng.random() < 0.5:
            fields["order_number"] = f"PD-{rng.randrange(100000, 999999)}"
            extra.append(rng.choice(pool["order"]).format(order=fields["order_number"]))
    rng.shuffle(extra)
    parts += extra
    if rng.random() < 0.3:  # a second, minor issue after the main one, signalled as minor
        other = rng.choice([q for q in queues(lang) if q != queue])
        parts.append(rng.choice(pool["connectors"]) + " " + rng.choice(pool["minor"][other]))
    return " ".join(parts), fields


def record(task: str, lang: str, text: str, fields: dict, split: str) -> dict:
    reply = fields["intent"] if task == "routing" else json.dumps(fields, ensure_ascii=False)
    line = {"messages": [{"role": "system", "content": system_prompt(task, lang)},
                         {"role": "user", "content": text},
                         {"role": "assistant", "content": reply}]}
    if split == "eval":  # facts: strings a right answer contains (the queue; the values copied from the message)
        values = [fields[name] for name in ("intent", "bike_model", "city", "order_number") if fields[name]]
        line["facts"] = values[:1] if task == "routing" else values
        if task == "routing":
            line["label"] = fields["intent"]
    return line


def normalize_message(text: str) -> str:
    """What "the same message" means for the no-overlap check: case and spacing folded."""
    return " ".join(text.casefold().split())


def generate(task: str, lang: str, split: str, count: int, seed: int) -> list[dict]:
    """`count` unique lines, queues balanced (round-robin), in a shuffled order."""
    rng = random.Random(f"{seed}-{task}-{lang}-{split}")
    names, seen, lines = queues(lang), set(), []
    attempts = 0
    while len(lines) < count:
        attempts += 1
        if attempts > count * 50:
            raise RuntimeError(f"not enough distinct {task}/{lang}/{split} messages")
        queue = names[len(lines) % len(names)]
        text, fields = build(rng, lang, split, queue, slots=task == "extraction")
        key = normalize_message(text)
        if key in seen:
            continue
        seen.add(key)
        lines.append(record(task, lang, text, fields, split))
    rng.shuffle(lines)
    return lines


def write(path: Path, lines: list[dict]) -> None:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


def main() -> int:
    for task, (n_train, n_eval) in COUNTS.items():
        for lang in TEMPLATES:
            train = generate(task, lang, "train", n_train, SEED)
            held = generate(task, lang, "eval", n_eval, SEED)
            seen = {normalize_message(line["messages"][1]["content"]) for line in train}
            held = [line for line in held if normalize_message(line["messages"][1]["content"]) not in seen]
            write(ROOT / "assets" / "samples" / f"{task}_{lang}.jsonl", train)
            write(ROOT / "assets" / "eval" / f"{task}_{lang}.jsonl", held)
            print(f"{task}_{lang}: {len(train)} train, {len(held)} eval")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
