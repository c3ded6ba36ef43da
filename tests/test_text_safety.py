"""Untrusted text is text (issue 16 §2): core.text_safety's escapes, checked by rendering them with a
real CommonMark parser (markdown-it-py, with inline HTML on as Markdown viewers have it), and the
views that show dataset, document, model and user text (inspector, arena, Markdown export)."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from core import comparison
from core.errors import InputError
from core.providers import Answer
from core.text_safety import error_html, error_md, html_text, md_code, md_escape, md_inline, t_md

ROOT = Path(__file__).resolve().parent.parent
PIXEL = "http://127.0.0.1:9/pixel.png"
EVIL = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    f"![x]({PIXEL})",
    f"![r][1]\n\n[1]: {PIXEL}",
    "[click](javascript:alert(1))",
    f"<{PIXEL}>",
    "<b>bold</b> **bold** _it_ ~~gone~~ `code` $x^2$ &lt;entity&gt;",
    "# Heading\n- item\n1. first\n> quote\n    indented code\n\ntitle\n===\n| a | b |\n|---|---|\n| 1 | 2 |",
    "back\\slash \\*not emphasis\\* trailing\\",
    "tab\tand\x00nul\x1b[31m and a carriage\r\nreturn",
]
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def rendered_text(markdown: str) -> str:
    """What a reader sees: the HTML's text with tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", MD.render(markdown))).split())


def tags(markdown: str) -> set[str]:
    return set(re.findall(r"<([a-z0-9]+)", MD.render(markdown)))


@pytest.mark.parametrize("text", EVIL)
def test_escaped_markdown_renders_as_the_text_itself(text):
    expected = " ".join(re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text.replace("\r\n", "\n")).split())
    for escaped in (md_escape(text), md_inline(text)):
        assert tags(escaped) <= {"p", "br"}  # no img, a, script, b, em, h1, li, table, pre, code ...
        assert rendered_text(escaped).replace("\u00a0", " ").split() == expected.split()


def test_md_escape_keeps_lines_and_indentation_and_md_inline_makes_one_line():
    out = MD.render(md_escape("first\n    second\n\nthird"))
    assert out == "<p>first<br />\n\u00a0\u00a0\u00a0\u00a0second</p>\n<p>third</p>\n"
    assert md_inline("a\n\nb   c") == "a b c" and md_inline("x" * 10, limit=5) == "xxxx…"
    assert md_inline("my-data.v2 (1).jsonl") == "my-data.v2 (1).jsonl"  # harmless punctuation stays readable
    assert md_inline("- 1. #") == "\\- 1. #"  # a list marker only at the start


def test_md_code_holds_backticks_and_html_verbatim():
    for text in ("rag:endpoint:http://x#m", "a`b", "``x``", "<img src=x>"):
        assert MD.render(md_code(text)) == f"<p><code>{html.escape(text, quote=False)}</code></p>\n"


def test_catalogue_texts_keep_their_markdown_and_escape_only_parameters():
    text = t_md("train.monitor_header", "en", job_id="j1", name=f" · ![x]({PIXEL})", backend="local", status="ok")
    assert tags(text) == {"p", "strong"} and "![x](" in rendered_text(text)
    err = InputError("rag.error_file_type", "rag.error_file_type_hint", name=f"<img src={PIXEL}>.exe",
                     allowed=".txt")
    assert tags(error_md(err, "en")) == {"p"} and f"<img src={PIXEL}>.exe" in rendered_text(error_md(err, "en"))
    assert "&lt;img" in error_html(err, "en") and "<img" not in error_html(err, "en")
    assert html_text('<a href="javascript:x">&</a>\x00') == '&lt;a href="javascript:x"&gt;&amp;&lt;/a&gt;'


def test_markdown_export_keeps_no_link_image_or_html_from_questions_and_answers():
    evil = f"[click](javascript:alert(1)) ![i]({PIXEL}) <img src={PIXEL}> <b>b</b>\n# not a heading"
    answer = Answer(contestant="base", text=evil, error=f"bad ![e]({PIXEL})", sources=[
        {"n": 1, "title": f"![t]({PIXEL})", "snippet": "<script>alert(1)</script>", "evidence": None}])
    column = comparison.ComparisonColumn("A", "endpoint:http://h/v1#`m`", answer)
    page = MD.render(comparison.to_markdown(comparison.Comparison(question=evil, columns=[column]), "en"))
    assert "<img" not in page and "<a " not in page and "<script" not in page and "<b>" not in page
    assert "javascript:alert(1)" in html.unescape(page) and "<h1>" in page  # as text; only the title is a heading
    assert page.count("<h1>") == 1 and "<code>endpoint:http://h/v1#`m`</code>" in page


def test_arena_shows_questions_answers_and_specs_as_text():
    from components import arena_app
    from core.arena.battle import Battle

    assert all(c.render_markdown is False and c.latex_delimiters == [] for c in arena_app.chatbots)
    b = Battle()
    b.seat([f"endpoint:http://h/v1#<img src={PIXEL}>", None, None])
    b.begin_turn(f"<b>hi</b> ![x]({PIXEL}) $$x$$")
    b.finish_column(0, Answer(contestant="x", text="<script>alert(1)</script>", error=f"![e]({PIXEL})"))
    out = arena_app._render(b, "en", [None] * 3, b.answers)
    question, reply = (m["content"] for m in out[arena_app.chatbots[0]])
    assert question == f"&lt;b&gt;hi&lt;/b&gt; ![x]({PIXEL}) $$x$$"  # shown as typed (no Markdown, no LaTeX)
    assert reply.startswith("&lt;script&gt;alert(1)&lt;/script&gt;")
    metrics = out[arena_app.metric_boxes[0]]
    assert "<img" not in MD.render(metrics) and "![e](" in rendered_text(metrics)
    blind = Battle(blind=True)
    blind.seat([f"endpoint:http://h/v1#<img src={PIXEL}>", "base", None])
    blind.voted = True  # after the vote the header names the contestant
    header = arena_app._header(blind, blind.specs.index("base") ^ 1)
    assert tags(header) == {"h3", "code"} and f"<img src={PIXEL}>" in rendered_text(header)


def test_inspector_shows_file_text_as_text(lab_home):
    role = f"![r]({PIXEL})"
    lines = [json.dumps({"messages": [{"role": role, "content": "<script>alert(1)</script>"},
                                      {"role": "user", "content": f"<img src={PIXEL} onerror=alert(1)>"},
                                      {"role": "assistant", "content": "[x](javascript:alert(1))"}]})] * 3
    at = AppTest.from_file(str(ROOT / "lab" / "inspector_page.py"), default_timeout=90).run()
    at.radio(key="inspect_source").set_value("upload").run()
    at.file_uploader(key="inspect_upload").set_value(("evil.jsonl", "\n".join(lines).encode(), "application/jsonl"))
    at.run()
    assert not at.exception
    shown = [e.value for e in (*at.error, *at.warning, *at.info, *at.markdown, *at.caption, *at.success)]
    assert any(role in rendered_text(v) for v in shown)  # the role is visible, as typed...
    for value in shown:
        assert not tags(value) - {"p", "br", "strong", "code", "em"}, value  # ...and nothing became markup
