"""Token counts must be exactly tiktoken's (the cookbook's numbers), whatever counts them: the
bpe-openai crate's count against tiktoken's encode_ordinary on random text, the per-example sum
against the cookbook rule, and parallel scans over many byte ranges against a sequential one."""
from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import core.dataset.inspector as inspector_module
from core.dataset import inspect_file
from core.dataset.checks import ExampleParts
from core.dataset.tokens import OpenAICounter, bpe_count_function
from core.tokenizers import get_encoding

EDGES = [" ", "\n", "\r\n", "\t", "\u00a0", "\u2028", "\u3000", "\x1c", "\x00", "'s", "'LL", "/", "\n/", "123", "4",
         "é", "e\u0301", "🚲", "日本", "!", "?!", "<|endoftext|>", "  \n ", "\x85", "\ud83d", "ǅ", "٣", "\ufeff"]
piece = st.one_of(st.sampled_from(EDGES), st.text(max_size=12))
string = st.lists(piece, max_size=8).map("".join)
example = st.lists(st.tuples(string, st.sampled_from(["strings", "trained", "shared"])), max_size=6)
NAMES = ("o200k_base", "cl100k_base")
COUNTERS = {name: OpenAICounter(name) for name in NAMES}


def parts_of(items: list[tuple[str, str]]) -> ExampleParts:
    parts = ExampleParts()
    for text, where in items:
        getattr(parts, where).append(text)
    return parts


def test_the_crate_counts_both_encodings():
    assert all(bpe_count_function(name) is not None for name in NAMES)


@settings(max_examples=200, deadline=None)
@given(text=string, name=st.sampled_from(NAMES))
def test_counts_equal_tiktoken_on_random_text(text, name):
    """Lone surrogates included: both replace them with U+FFFD."""
    assert COUNTERS[name].count_text(text) == len(get_encoding(name).encode_ordinary(text))


def test_long_and_repetitive_text():
    for name in NAMES:
        encoding = get_encoding(name)
        for text in ("x" * 20_000, " " * 5_000 + "a", "ab" * 9_000, "1234567890" * 900, "Olá! " * 3_000, "🚲" * 2_000):
            assert COUNTERS[name].count_text(text) == len(encoding.encode_ordinary(text)), text[:10]


@settings(max_examples=60, deadline=None)
@given(batch=st.lists(example, max_size=8), name=st.sampled_from(NAMES))
def test_example_counts_follow_the_cookbook_rule(batch, name):
    """3 + the tokens of every string (the base of 3 per message is added by the checks); short
    strings come from the cache the second time they are seen, with the same count."""
    encoding = get_encoding(name)
    counter = COUNTERS[name]
    for parts in [parts_of(items) for items in batch] * 2:
        total, trained = counter.count(parts)
        assert total == 3 + sum(len(encoding.encode_ordinary(s)) for s in parts.all_strings())
        assert trained == sum(len(encoding.encode_ordinary(s)) for s in parts.trained)


def test_many_ranges_in_worker_processes_keep_examples_aligned(tmp_path, monkeypatch):
    """Three processes taking 24 small ranges in turn give the sequential scan's counts, in file order."""
    monkeypatch.setattr(inspector_module, "MIN_RANGE_BYTES", 1)  # forked workers inherit the patch
    system = {"role": "system", "content": "You are Pia. " * 30}
    lines = []
    for i in range(3000):
        user = {"role": "user", "content": f"Question {i}: " + "bike " * (i % 17) + "?"}
        answer = {"role": "assistant", "content": f"  Answer {i}\n" + "ok " * (i % 5)}
        lines.append(json.dumps({"messages": [system, user, answer]}))
    lines.append('{"messages": [{"role": "user", "content": "lone \\ud83d surrogate"}, {"role": "assistant", "content": "\\u0000 nul"}]}')
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = inspect_file(path, workers=3)
    encoding = get_encoding("o200k_base")
    expected = []
    for line in lines:
        messages = json.loads(line)["messages"]
        expected.append(3 + sum(3 + sum(len(encoding.encode_ordinary(v)) for v in m.values()) for m in messages))
    assert list(report.example_tokens) == expected
    assert list(report.example_lines) == list(range(1, len(lines) + 1))
    sequential = inspect_file(path, workers=1)
    assert [(f.line, f.code) for f in report.findings] == [(f.line, f.code) for f in sequential.findings]
    assert list(report.example_offsets) == list(sequential.example_offsets)


def _take_a_range_and_die(job, ranges):
    """A worker killed (out of memory) after taking a range: that range must not go missing."""
    inspector_module._next_from(inspector_module._inherited_tickets, len(ranges))()
    os._exit(1)


def test_a_dead_worker_s_ranges_are_scanned_by_the_caller(tmp_path, monkeypatch):
    monkeypatch.setattr(inspector_module, "MIN_RANGE_BYTES", 1)
    monkeypatch.setattr(inspector_module, "_worker", _take_a_range_and_die)
    lines = [json.dumps({"messages": [{"role": "user", "content": f"Hi {i}"}, {"role": "assistant", "content": "Hello!"}]})
             for i in range(400)]
    path = tmp_path / "dies.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = inspect_file(path, workers=2)
    assert list(report.example_lines) == list(range(1, 401))
    assert list(report.example_tokens) == list(inspect_file(path, workers=1).example_tokens)


@pytest.mark.parametrize("name", NAMES)
def test_role_names_are_counted_once_each(name):
    counter = COUNTERS[name]
    encoding = get_encoding(name)
    assert counter.role_tokens["assistant"] == len(encoding.encode_ordinary("assistant"))
    assert counter.role_tokens["other"] == 0
