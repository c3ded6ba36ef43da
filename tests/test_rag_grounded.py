"""The grounded-answers builder: numbers and names replaced consistently in question, passages and
answer; the answer cites the passage that holds the (changed) fact; the prompt is the RAG prompt;
the bundled sets are well formed; and a short real training run on the set."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from core.rag import grounded
from core.rag.index import Hit
from core.training.config import LocalTrainConfig

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def hit(text: str, n: int = 0) -> Hit:
    return Hit(doc_id=f"doc{n}.md", title=f"Doc {n}", lang="en", chunk_id=n, text=text, score=0.5)


def test_substitution_is_consistent_and_keeps_the_shape():
    change = grounded.Substitution(random.Random(1))
    first = change("Day rental R$ 89, deposit R$ 500, Urbana R$ 6.490, battery 10,4 Ah, 5 days.")
    again = change("The Urbana day rental is R$ 89.")
    mapping = change.map
    assert {"89", "500", "6.490", "10,4", "5", "Urbana"} <= set(mapping)
    assert all(new != old for old, new in mapping.items())
    assert f"R$ {mapping['89']}" in first and f"R$ {mapping['89']}" in again  # same number, same stand-in
    assert re.fullmatch(r"[1-9]\.\d{3}", mapping["6.490"]) and re.fullmatch(r"[1-9]\d,\d", mapping["10,4"])
    assert mapping["Urbana"] in again and "Urbana" not in again
    assert change("write to privacidade@pedala.com.br") == f"write to {mapping['privacidade']}@pedala.com.br"


def test_conversation_cites_the_passage_holding_the_changed_fact():
    hits = [hit("Deposit: R$ 500, released in 5 business days.", 0), hit("Day rental: R$ 89 for 24 hours.", 1)]
    change = grounded.Substitution(random.Random(7))
    example = grounded.conversation("How much is a day rental?", "A day rental costs R$ 89 {cite}.", "R$ 89",
                                    hits, "en", None, change, order=[1, 0])
    user, answer = example["messages"][-2]["content"], example["messages"][-1]["content"]
    new = change.map["89"]
    assert answer == f"A day rental costs R$ {new} [1]."  # passage order swapped: the rental is [1] now
    title = f"Doc {change.map['1']}"  # numbers in titles change too
    assert f"[1] {title}\nDay rental: R$ {new} for {change.map['24']} hours." in user
    assert "R$ 89" not in user and example["facts"] == [f"R$ {new}"]
    for number in NUMBER.findall(answer.replace("[1]", "")):
        assert number in user  # every number the answer says is in a passage
    assert grounded.conversation("q?", "x {cite}", "R$ 999", hits, "en", None) is None  # fact nowhere


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_bundled_set_matches_the_builder_rules(lang):
    rows = [json.loads(line) for line in grounded.bundled_path(lang).read_text(encoding="utf-8").splitlines()]
    questions = grounded.load_questions(lang)
    assert len(rows) >= 0.8 * grounded.COPIES * len(questions)  # most copies kept (the cut may drop a fact)
    real = 0
    for row in rows:
        messages = row["messages"]
        assert [m["role"] for m in messages][-2:] == ["user", "assistant"]
        user, answer, fact = messages[-2]["content"], messages[-1]["content"], row["facts"][0]
        cited = int(re.search(r"\[(\d)\]", answer).group(1))
        passage = re.split(r"\n\n(?=\[\d\] )", user.split("\n\n", 1)[1])[cited - 1]
        assert passage.startswith(f"[{cited}] ") and fact.casefold() in " ".join(passage.casefold().split())
        assert fact in answer
        real += any(fact == q["fact"] and q["q"] in user for q in questions)
    assert 0.15 * len(rows) <= real <= 0.5 * len(rows)  # most copies are randomized


def test_grounded_preset_uses_the_interface_language_set():
    from core.i18n import set_language

    cfg = LocalTrainConfig.from_preset("grounded")
    assert cfg.dataset == str(grounded.bundled_path("en")) and cfg.preset == "grounded"
    set_language("pt-BR")
    assert LocalTrainConfig.from_preset("grounded").dataset.endswith("grounded_pt-BR.jsonl")
    assert LocalTrainConfig.from_preset("grounded", dataset="mine.jsonl").dataset == "mine.jsonl"


@pytest.mark.slow
def test_short_real_training_run_on_the_grounded_set(tmp_path):
    """One optimizer step (no warmup, so its learning rate is not 0) of the real trainer on 2
    grounded conversations of the preset's own set: the adapter is saved and its LoRA B matrices
    (zero at initialisation) have moved."""
    import torch
    from safetensors.torch import load_file

    from core.training.train import train

    cfg = LocalTrainConfig.from_preset("grounded", max_examples=2, max_steps=1, warmup_ratio=0.0,
                                       val_fraction=0.0, device="cpu")
    result = train(cfg, tmp_path / "run")
    assert result["steps"] == 1 and result["train_examples"] == 2
    weights = load_file(str(next(Path(result["adapter_dir"]).glob("*.safetensors"))))
    lora_b = [tensor for name, tensor in weights.items() if "lora_B" in name]
    assert lora_b and any(torch.count_nonzero(tensor) > 0 for tensor in lora_b)
