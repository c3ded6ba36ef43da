"""Untrusted text stays text: one place that makes a string from a dataset, a document, a model or a
user safe for the surface that will draw it.

Streamlit's st.markdown/caption/info/warning/error/success/toast bodies, expander and progress texts
and widget labels are Markdown, and Markdown images load remote URLs (`![x](http://...)` fetches on
sight); Gradio's gr.Markdown and gr.Error render Markdown and sanitised HTML (an <img> survives the
sanitiser and loads); the Markdown export is opened in viewers that render inline HTML and follow
`javascript:` links. Neither library has a "plain text" Markdown mode, so:

- md_escape / md_inline: backslash-escape (CommonMark shows an escaped punctuation character as
  itself) every character that starts Markdown anywhere in a line: \\ ` * _ [ ] < > ! | ~ $ & —
  which disarms links, images (`!`, `[`), emphasis, code, tables, strikethrough, `$` maths, entities
  and raw HTML (`\\<b>` is the text "<b>") — plus what starts a block at the start of a line
  (# + - = and "1." / "1)"). Other punctuation stays as it is, so names like my-data.v2.jsonl read
  the same in the page source. Line breaks become hard breaks and leading indentation non-breaking
  spaces, so the text keeps its shape and never turns into a code block.
- md_code: an inline code span with a fence longer than any backtick run inside (nothing in it renders).
- html_text: for surfaces that insert HTML (st.html, gr.Chatbot with render_markdown=False, whose
  `white-space: pre-line` keeps the line breaks).
- t_md / t_html / error_md / error_html: a catalogue text (whose own Markdown is intended) with every
  string parameter escaped, since parameters are where untrusted text gets in.

st.dataframe cells and st.text / st.code are plain text already and need nothing.
"""
from __future__ import annotations

import html
import re
from typing import Any

from core.i18n import t

_INLINE = re.compile(r"([\\`*_\[\]<>!|~$&])")  # characters that start Markdown (or HTML) anywhere
_LINE_START = re.compile(r"^([#+=-])|^(\d+)([.)])")  # a heading, list item, setext line or numbered item
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 controls except \t and \n, and DEL
_BACKTICKS = re.compile(r"`+")


def plain(value: Any, control: str = "") -> str:
    """str(value) with CR/CRLF as \\n and control characters (NUL, ESC, ...) replaced by `control`
    (default: removed; "\ufffd" shows where they were)."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(control, text.replace("\r\n", "\n").replace("\r", "\n"))


def md_escape(value: Any) -> str:
    """Any text shown as itself inside Markdown (Streamlit or Gradio), line breaks kept."""
    lines = []
    for line in plain(value).split("\n"):
        body = line.lstrip(" \t")
        indent = line[:len(line) - len(body)].replace("\t", "    ").replace(" ", "\u00a0")
        lines.append(indent + _escape_line(body))
    return "  \n".join(lines)  # two trailing spaces: a hard line break; an empty line still ends a paragraph


def md_inline(value: Any, limit: int | None = None, control: str = "") -> str:
    """One line of inert Markdown (labels, captions, table cells, headings): whitespace runs
    collapsed to one space, cut to `limit` characters (with …) before escaping."""
    text = " ".join(plain(value, control).split())
    if limit is not None and len(text) > limit:
        text = text[:max(limit - 1, 0)] + "…"
    return _escape_line(text)


def _escape_line(text: str) -> str:
    text = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text, count=1)


def md_code(value: Any) -> str:
    """An inline code span holding the text verbatim (a model spec, a path): the fence is one
    backtick longer than the longest run inside, padded when the text starts or ends with one."""
    text = " ".join(plain(value).split()) or " "
    fence = "`" * (max((len(m) for m in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html_text(value: Any) -> str:
    """Text content for a surface that parses HTML (never an attribute value): &, < and > escaped,
    control characters dropped."""
    return html.escape(plain(value), quote=False)


def _escaped(params: dict, escape) -> dict:
    return {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}


def t_md(key: str, lang: str | None = None, **params: Any) -> str:
    """t() for a Markdown surface: every string parameter escaped (numbers pass as they are)."""
    return t(key, lang, **_escaped(params, md_inline))


def t_html(key: str, lang: str | None = None, **params: Any) -> str:
    """t() for an HTML surface (gr.Error, gr.Warning): every string parameter escaped."""
    return t(key, lang, **_escaped(params, html_text))


def error_md(err, lang: str | None = None) -> str:
    """A core.errors.LabError's message (text + hint) with its parameters escaped for Markdown."""
    text = t_md(err.key, lang, **err.params)
    return f"{text} {t_md(err.hint_key, lang, **err.params)}" if err.hint_key else text


def error_html(err, lang: str | None = None) -> str:
    """A LabError's message with its parameters escaped for HTML (Gradio's error toasts)."""
    text = t_html(err.key, lang, **err.params)
    return f"{text} {t_html(err.hint_key, lang, **err.params)}" if err.hint_key else text
