"""API keys: read from the environment or a .env file, never written anywhere by the lab.

Only `mask()` output may be shown. Pages keep a typed key in st.session_state for that browser
session and pass it to core/ functions as an argument.
"""
from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

from core.paths import REPO_ROOT

_loaded = False


def load_dotenv_once() -> None:
    """Load .env from the working directory or the repository root, without overriding the
    environment (python-dotenv). Values stay in this process's memory only."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for candidate in (Path.cwd() / ".env", REPO_ROOT / ".env"):
        if candidate.is_file():
            load_dotenv(candidate, override=False)


def get_secret(name: str, typed: str | None = None) -> str | None:
    """A key typed in the page wins; then the environment (after .env)."""
    if typed and typed.strip():
        return typed.strip()
    load_dotenv_once()
    value = os.environ.get(name, "").strip()
    return value or None


def mask(value: str | None) -> str:
    """'sk-…wxyz' style: enough to recognise a key, never enough to use it."""
    if not value:
        return ""
    if len(value) <= 8:
        return "•" * len(value)
    return f"{value[:3]}…{value[-4:]}"


def scrub(text: str, *secrets: str | None) -> str:
    """Remove any secret value from a text before it goes to a log, an event or the page."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, mask(secret))
    return text
