"""The hosted form in a Streamlit session (AppTest): the wind-down notice, keys shown only masked,
the empty states, a job started from the form with upload progress, and the job re-attached on the
Training page in a new session after it finished (result, tokens, actual cost)."""
from __future__ import annotations

from streamlit.proto.TextInput_pb2 import TextInput as TextInputProto
from streamlit.testing.v1 import AppTest

from core.paths import REPO_ROOT
from core.secrets import mask
from tests.hosted.fixtures import *  # noqa: F401,F403 - fixtures
from tests.hosted.fixtures import API_KEY, wait_for_job


def form_app(backend: str = "openai"):
    def app(backend):
        from components.hosted_form import render

        render(backend)

    return AppTest.from_function(app, args=(backend,), default_timeout=60)


def texts(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "warning", "info", "success", "error")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_openai_form_warns_about_the_winddown_and_masks_the_key(hosted_env, training_file):
    at = form_app().run()
    assert not at.exception
    shown = texts(at)
    assert "winding down" in shown and "2027-01-06" in shown and "Azure OpenAI" in shown
    assert f"OPENAI_API_KEY from the environment: {mask(API_KEY)}" in shown
    assert API_KEY not in shown
    password = at.text_input(key="openai_api_key")
    assert password.proto.type == TextInputProto.PASSWORD
    typed = "sk-typed-" + API_KEY[-20:]
    password.input(typed).run()
    shown = texts(at)
    assert f"typed in this session: {mask(typed)}" in shown and typed not in shown


def test_without_key_or_dataset_the_form_explains_what_is_missing(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr("core.secrets._loaded", True)
    at = form_app().run()
    assert not at.exception
    assert "No dataset yet" in texts(at)
    at = form_app("azure").run()
    assert not at.exception
    shown = texts(at)
    assert "not affected by OpenAI's wind-down" in shown and "winding down" not in shown


def test_start_a_job_from_the_form_and_find_it_after_a_reload(hosted_env, training_file):
    at = form_app().run()
    at.text_input(key="hosted_suffix_openai").input("form")
    at.checkbox(key="hosted_confirm_openai").check()
    submit = [b for b in at.button if b.key and "hosted_submit_openai" in b.key][0]
    submit.click().run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "started" in shown, shown
    bars = at.get("progress")
    assert bars and bars[0].proto.value == 100 and "support_en.jsonl: 100%" in bars[0].proto.text
    job_id = at.session_state["hosted_job_openai"]
    done = wait_for_job(job_id, {"succeeded", "failed"})
    assert done.status == "succeeded", done.error
    # A new session (a reload, another tab) re-attaches from the registry: the Training page's one
    # job list (hosted jobs and local runs share it) shows the finished hosted job.
    again = AppTest.from_file(str(REPO_ROOT / "lab" / "train_page.py"), default_timeout=60)
    again.session_state["train_backend"] = "openai"
    again.run()
    assert not again.exception, again.exception
    shown = texts(again)
    assert done.result["fine_tuned_model"] in shown and job_id in shown
    # 12,345 tokens × $3 / 1M, written by core.costs.format_money (escaped: metric values are Markdown)
    assert again.metric[1].value == "12,345" and again.metric[3].value == "\\$0.0370"
    assert API_KEY not in shown


def test_training_page_in_hosted_mode(hosted_env, training_file):
    """The real Training Launcher page: choose OpenAI, see the wind-down notice and the masked key."""
    at = AppTest.from_file(str(REPO_ROOT / "lab" / "train_page.py"), default_timeout=60)
    at.session_state["train_backend"] = "openai"  # the backend radio's choice
    at.run()
    assert not at.exception, at.exception
    assert at.radio(key="train_backend").value == "openai"
    shown = texts(at)
    assert "winding down" in shown and "2027-01-14" in shown
    assert mask(API_KEY) in shown and API_KEY not in shown
    assert at.text_input(key="openai_api_key").proto.type == TextInputProto.PASSWORD
