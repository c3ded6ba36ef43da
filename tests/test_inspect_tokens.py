"""The chunked token counter must give exactly the one-string-at-a-time counts (see the docstring of
core/dataset/tokens.py for why joining strings with "\\x00" and " \\n" is exact)."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import core.dataset.tokens as tokens_module
from core.dataset import inspect_file
from core.dataset.checks import ExampleParts
from core.dataset.tokens import TiktokenCounter, joinable
from core.tokenizers import get_encoding

EDGES = [" ", "\n", "\r\n", "\t", "\u00a0", "\u2028", "\u3000", "\x1c", "\x00", "'s", "'LL", "/", "\n/", "123", "4",
         "é", "e\u0301", "🚲", "日本", "!", "?!", "<|endoftext|>", "  \n ", "\x85"]
piece = st.one_of(st.sampled_from(EDGES), st.text(max_size=12))
string = st.lists(piece, max_size=6).map("".join)
example = st.lists(st.tuples(string, st.sampled_from(["strings", "trained", "shared"])), max_size=6)

COUNTERS = {name: TiktokenCounter(name) for name in ("o200k_base", "cl100k_base")}


def parts_of(items: list[tuple[str, str]]) -> ExampleParts:
    parts = ExampleParts()
    for text, where in items:
        getattr(parts, where).append(text)
    return parts


@settings(max_examples=50, deadline=None)
@given(batch=st.lists(example, max_size=8), name=st.sampled_from(sorted(COUNTERS)),
       chunk=st.sampled_from([1, 40, 256_000]), short=st.sampled_from([0, 64]))
def test_chunked_counts_equal_one_by_one_counts(batch, name, chunk, short):
    """short=0 joins every joinable string (the real threshold, 64, leaves short ones alone)."""
    encoding = get_encoding(name)
    counter = COUNTERS[name]
    counter.cache.clear()
    saved = tokens_module.CHUNK_CHARS, tokens_module.SHORT
    tokens_module.CHUNK_CHARS, tokens_module.SHORT = chunk, short
    try:
        examples = [parts_of(items) for items in batch]
        got = counter.result(counter.submit(examples))
    finally:
        tokens_module.CHUNK_CHARS, tokens_module.SHORT = saved
    for parts, (total, trained) in zip(examples, got):
        assert total == 3 + sum(len(encoding.encode_ordinary(s)) for s in parts.all_strings())
        assert trained == sum(len(encoding.encode_ordinary(s)) for s in parts.trained)


def test_joinable_rules():
    assert joinable("Hello, world!") and joinable("a") and joinable("x \n y")
    assert not joinable("") and not joinable(" lead") and not joinable("trail\n") and not joinable("a\x00b")


def test_many_chunks_and_worker_processes_keep_examples_aligned(tmp_path, monkeypatch):
    """Batches split into many chunks, in two worker processes over byte ranges, stay in order."""
    monkeypatch.setattr(tokens_module, "CHUNK_CHARS", 500)  # forked workers inherit the patch
    system = {"role": "system", "content": "You are Pia. " * 30}
    lines = []
    for i in range(3000):
        user = {"role": "user", "content": f"Question {i}: " + "bike " * (i % 17) + "?"}
        answer = {"role": "assistant", "content": f"  Answer {i}\n" + "ok " * (i % 5)}
        lines.append(json.dumps({"messages": [system, user, answer]}))
    lines.append('{"messages": [{"role": "user", "content": "lone \\ud83d surrogate"}, {"role": "assistant", "content": "\\u0000 nul"}]}')
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = inspect_file(path, workers=2)
    encoding = get_encoding("o200k_base")
    expected = []
    for line in lines:
        messages = json.loads(line)["messages"]
        expected.append(3 + sum(3 + sum(len(encoding.encode_ordinary(v)) for v in m.values()) for m in messages))
    assert list(report.example_tokens) == expected


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_role_names_and_separator_are_single_pieces(name):
    counter = COUNTERS[name]
    encoding = get_encoding(name)
    assert counter.sep_tokens == len(encoding.encode_ordinary(" \n"))
    assert encoding.decode([counter.mark_token]) == "\x00"
    assert counter.role_tokens["assistant"] == len(encoding.encode_ordinary("assistant"))
