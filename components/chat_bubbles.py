"""A training example shown as chat bubbles. Text from the file is INERT: every string is
html-escaped (quotes too) before it enters the HTML, and st.html does not run markdown, so a
message holding <script>, <img onerror=...> or markdown links shows as plain characters.
"""
from __future__ import annotations

import html
import json
from typing import Any

import streamlit as st

from core.i18n import t

MAX_CHARS = 4000  # characters shown per message; the rest is summarized, never silently hidden

_STYLE = {
    "system": ("#fff7e0", "#8a6d00", "0 0 8px 0", "100%"),
    "user": ("#e3f0ff", "#1f4e8c", "0 0 8px auto", "80%"),
    "assistant": ("#eef1f4", "#2f3b45", "0 auto 8px 0", "80%"),
    "tool": ("#e9f7ec", "#24663a", "0 auto 8px 0", "80%"),
    "other": ("#fdecec", "#8c1f1f", "0 0 8px 0", "100%"),
}


def _text(value: Any, max_chars: int = MAX_CHARS) -> str:
    """Escaped text of a message part (strings as is, anything else as JSON), shortened if long."""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    extra = len(value) - max_chars
    shown = html.escape(value[:max_chars], quote=True)
    if extra > 0:
        shown += "<br><i>" + html.escape(t("inspect.bubble_truncated", more=f"{extra:,}")) + "</i>"
    return shown


def _content(message: dict) -> Any:
    content = message.get("content")
    if isinstance(content, list):  # content parts: show the text ones, name the others
        return "\n".join(p.get("text", "") if isinstance(p, dict) and p.get("type") == "text"
                         else f"[{p.get('type', '?') if isinstance(p, dict) else '?'}]" for p in content)
    return content


def bubble(message: Any, badge: str | None = None, max_chars: int = MAX_CHARS) -> str:
    """One message as an HTML bubble (all file text escaped)."""
    if not isinstance(message, dict):
        return _bubble_box("other", html.escape(t("inspect.role.other")), _text(message, max_chars))
    role = message.get("role")
    known = role if role in ("system", "user", "assistant", "tool") else "other"
    label = t(f"inspect.role.{known}") if known != "other" else html.escape(str(role))
    if known == "other":
        label = html.escape(t("inspect.role.other")) + ": " + label
    else:
        label = html.escape(label)
    if isinstance(message.get("name"), str):
        label += " · " + html.escape(message["name"])
    if message.get("weight") == 0:
        label += " · " + html.escape(t("inspect.bubble_weight0"))
    if badge:
        label += " · " + html.escape(badge)
    parts = []
    content = _content(message)
    if content not in (None, ""):
        parts.append(_text(content, max_chars))
    for call in message.get("tool_calls") or []:
        function = call.get("function", {}) if isinstance(call, dict) else {}
        function = function if isinstance(function, dict) else {}
        parts.append("<code>" + html.escape(t("inspect.bubble_tool_call", name=str(function.get("name", "?")))) + " "
                     + _text(function.get("arguments", ""), max_chars) + "</code>")
    if role == "tool" and message.get("tool_call_id") is not None:
        label += " · " + html.escape(str(message["tool_call_id"]))
    return _bubble_box(known, label, "<br>".join(parts) or "<i>" + html.escape(t("inspect.bubble_empty")) + "</i>")


def _bubble_box(kind: str, label: str, body: str) -> str:
    background, color, margin, width = _STYLE[kind]
    return (f'<div style="background:{background};border-radius:12px;padding:8px 12px;margin:{margin};'
            f'max-width:{width};white-space:pre-wrap;word-break:break-word;">'
            f'<div style="font-size:0.75em;font-weight:600;color:{color};margin-bottom:2px;">{label}</div>'
            f'<div>{body}</div></div>')


def conversation_html(example: Any, max_chars: int = MAX_CHARS) -> str:
    """A whole example (chat, DPO or prompt/completion) as escaped HTML."""
    blocks: list[str] = []
    if not isinstance(example, dict):
        return bubble(example, max_chars=max_chars)
    tools = example.get("tools")
    if tools is None and isinstance(example.get("input"), dict):
        tools = example["input"].get("tools")
    if isinstance(tools, list) and tools:
        names = ", ".join(str((tool.get("function") or {}).get("name", "?")) if isinstance(tool, dict) else "?"
                          for tool in tools)
        blocks.append('<div style="font-size:0.8em;margin-bottom:6px;">'
                      + html.escape(t("inspect.bubble_tools", names=names)) + "</div>")
    if isinstance(example.get("messages"), list):
        blocks += [bubble(m, max_chars=max_chars) for m in example["messages"]]
    elif "input" in example or "preferred_output" in example:
        source = example.get("input")
        for message in (source.get("messages") if isinstance(source, dict) else None) or []:
            blocks.append(bubble(message, max_chars=max_chars))
        for key, badge in (("preferred_output", "inspect.bubble_preferred"),
                           ("non_preferred_output", "inspect.bubble_rejected")):
            for message in example.get(key) or []:
                blocks.append(bubble(message, badge=t(badge), max_chars=max_chars))
    elif "prompt" in example or "completion" in example:
        blocks.append(bubble({"role": "user", "content": example.get("prompt")}, max_chars=max_chars))
        blocks.append(bubble({"role": "assistant", "content": example.get("completion")}, max_chars=max_chars))
    else:
        blocks.append(bubble(example, max_chars=max_chars))
    return "<div>" + "".join(blocks) + "</div>"


def render_example(example: Any) -> None:
    st.html(conversation_html(example))


def render_raw(payload: bytes, max_chars: int = MAX_CHARS) -> None:
    """A line that is not an example: its text (bytes that are not UTF-8 shown as \\xNN)."""
    st.code(payload.decode("utf-8", errors="backslashreplace")[:max_chars], language=None, wrap_lines=True)
