"""One OpenAI edge: one Credentials class, one order for the Azure API-version variables, one reading
of SDK errors, shared by hosted fine-tuning jobs and chat contestants."""
from __future__ import annotations

import httpx
import openai

from core import openai_edge
from core.openai_edge import Credentials, chat_error, resolve_credentials, to_provider_error
from core.providers import ChatSettings, collect, get_provider
from tests.arena_support import fake_openai  # noqa: F401


def test_jobs_and_chat_read_the_same_credentials_and_api_version(monkeypatch):
    import core.providers

    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-key-123456")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://lab.openai.azure.com/")
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-04-01-preview")
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "2024-06-01")
    hosted, chat = resolve_credentials("azure"), Credentials.resolve()
    assert core.providers.Credentials is Credentials and type(hosted) is Credentials
    assert hosted.azure_api_version == chat.azure_api_version == "2025-04-01-preview"
    assert hosted.azure_endpoint == chat.azure_endpoint == "https://lab.openai.azure.com"
    assert "azure-key-123456" not in repr(hosted) and hosted.env("azure")["OPENAI_API_VERSION"] == "2025-04-01-preview"
    monkeypatch.delenv("OPENAI_API_VERSION")
    assert Credentials.resolve().azure_api_version == "2024-06-01"
    typed = Credentials.from_session({"azure_openai_api_version": "2025-01-01"})
    assert typed.azure_api_version == "2025-01-01"  # typed in the page wins


def test_one_reading_of_an_sdk_error_worded_for_jobs_and_for_chat():
    request = httpx.Request("POST", "https://api.openai.com/v1/x")
    secret = "sk-live-abcdefghijklmnop"
    denied = openai.AuthenticationError(f"bad key {secret}", response=httpx.Response(401, request=request), body=None)
    assert openai_edge.classify(denied)[0] == "unauthorized" and not openai_edge.is_transient(denied)
    job = to_provider_error(denied, secrets=[secret])
    chat = chat_error(denied, where="https://api.openai.com/v1", model="gpt-4o-mini", secrets=[secret])
    assert job.key == "hosted.errors.unauthorized" and chat.key == "arena.err_auth"
    assert secret not in job.message("en") and secret not in chat.message("en")
    busy = openai.RateLimitError("slow down", response=httpx.Response(429, request=request), body=None)
    assert openai_edge.is_transient(busy) and chat_error(busy, where="-", model="m").key == "arena.err_rate_limit"


def test_chat_stop_strings_reach_the_api(fake_openai):  # noqa: F811 - the fixture
    provider = get_provider(f"endpoint:{fake_openai.url}#pia-echo")
    collect(provider.stream([{"role": "user", "content": "Hi"}], ChatSettings(max_tokens=8, stop=("\nUser:", "###"))))
    assert fake_openai.requests[-1]["body"]["stop"] == ["\nUser:", "###"]
    collect(provider.stream([{"role": "user", "content": "Hi"}], ChatSettings(max_tokens=8)))
    assert "stop" not in fake_openai.requests[-1]["body"]
