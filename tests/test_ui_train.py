"""Training page bugs seen in a browser walk-through, each pinned by a test (issue 15)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import psutil

from streamlit.testing.v1 import AppTest

from core.jobs import events, registry
from tests.train.helpers import write_tiny_dataset

LAB = Path(__file__).resolve().parent.parent / "lab"


def _app(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(LAB / "app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    return at.run()


def test_a_dataset_with_errors_links_to_the_inspector_through_navigation(tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n', encoding="utf-8")
    at = AppTest.from_file(str(LAB / "app.py"), default_timeout=120)
    at.session_state["lab_dataset"] = {"path": str(broken), "name": "broken", "format": "chat", "model": None}
    at.run()
    at.switch_page("train_page.py").run()
    assert not at.exception  # "lab/inspector_page.py" raised StreamlitPageNotFoundError here
    assert at.error and [link.proto.page for link in at.get("page_link")] == ["inspector"]


def test_a_new_session_comes_back_to_the_last_runs_dataset_and_names_it(tmp_path):
    dataset = write_tiny_dataset(tmp_path / "my-support.jsonl")
    job = registry.create_job("local", {"model": "embedded", "dataset": str(dataset), "name": "first try"},
                              lane="cpu", status="running")
    at = AppTest.from_file(str(LAB / "train_page.py"), default_timeout=120).run()  # a reload: empty session
    assert not at.exception
    assert at.selectbox(key="train_dataset").value == str(dataset)
    header = next(md.value for md in at.markdown if job.id in md.value)
    assert "first try" in header and "my-support.jsonl" in header
    registry.update_job(job.id, status="cancelled")


def test_a_succeeded_run_shows_every_step_done_in_the_runs_table():
    job = registry.create_job("local", {"model": "embedded"}, lane="cpu", status="succeeded")
    registry.update_job(job.id, started_at=time.time() - 90, finished_at=time.time())
    events.append_event(job.run_dir, "metric", step=11, total_steps=36, train_loss=1.5)  # logged every 11
    at = AppTest.from_file(str(LAB / "train_page.py"), default_timeout=120)
    at.session_state["lang"] = "pt-BR"
    at.run()
    row = at.dataframe[0].value.iloc[0]
    assert row["Passos"] == "36/36" and "concluído" in row["Situação"]
    assert row["Duração"] == "1 min 30 s"
    day = time.strftime("%d/%m/%Y", time.localtime(job.created_at))
    assert row["Criado em"].startswith(day)


def test_the_live_panel_speaks_the_sessions_language_on_a_fragment_rerun():
    """A fragment rerun runs only the fragment: core.i18n's language is whatever the thread had."""
    job = registry.create_job("local", {"model": "embedded"}, lane="cpu")
    registry.update_job(job.id, status="running", started_at=time.time(), pid=os.getpid(),  # alive: this test
                        pid_created=psutil.Process().create_time())
    events.append_event(job.run_dir, "metric", step=35, total_steps=36, train_loss=0.8, eta_s=4)

    def page(job_id):
        from components import run_monitor
        from core.i18n import set_language

        set_language("en")  # what the fragment's rerun finds when the page above did not run
        run_monitor.render(job_id)

    at = AppTest.from_function(page, args=(job.id,), default_timeout=60)
    at.session_state["lang"] = "pt-BR"
    at.run()
    assert not at.exception
    assert any("Passo 35 de 36" in str(p.proto.text) for p in at.get("progress"))
    assert {m.label for m in at.metric} >= {"Tempo restante", "Perda de treino"}
    assert any("rodando" in md.value for md in at.markdown) and at.metric[0].value == "4 s"
    registry.update_job(job.id, status="cancelled")


def test_hosted_jobs_share_the_runs_table_and_get_their_buttons_in_the_monitor(tmp_path):
    local = registry.create_job("local", {"model": "embedded", "name": "mine"}, lane="cpu", status="succeeded")
    hosted = registry.create_job("openai", {"model": "gpt-4.1-mini", "suffix": "pia", "openai_job_id": "ftjob-1",
                                            "estimated_usd": 1.5}, lane="openai", status="running")
    at = AppTest.from_file(str(LAB / "train_page.py"), default_timeout=120)
    at.session_state["train_job"] = hosted.id
    at.run()
    assert not at.exception
    ids = list(at.dataframe[0].value["Run"])
    assert set(ids) == {local.id, hosted.id}  # one table, both backends
    costs = {m.label: m.value for m in at.metric}
    assert costs["Estimated cost"] == r"\$1.50" and costs["Actual cost"] == "—"  # $ escaped: not LaTeX
    assert not at.button(key=f"train_hosted_pause_{hosted.id}").disabled
    assert not at.button(key=f"train_hosted_cancel_{hosted.id}").disabled
    at.button(key=f"train_hosted_cancel_{hosted.id}").click().run()  # destructive: asks first
    assert any("cancel" in w.value.lower() for w in at.warning)
    registry.update_job(hosted.id, status="cancelled")
