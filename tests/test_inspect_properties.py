"""Property tests: random, garbled and binary lines never crash the inspector, and every line that
is not a JSON object (or is a broken chat example) gets a finding with its own line number."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.dataset import clean_file, inspect_file, split_file
from core.errors import InputError

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
message = st.fixed_dictionaries({"role": st.one_of(st.sampled_from(["system", "user", "assistant", "tool", "robot"]),
                                                 st.lists(st.integers(), max_size=1), st.integers()),
                                 "content": st.one_of(text, st.none(), st.integers())},
                                optional={"name": st.one_of(text, st.integers()), "weight": st.sampled_from([0, 1, 2, 0.5, True]),
                                          "tool_call_id": text})
chat = st.builds(lambda msgs: {"messages": msgs}, st.lists(message, max_size=5))
json_value = st.recursive(st.none() | st.booleans() | st.integers() | text,
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8)


def _no_newline(data: bytes) -> bytes:
    return data.replace(b"\n", b" ").replace(b"\r", b" ")


valid_line = chat.map(lambda ex: json.dumps(ex, ensure_ascii=False).encode())
garbled_line = st.tuples(valid_line, st.integers(0, 200), st.binary(max_size=3)).map(
    lambda t: _no_newline(t[0][: t[1]] + t[2]))
any_json_line = json_value.map(lambda v: json.dumps(v).encode())
random_bytes = st.binary(max_size=60).map(_no_newline)
line = st.one_of(valid_line, garbled_line, any_json_line, random_bytes, st.just(b""))


def oracle_is_object(payload: bytes, number: int):
    """What plain Python json says about a line (the reader strips a BOM on line 1)."""
    if number == 1 and payload.startswith(b"\xef\xbb\xbf"):
        payload = payload[3:]
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


@SETTINGS
@given(lines=st.lists(line, max_size=25))
def test_random_lines_never_crash_and_bad_lines_are_reported(tmp_path, lines):
    path = tmp_path / "random.jsonl"
    path.write_bytes(b"\n".join(lines) + (b"\n" if lines else b""))
    if b"\x00" in path.read_bytes()[:65536] or path.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff")):
        with pytest.raises(InputError):  # JSON never holds a raw NUL: said once, "not a text file"
            inspect_file(path)
        return
    report = inspect_file(path)
    flagged = {f.line for f in report.findings}
    objects = 0
    for number, payload in enumerate(lines, 1):
        value = oracle_is_object(payload, number)
        if value is None:
            assert number in flagged, (number, payload)
            continue
        objects += 1
        messages = value.get("messages")
        if "messages" in value and (not isinstance(messages, list) or not messages or not any(
                isinstance(m, dict) and m.get("role") == "assistant" for m in messages)):
            assert number in flagged, (number, payload)  # a chat example with nothing to learn
    assert report.n_examples == objects
    assert report.n_lines == len(lines)
    assert all(0 <= f.line <= len(lines) and f.severity in ("error", "warning", "info") for f in report.findings)
    assert sum(report.error_counts.values()) == len(report.findings)
    assert report.billed_tokens == report.epochs_auto * report.billed_tokens_per_epoch
    json.dumps(report.to_json())  # always serializable


@SETTINGS
@given(lines=st.lists(line, min_size=1, max_size=15), seed=st.integers(0, 2**31 - 1))
def test_clean_and_split_never_crash_and_keep_only_objects(tmp_path, lines, seed):
    path = tmp_path / "random.jsonl"
    lines = [line.replace(b"\x00", b" ") for line in lines]  # binary files are refused as a whole (above)
    path.write_bytes(b"\n".join(lines) + b"\n")
    if path.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff")):
        return
    report = inspect_file(path)
    summary = clean_file(path, tmp_path / "clean.jsonl", {"invalid_json", "non_utf8", "data_type"}, report=report)
    cleaned = inspect_file(tmp_path / "clean.jsonl")
    assert not {"invalid_json", "non_utf8", "blank_line", "bom", "crlf"} & set(cleaned.error_counts)
    assert summary["kept_lines"] == cleaned.n_lines
    try:
        train, val = split_file(path, tmp_path / "split", 0.3, seed)
    except InputError:
        assert report.n_examples < 2
    else:
        assert len(train.read_bytes().splitlines()) + len(val.read_bytes().splitlines()) == report.n_examples
