"""Fixtures for the hosted tests: the fake OpenAI server on 127.0.0.1, the environment that points the
lab (and the engine's worker processes) at it, and small helpers. Import the fixtures into a test
module with `from tests.hosted.fixtures import *`.
"""
from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path

import pytest

from core.paths import ASSETS
from tests.hosted.fake_openai import FakeOpenAI

# A distinctive key per test session: the secret scan looks for exactly this string.
API_KEY = "sk-labtest-" + secrets.token_hex(16)
SAMPLES = ASSETS / "samples"

__all__ = ["API_KEY", "fake_openai", "hosted_env", "openai_client", "training_file", "wait_for",
           "collect", "wait_for_job"]


@pytest.fixture
def fake_openai():
    """A running fake server (one per test: scenarios never leak)."""
    server = FakeOpenAI(API_KEY)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hosted_env(fake_openai, monkeypatch):
    """Environment for the lab and its workers: key + base URL of the fake server, no SDK retries
    (the watcher's own backoff is under test), short timeouts and fast polling."""
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("LAB_HOSTED_MAX_RETRIES", "0")
    monkeypatch.setenv("LAB_HOSTED_TIMEOUT_S", "2")
    monkeypatch.setenv("LAB_HOSTED_POLL_S", "0.02")
    monkeypatch.setenv("LAB_HOSTED_BACKOFF_S", "0.02")
    monkeypatch.setenv("LAB_HOSTED_MAX_BACKOFF_S", "0.1")
    for name in ("AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION", "AZURE_OPENAI_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    yield fake_openai
    _stop_leftover_workers()


def _stop_leftover_workers() -> None:
    """A test that failed half-way must not leave a watcher polling a server that is gone."""
    from core.jobs import registry, runner

    for job in registry.list_jobs():
        if job.pid is not None and not job.finished:
            try:
                runner.stop(job.id)
            except Exception:  # noqa: BLE001 - best effort; the kill is what matters
                pass


@pytest.fixture
def openai_client(hosted_env):
    import openai

    return openai.OpenAI(api_key=API_KEY, base_url=hosted_env.url + "/v1", max_retries=0, timeout=2)


@pytest.fixture
def training_file(lab_home) -> Path:
    """The English sample chat dataset, copied where the lab keeps datasets."""
    target = lab_home / "datasets" / "support_en.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLES / "support_en.jsonl", target)
    return target


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05):
    """Poll until predicate() is truthy; return its value (fails the test on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def wait_for_job(job_id: str, statuses, timeout: float = 40.0):
    """Refresh the engine until the job reaches one of `statuses`; returns the Job."""
    from core.jobs import registry, runner

    statuses = {statuses} if isinstance(statuses, str) else set(statuses)

    def done():
        runner.refresh()
        job = registry.get_job(job_id)
        return job if job is not None and job.status in statuses else None

    return wait_for(done, timeout)


class collect:
    """An emit(kind, **fields) that keeps events in a list (the watcher's unit tests)."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def __call__(self, kind: str, **fields) -> None:
        self.events.append({"kind": kind, **fields})

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["kind"] == kind]
