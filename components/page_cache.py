"""What pages share across reruns and browser sessions, so an unchanged page reruns in well under a
second even with a room of attendees on one machine.

- inspect_shared: core.dataset.inspect_file once per file version and page language
  (core.file_cache.by_file), for every session: findings are written in the language, so an English
  session's report is never shown to a Portuguese one. The progress callback of the session that
  computes it reports, others wait.
- figure: a Plotly figure built once per (name, inputs, language) and kept as the same object
  (st.cache_resource: no pickling, which for a Figure costs as much as building it). st.plotly_chart
  only reads it (to_dict copies), so sharing it is safe.
Both hold read-only results: treat what they return as immutable.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable

import plotly.graph_objects as go
import streamlit as st

from core.dataset import inspect_file
from core.file_cache import by_file
from core.i18n import current_language

_inspect = by_file(maxsize=8)(inspect_file)


def inspect_shared(path, **kwargs):
    """inspect_file(path, **kwargs) in the page's language unless `lang` is given, shared."""
    kwargs.setdefault("lang", current_language())
    return _inspect(path, **kwargs)


inspect_shared.cache_info, inspect_shared.cache_clear = _inspect.cache_info, _inspect.cache_clear


def content_key(*parts) -> str:
    """A short digest of what a figure shows: bytes as they are, anything else by its repr (numbers,
    lists, dicts and dataclasses of a report or an estimate). 200 kB of token counts hash in ~0.2 ms."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(name: str, inputs: Hashable, lang: str, _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()  # `_build` is not hashed: `inputs` must say everything the figure depends on


def figure(name: str, inputs: Hashable, build: Callable[[], go.Figure]) -> go.Figure:
    """The figure `build()` returns, built once per (name, inputs, page language).

    inputs: a hashable summary of everything the figure shows (a file stamp, a repr of the numbers)."""
    return _figure(name, inputs, current_language(), build)
