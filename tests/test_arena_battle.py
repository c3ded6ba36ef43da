"""The arena's rules without a UI (core.arena): seats, turns, regenerate, votes, the form's settings,
and RAG sources shown as inert text with their evidence highlighted."""
from __future__ import annotations

import random

import pytest

from core import comparison, votes
from core.arena.battle import Battle
from core.arena.settings import column_settings
from core.errors import InputError
from core.providers import Answer, ChatSettings


def answered(b: Battle, question: str, texts: dict[int, str]) -> None:
    for i, _messages in b.begin_turn(question):
        b.finish_column(i, Answer(text=texts.get(i, ""), error=None if i in texts else "boom"))


def test_open_mode_keeps_columns_and_history_and_regenerate_replaces_the_last_turn():
    b = Battle()
    with pytest.raises(InputError):
        b.seat([None, "", None])
    b.seat(["base", None, "rag"])
    answered(b, "Q1?", {0: "A1", 2: "R1"})
    turns = b.begin_turn("Q2?")
    assert [i for i, _ in turns] == [0, 2]
    assert [m["content"] for m in turns[0][1]] == ["Q1?", "A1", "Q2?"]  # the model sees the first exchange
    b.finish_column(0, Answer(text="A2"))
    b.finish_column(2, Answer(text="", error="no index"))  # a failed column keeps no half-turn
    assert [m["content"] for m in b.histories[2]] == ["Q1?", "R1"]
    assert b.display[2][-1]["content"] == "⚠️ no index"
    assert b.drop_last_turn() == "Q2?"
    assert [m["content"] for m in b.display[0]] == ["Q1?", "A1"] and [m["content"] for m in b.histories[0]] == ["Q1?", "A1"]
    assert [m["content"] for m in b.display[2]] == ["Q1?", "R1"]
    with pytest.raises(InputError):
        Battle().drop_last_turn()


def test_blind_battle_shuffles_once_hides_names_and_takes_one_vote(lab_home):
    b = Battle(blind=True)
    with pytest.raises(InputError):
        b.seat(["base", None, None])  # a battle needs two
    b.seat(["base", "rag", None], rng=random.Random(1))
    seats = list(b.specs)
    b.seat(["other", "one", "three"])  # later turns keep the seats
    assert b.specs == seats and sorted(s for s in seats if s) == ["base", "rag"]
    assert b.hidden and not b.can_vote
    answered(b, "Deposit?", {0: "yes", 1: "no"})
    assert b.can_vote and b.seat_title(0) == "A" and b.seat_title(2) is None
    assert b.comparison().columns[0].spec == "A"  # an export before the vote names no one
    with pytest.raises(InputError):
        b.vote("C")  # no seat C in a two-way battle
    assert b.vote("B") == {"A": seats[0], "B": seats[1]}
    assert not b.hidden and b.comparison().columns[0].spec == seats[0]
    with pytest.raises(InputError):
        b.vote("A")  # one vote per battle
    stored = votes.list_votes()
    assert len(stored) == 1 and stored[0]["winner"] == "B" and stored[0]["answers"] == {"A": "yes", "B": "no"}


def test_the_form_becomes_one_settings_per_column_with_own_overrides():
    values = {"temperature": 0.3, "max_tokens": 64.0, "top_p": 0.9, "seed": 7.0, "system_prompt": "Be brief.",
              "gpu_usd_per_hour": None, "rag_k": 2, "own_2": True, "temperature_2": 1.5, "max_tokens_2": 16,
              "system_prompt_2": "", "own_3": False, "temperature_3": 2.0}
    first, second, third = column_settings(values, 3, "pt-BR")
    assert (first.temperature, first.max_tokens, first.seed, first.rag_k, first.lang) == (0.3, 64, 7, 2, "pt-BR")
    assert first.system_prompt == "Be brief." and first.gpu_usd_per_hour == 0.0 and isinstance(first.max_tokens, int)
    assert (second.temperature, second.max_tokens, second.system_prompt, second.top_p) == (1.5, 16, None, 0.9)
    assert third == first
    names = {spec["name"] for spec in ChatSettings.control_specs()}
    assert {"temperature", "max_tokens", "top_p", "seed", "system_prompt", "gpu_usd_per_hour", "rag_k"} <= names
    assert all(spec["label"].startswith("arena.") and spec["help"] for spec in ChatSettings.control_specs())


def test_sources_are_inert_text_with_the_evidence_highlighted():
    evil = "# Heading | <script>alert(1)</script> **R$ 89**"
    answer = Answer(text="R$ 89 [1]", sources=[
        {"n": 1, "title": "Plans <b>", "snippet": evil, "evidence": "The Plus plan costs *R$ 89*."},
        {"n": 2, "title": "FAQ", "snippet": "Opening hours", "evidence": None}])
    text = comparison.sources_markdown(answer, "en")
    assert "<script" not in text and "&lt;script&gt;" in text and "<b>" not in text
    assert r"\# Heading \|" in text and r"\*\*R\$ 89\*\*" in text  # shown as typed, not as Markdown
    marks = [line for line in text.splitlines() if "<mark>" in line]
    assert marks == [r"   <br><mark>🔎 The Plus plan costs \*R\$ 89\*\.</mark>"]  # only the source with evidence
    assert comparison.sources_markdown(Answer(text="hi"), "en") == ""
