"""A side-by-side comparison (question, each column's answer, sources, metrics) as Markdown or HTML.

The arena's "Export" button and anyone scripting comparisons use the same functions. Model text is
untrusted: the HTML export escapes every model-produced or user-typed string (html.escape), so an
answer containing <script> shows as text; the Markdown export passes them through
core.text_safety.md_escape, so no viewer renders their HTML, loads their images or follows their
`javascript:` links. Files are written atomically under LAB_HOME/exports.
"""
from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.atomic import write_text
from core.costs import format_money
from core.i18n import current_language, format_date, format_number, normalize, t
from core.paths import subdir
from core.text_safety import md_code, md_escape, md_inline
from core.providers.base import Answer


@dataclass
class ComparisonColumn:
    title: str  # what the reader sees: "A", a contestant label, ...
    spec: str  # the contestant spec (revealed name in blind mode)
    answer: Answer


@dataclass
class Comparison:
    question: str
    columns: list[ComparisonColumn]
    history_turns: int = 0  # earlier question/answer pairs in the conversation (not exported)
    created_at: float = field(default_factory=time.time)


def money(usd: float | None, lang: str | None = None) -> str:
    if usd is None:
        return t("arena.metric_unknown", lang)
    return format_money(usd, lang=lang)


def metrics(answer: Answer, lang: str | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs in display order; values formatted for the language, '—' when unknown."""
    unknown = t("arena.metric_unknown", lang)

    def seconds(value: float | None) -> str:
        return unknown if value is None else f"{format_number(value, lang, 2)} s"

    tokens = lambda n: unknown if n is None else format_number(n, lang)  # noqa: E731
    approx = "~" if answer.tokens_estimated else ""
    return [
        (t("arena.metric_ttft", lang), seconds(answer.ttft_s)),
        (t("arena.metric_speed", lang),
         unknown if answer.tokens_per_s is None else f"{format_number(answer.tokens_per_s, lang, 1)} tok/s"),
        (t("arena.metric_tokens", lang), f"{approx}{tokens(answer.tokens_in)} → {approx}{tokens(answer.tokens_out)}"),
        (t("arena.metric_cost", lang), money(answer.cost_usd, lang)),
        (t("arena.metric_latency", lang), seconds(answer.latency_s)),
    ]


def metrics_line(answer: Answer, lang: str | None = None) -> str:
    return " · ".join(f"{label} {value}" for label, value in metrics(answer, lang))


def to_markdown(comparison: Comparison, lang: str | None = None) -> str:
    lang = normalize(lang or current_language())
    when = _when(comparison, lang)
    out = [f"# {t('arena.export_title', lang)}", "", f"_{t('arena.export_generated', lang, when=when)}_", "",
           f"## {t('arena.export_question', lang)}", "", _md_quote(comparison.question), ""]
    for column in comparison.columns:
        answer = column.answer
        heading = md_inline(column.title)
        if column.title != column.spec:
            heading += f" — {md_code(column.spec)}"
        out += [f"## {heading}", ""]
        if answer.error:
            out += [f"> ⚠️ {md_inline(answer.error)}", ""]
        out += [md_escape(answer.text.strip()) or f"_{t('arena.export_no_answer', lang)}_", ""]
        out += [f"| {t('arena.export_metric', lang)} | {t('arena.export_value', lang)} |", "|---|---|"]
        out += [f"| {label} | {value} |" for label, value in metrics(answer, lang)]
        out.append("")
        if answer.sources:
            out += [sources_markdown(answer, lang), ""]
    return "\n".join(out).rstrip() + "\n"


def _when(comparison: Comparison, lang: str) -> str:
    return f"{format_date(comparison.created_at, lang)} {time.strftime('%H:%M', time.localtime(comparison.created_at))}"


def inert(text) -> str:
    """Document or model text shown as itself inside Markdown, on one line: HTML escaped and Markdown
    punctuation backslash-escaped (a source's own #, |, * or <script> must not render)."""
    escaped = html.escape(" ".join(str(text or "").split()), quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|>~$])", r"\\\1", escaped)


def sources_markdown(answer: Answer, lang: str | None = None) -> str:
    """The sources under a RAG answer; each source's evidence (the sentence holding the answer, when
    core.rag found one) highlighted under it. Every string from a document goes through inert()."""
    if not answer.sources:
        return ""
    lines = [f"**{t('arena.sources', lang)}**", ""]
    for number, source in enumerate(answer.sources, start=1):
        lines.append(f"{source.get('n', number)}. **{inert(source.get('title', source.get('doc_id', '')))}** — "
                     f"{inert(source.get('snippet', ''))}")
        if source.get("evidence"):
            lines.append(f"   <br><mark>🔎 {inert(source['evidence'])}</mark>")  # own line, highlighted
    return "\n".join(lines)


def _md_quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in md_escape(text.strip()).splitlines())


