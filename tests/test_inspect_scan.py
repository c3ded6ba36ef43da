"""The scan's shortcut for personal data: a line skipped by may_hold_number has no number that
pii.RUN (the first step of every number pattern) would find, whatever its characters or escapes."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from core.dataset.pii import RUN
from core.dataset.scan import may_hold_number

PIECES = list("0123456789") * 4 + list(" .()/+-") * 2 + ["\n", "\\", '"', "a", "Z", "é", "٣", "١٢", "१", "🚲", "\u00a0", "\t"]
text = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(strings=st.lists(text, min_size=1, max_size=3), ascii_only=st.booleans())
def test_a_skipped_line_holds_no_number_run(strings, ascii_only):
    example = {"messages": [{"role": "user", "content": s} for s in strings]}
    payload = json.dumps(example, ensure_ascii=ascii_only).encode()
    if may_hold_number(payload):
        return
    ascii_digits = sum(c in "0123456789" for c in payload.decode())
    assert ascii_digits < 8 or not any(RUN.search(s) for s in strings), payload


def test_phone_numbers_and_plain_text():
    assert may_hold_number(json.dumps({"content": "Call me at (11) 98765-4321"}).encode())
    assert may_hold_number(json.dumps({"content": "CPF 123.456.789-09"}, ensure_ascii=True).encode())
    assert not may_hold_number(json.dumps({"content": "Order 1234 of 2024, plan 89, 149 or 219"}).encode())
    assert not may_hold_number(b'{"content": "no digits at all"}')
