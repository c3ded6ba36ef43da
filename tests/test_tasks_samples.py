"""The short-answer task samples (issue 12 §1): valid files, fixed label set and schema, evaluation
lines that never repeat a training message, a generator that rewrites the same files, and the "task"
preset suggested for them (and not for the support chat)."""
from __future__ import annotations

import json
import re

import pytest

from core.dataset.inspector import inspect_file
from core.evaluation.dataset import load_examples, resolve_set
from core.evaluation.metrics import normalize
from core.evaluation.run import default_metrics
from core.paths import ASSETS
from core.training.config import PRESETS, LocalTrainConfig, suggest_preset
from scripts import make_task_samples as gen

LANGS = ("en", "pt-BR")
FIELDS = {"intent", "bike_model", "city", "order_number", "urgency"}
MINIMUM = {"routing": (300, 60), "extraction": (200, 50)}


def lines(path) -> list[dict]:
    return [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines() if raw.strip()]


def files(task: str, lang: str):
    return ASSETS / "samples" / f"{task}_{lang}.jsonl", ASSETS / "eval" / f"{task}_{lang}.jsonl"


@pytest.mark.parametrize("task", MINIMUM)
@pytest.mark.parametrize("lang", LANGS)
def test_files_are_valid_for_the_inspector_and_the_evaluation(task, lang):
    train, held = files(task, lang)
    for path in (train, held):
        report = inspect_file(path, model="gpt-4.1-mini-2025-04-14", lang="en", pii=False, workers=1)
        assert report.format == "chat" and not report.has_errors, [f.code for f in report.findings]
    assert len(lines(train)) >= MINIMUM[task][0] and len(lines(held)) >= MINIMUM[task][1]
    examples = load_examples(resolve_set(f"{task}_{lang}"))  # bundled through assets/eval/manifest.json
    metrics = default_metrics(examples)
    assert ("exact_match" if task == "routing" else "json_valid") in metrics


@pytest.mark.parametrize("lang", LANGS)
def test_routing_uses_the_fixed_queue_set(lang):
    queues = set(gen.queues(lang))
    assert len(queues) >= 6
    train, held = (lines(p) for p in files("routing", lang))
    for line in train + held:
        assert line["messages"][-1]["content"] in queues
    assert {line["messages"][-1]["content"] for line in train} == queues
    assert {line["messages"][-1]["content"] for line in held} == queues
    assert all(line["label"] == line["messages"][-1]["content"] == line["facts"][0] for line in held)


@pytest.mark.parametrize("lang", LANGS)
def test_extraction_replies_follow_the_schema_and_the_message(lang):
    queues = set(gen.queues(lang))
    for path in files("extraction", lang):
        for line in lines(path):
            message = line["messages"][1]["content"]
            ticket = json.loads(line["messages"][-1]["content"])
            assert set(ticket) == FIELDS
            assert ticket["intent"] in queues and ticket["urgency"] in ("high", "normal")
            assert ticket["bike_model"] in (None, *gen.MODELS) and ticket["city"] in (None, *gen.CITIES)
            for name in ("bike_model", "city", "order_number"):
                if ticket[name] is not None:  # every value is copied from the message, never guessed
                    assert ticket[name] in message
            if ticket["order_number"] is not None:
                assert re.fullmatch(r"PD-\d{6}", ticket["order_number"])
            if "facts" in line:  # evaluation lines: the values a right answer must contain
                assert line["facts"] == [v for k, v in ticket.items() if v and k != "urgency"]


@pytest.mark.parametrize("task", MINIMUM)
@pytest.mark.parametrize("lang", LANGS)
def test_evaluation_messages_never_appear_in_training(task, lang):
    train, held = (lines(p) for p in files(task, lang))
    seen = {normalize(line["messages"][1]["content"]) for line in train}
    assert not [line for line in held if normalize(line["messages"][1]["content"]) in seen]
    # disjoint pools, not only disjoint lines: no main-issue sentence of evaluation is a training one
    pools = gen.TEMPLATES[lang]
    train_main = {s for group in pools["train"]["main"].values() for s in group}
    eval_main = {s for group in pools["eval"]["main"].values() for s in group}
    assert not train_main & eval_main


def test_generator_rewrites_the_same_files():
    train_path, _ = files("routing", "en")
    again = gen.generate("routing", "en", "train", gen.COUNTS["routing"][0], gen.SEED)
    assert again == lines(train_path)


def test_task_preset_is_suggested_for_short_answers_only():
    assert "task" in PRESETS
    cfg = LocalTrainConfig.from_preset("task", dataset="x.jsonl")
    assert cfg.learning_rate >= 5e-4 and cfg.lora_dropout == 0.0 and cfg.max_examples == 0
    for task in MINIMUM:
        for lang in LANGS:
            assert suggest_preset(files(task, lang)[0])["preset"] == "task"
    assert suggest_preset(ASSETS / "samples" / "support_en.jsonl") is None
    assert suggest_preset(ASSETS / "samples" / "support_pt-BR.jsonl") is None
    assert suggest_preset(ASSETS / "samples" / "no_such_file.jsonl") is None