_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:1rem}
.col{border:1px solid #d0d7de;border-radius:8px;padding:1rem}
.answer{white-space:pre-wrap}.error{color:#b42318}.q{white-space:pre-wrap;background:#f6f8fa;padding:.75rem;border-radius:6px}
table{border-collapse:collapse;font-size:.9em}td,th{border-bottom:1px solid #eee;padding:.2rem .5rem;text-align:left}
.meta{color:#57606a}code{font-size:.85em}"""


def to_html(comparison: Comparison, lang: str | None = None) -> str:
    """A standalone HTML page. Every string from a user or a model goes through html.escape."""
    lang = normalize(lang or current_language())
    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    when = _when(comparison, lang)
    cols = []
    for column in comparison.columns:
        answer = column.answer
        parts = [f"<h2>{e(column.title)}</h2>"]
        if column.spec != column.title:
            parts.append(f"<p class=\"meta\"><code>{e(column.spec)}</code></p>")
        if answer.error:
            parts.append(f"<p class=\"error\">⚠️ {e(answer.error)}</p>")
        parts.append(f"<div class=\"answer\">{e(answer.text.strip()) or e(t('arena.export_no_answer', lang))}</div>")
        rows = "".join(f"<tr><th>{e(label)}</th><td>{e(value)}</td></tr>" for label, value in metrics(answer, lang))
        parts.append(f"<table>{rows}</table>")
        if answer.sources:
            items = "".join(f"<li><strong>{e(s.get('title', s.get('doc_id', '')))}</strong> — {e(s.get('snippet', ''))}</li>"
                            for s in answer.sources)
            parts.append(f"<h3>{e(t('arena.sources', lang))}</h3><ol>{items}</ol>")
        cols.append(f"<section class=\"col\">{''.join(parts)}</section>")
    return (f"<!DOCTYPE html>\n<html lang=\"{e(lang)}\"><head><meta charset=\"utf-8\">"
            f"<title>{e(t('arena.export_title', lang))}</title><style>{_CSS}</style></head><body>"
            f"<h1>{e(t('arena.export_title', lang))}</h1><p class=\"meta\">{e(t('arena.export_generated', lang, when=when))}</p>"
            f"<h2>{e(t('arena.export_question', lang))}</h2><div class=\"q\">{e(comparison.question.strip())}</div>"
            f"<div class=\"cols\">{''.join(cols)}</div></body></html>\n")


def save(comparison: Comparison, fmt: str, lang: str | None = None) -> Path:
    """Write the comparison as LAB_HOME/exports/comparison-YYYYmmdd-HHMMSS.{md,html}; returns the path."""
    if fmt not in ("md", "html"):
        raise ValueError(f"fmt must be 'md' or 'html', not {fmt!r}")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(comparison.created_at))
    path = subdir("exports") / f"comparison-{stamp}.{fmt}"
    write_text(path, to_markdown(comparison, lang) if fmt == "md" else to_html(comparison, lang))
    return path
