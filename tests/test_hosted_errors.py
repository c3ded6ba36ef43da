"""Every refusal becomes a clear message with a next step: real SDK exceptions raised by the real
openai client against the fake server, mapped by core.openai_edge, rendered in both languages."""
from __future__ import annotations

import io
import socket
from datetime import date

import openai
import pytest

from core.hosted import winddown
from core.hosted.watch import job_failure
from core.openai_edge import is_transient, to_provider_error
from core.hosted.submit import HostedConfig, create_remote_job
from tests.hosted.fake_openai import error_body
from tests.hosted.fixtures import *  # noqa: F401,F403 - fixtures
from tests.hosted.fixtures import API_KEY


def raised(call):
    with pytest.raises(openai.OpenAIError) as caught:
        call()
    return caught.value


def rendered(err) -> tuple[str, str]:
    en, pt = err.message("en"), err.message("pt-BR")
    assert "hosted." not in en and "hosted." not in pt, "a catalogue key is missing"
    assert en != pt
    return en, pt


def test_wrong_key_is_401_with_the_fix_and_never_the_key(hosted_env):
    wrong = "sk-wrong-" + API_KEY[-12:] + "zz"
    client = openai.OpenAI(api_key=wrong, base_url=hosted_env.url + "/v1", max_retries=0)
    exc = raised(lambda: client.fine_tuning.jobs.list())
    err = to_provider_error(exc, secrets=[wrong])
    assert err.key == "hosted.errors.unauthorized" and not is_transient(exc)
    en, _ = rendered(err)
    assert "Incorrect API key provided" in en and "platform.openai.com/api-keys" in en
    assert wrong not in en


@pytest.mark.parametrize("status, body, key, transient", [
    (429, error_body("Rate limit reached for requests", code="rate_limit_exceeded"), "hosted.errors.rate_limited", True),
    (429, error_body("You exceeded your current quota.", code="insufficient_quota"), "hosted.errors.quota", False),
    (500, None, "hosted.errors.server", True),
    (503, None, "hosted.errors.server", True),
    (404, error_body("No such job", code="fine_tune_not_found"), "hosted.errors.not_found", False),
])
def test_status_codes_map_to_their_message(openai_client, hosted_env, status, body, key, transient):
    hosted_env.fail("GET", r"/fine_tuning/jobs$", status, body=body)
    exc = raised(lambda: openai_client.fine_tuning.jobs.list())
    assert is_transient(exc) is transient
    err = to_provider_error(exc, action="watch")
    assert err.key == key
    rendered(err)


def test_dropped_connection_and_refused_port_are_network_errors(openai_client, hosted_env):
    hosted_env.fail("GET", r"/fine_tuning/jobs$", "drop")
    exc = raised(lambda: openai_client.fine_tuning.jobs.list())
    assert is_transient(exc) and to_provider_error(exc).key == "hosted.errors.network"
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = openai.OpenAI(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, timeout=1)
    exc = raised(lambda: closed.fine_tuning.jobs.list())
    err = to_provider_error(exc)
    assert err.key == "hosted.errors.network" and "monitoring resumes" in err.message("en")


def test_model_not_fine_tunable_on_create(openai_client, hosted_env):
    file_id = openai_client.files.create(file=("t.jsonl", io.BytesIO(b"{}\n")), purpose="fine-tune").id
    config = HostedConfig(training_file="unused.jsonl", model="gpt-5-turbo")
    with pytest.raises(Exception) as caught:
        create_remote_job(openai_client, config, file_id, None)
    err = caught.value
    assert err.key == "hosted.errors.model_not_fine_tunable"
    en, pt = rendered(err)
    assert "gpt-5-turbo" in en and "gpt-4o-mini-2024-07-18" in en and "2027-01-14" in pt


def test_upload_rejection_shows_message_and_param(openai_client, hosted_env):
    exc = raised(lambda: openai_client.files.create(file=("data.txt", io.BytesIO(b"x")), purpose="fine-tune"))
    err = to_provider_error(exc, action="upload")
    assert err.key == "hosted.errors.file_rejected"
    en, _ = rendered(err)
    assert "Must be .jsonl" in en and "parameter: file" in en


def test_forbidden_on_azure_is_not_the_openai_winddown(hosted_env, monkeypatch):
    client = openai.AzureOpenAI(azure_endpoint=hosted_env.url, api_key=API_KEY, api_version="2024-10-21",
                                max_retries=0)
    hosted_env.fail("GET", r"/fine_tuning/jobs$", 403, body=error_body("Principal does not have access"))
    exc = raised(lambda: client.fine_tuning.jobs.list())
    err = to_provider_error(exc, backend="azure")
    assert err.key == "hosted.errors.forbidden_azure"
    en, _ = rendered(err)
    assert "2027" not in en and "region" in en
    openai_err = to_provider_error(exc, backend="openai")
    assert openai_err.key == "hosted.errors.forbidden" and "2027-01-06" in openai_err.message("en")


@pytest.mark.parametrize("error, key", [
    ({"code": "invalid_training_file", "message": "Line 4: missing assistant message", "param": "training_file"},
     "hosted.errors.file_validation"),
    ({"code": "invalid_training_file", "message": "Blocked by our moderation system: usage policies", "param": None},
     "hosted.errors.moderation"),
    ({"code": "server_error", "message": "An internal error occurred. Please retry.", "param": None},
     "hosted.errors.job_failed"),
    (None, "hosted.errors.job_failed"),
])
def test_job_failures(error, key):
    err = job_failure(error, secrets=[API_KEY])
    assert err.key == key
    en, _ = rendered(err)
    if error:
        assert error["message"] in en


def test_api_messages_are_scrubbed_of_the_key():
    err = job_failure({"code": "x", "message": f"bad key {API_KEY} used", "param": None}, secrets=[API_KEY])
    assert API_KEY not in err.message("en") and API_KEY not in str(err)


def test_winddown_notice_dates_and_closing():
    before = winddown.notice("en", today=date(2026, 11, 29))
    for fact in ("2026-05-07", "2027-01-06", "2027-01-14", "38 days", "Azure OpenAI", "Local backend"):
        assert fact in before
    after = winddown.notice("pt-BR", today=date(2027, 1, 7))
    assert winddown.jobs_closed(date(2027, 1, 7)) and not winddown.jobs_closed(date(2027, 1, 6))
    assert "não aceita mais" in after and "14/01/2027" in after  # pt-BR dates: dd/mm/aaaa


def test_organisation_refusal_with_another_status_is_still_the_winddown(openai_client, hosted_env):
    hosted_env.fail("GET", r"/fine_tuning/jobs$", 400, body=error_body(
        "Fine-tuning is not available for your organization.", code="organization_not_allowed"))
    err = to_provider_error(raised(lambda: openai_client.fine_tuning.jobs.list()), action="create")
    assert err.key == "hosted.errors.forbidden" and "2027-01-14" in err.message("en")
