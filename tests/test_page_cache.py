"""Caches that keep page reruns and new sessions fast (issue 16 §5): they hit, and a changed file or
input is recomputed. Counted calls, no timings."""
from __future__ import annotations

import json
import os
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from components import page_cache
from core.dataset.samples import sample_path
from core.file_cache import by_file, file_stamp
from core.i18n import set_language

SAMPLE = "support_en.jsonl"


def counted():
    calls = []

    @by_file(maxsize=4)
    def read(path, scale=1, progress=None):
        calls.append((str(path), scale))
        if progress:
            progress(1.0)
        return len(open(path, "rb").read()) * scale

    return read, calls


def test_by_file_hits_and_ignores_progress(tmp_path):
    read, calls = counted()
    path = tmp_path / "a.jsonl"
    path.write_text("12345")
    seen = []
    assert read(path, progress=seen.append) == 5
    assert read(str(path), progress=lambda f: None) == 5  # same file by another spelling, other callback
    assert read(path, scale=2) == 10  # other arguments: another entry
    assert len(calls) == 2 and seen == [1.0]
    assert read.cache_info().hits == 1


def test_by_file_recomputes_a_changed_file(tmp_path):
    read, calls = counted()
    path = tmp_path / "a.jsonl"
    path.write_text("12345")
    read(path)
    path.write_text("1234567")  # new size
    assert read(path) == 7
    stamp = file_stamp(path)
    path.write_text("abcdefg")  # same size: the mtime tells
    os.utime(path, ns=(stamp[2] + 10**9, stamp[2] + 10**9))
    assert read(path) == 7 and len(calls) == 3
    assert read(path) == 7 and len(calls) == 3


def test_by_file_lets_a_missing_file_raise_its_own_error(tmp_path):
    read, calls = counted()
    with pytest.raises(FileNotFoundError):
        read(tmp_path / "missing.jsonl")
    with pytest.raises(FileNotFoundError):
        read(tmp_path / "missing.jsonl")
    assert len(calls) == 2  # never cached


def test_inspect_shared_is_the_real_inspection_once_per_version(tmp_path):
    page_cache.inspect_shared.cache_clear()
    path = tmp_path / "data.jsonl"
    shutil.copy(sample_path(SAMPLE), path)
    first = page_cache.inspect_shared(path, model="gpt-4o-mini-2024-07-18", pii=True)
    again = page_cache.inspect_shared(path, model="gpt-4o-mini-2024-07-18", pii=True, progress=lambda f: None)
    assert again is first and page_cache.inspect_shared.cache_info().misses == 1
    line = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
    grown = page_cache.inspect_shared(path, model="gpt-4o-mini-2024-07-18", pii=True)
    assert grown.n_examples == first.n_examples + 1


def test_inspect_shared_keeps_one_report_per_language(tmp_path):
    """Findings are written in the page's language: a pt-BR session never gets an English report."""
    page_cache.inspect_shared.cache_clear()
    path = tmp_path / "broken.jsonl"
    shutil.copy(sample_path("broken_en.jsonl"), path)
    try:
        set_language("en")
        english = page_cache.inspect_shared(path, model="gpt-4o-mini-2024-07-18", pii=True)
        set_language("pt-BR")
        portuguese = page_cache.inspect_shared(path, model="gpt-4o-mini-2024-07-18", pii=True)
        assert page_cache.inspect_shared(path, model="gpt-4o-mini-2024-07-18", pii=True) is portuguese
    finally:
        set_language("en")
    assert portuguese is not english and page_cache.inspect_shared.cache_info().misses == 2
    assert [f.code for f in english.findings] == [f.code for f in portuguese.findings] and english.findings
    assert [f.message for f in english.findings] != [f.message for f in portuguese.findings]


def test_figure_is_built_once_per_inputs_and_language():
    built = []

    def build():
        built.append(1)
        return page_cache.go.Figure()

    key = page_cache.content_key(b"\x01\x02", {"user": 3}, [(5, 2)])
    try:
        set_language("en")
        one = page_cache.figure("test_fig", key, build)
        assert page_cache.figure("test_fig", key, build) is one and len(built) == 1
        page_cache.figure("test_fig", page_cache.content_key(b"\x01\x02", {"user": 4}, [(5, 2)]), build)
        set_language("pt-BR")  # titles are translated: another figure
        page_cache.figure("test_fig", key, build)
        assert len(built) == 3
    finally:
        set_language("en")


def test_content_key_tells_inputs_apart():
    assert page_cache.content_key(b"ab", "c") != page_cache.content_key(b"a", "bc")
    assert page_cache.content_key([1, 2], 3.0) == page_cache.content_key([1, 2], 3.0)


def test_a_second_session_of_the_inspector_reuses_the_first_ones_report():
    """Two browser sessions (two AppTests in one server process) open the same sample: one pass."""
    page_cache.inspect_shared.cache_clear()
    for _ in range(2):
        at = AppTest.from_file("../lab/inspector_page.py", default_timeout=120).run()
        at.selectbox(key="inspect_sample").select(SAMPLE).run()
        assert not at.exception
        assert at.get("plotly_chart")  # the charts came from the figure cache and drew
        at.run()  # an unchanged rerun
        assert not at.exception
    info = page_cache.inspect_shared.cache_info()
    assert info.misses == 1 and info.hits >= 1
