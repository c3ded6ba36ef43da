"""The evaluation page (streamlit AppTest): empty state, preselection, a real small evaluation."""
from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.evaluation import job as eval_job
from core.jobs import registry, runner

PAGE = str(Path(__file__).resolve().parent.parent / "lab" / "eval_page.py")


def test_empty_state_and_preselect_from_another_page():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["eval_preselect"] = {"contestants": ["rag", "base"], "eval_set": "pedala_pt-BR"}
    at.run()
    assert not at.exception
    assert at.multiselect(key="eval_contestants").value == ["rag", "base"]
    assert at.selectbox(key="eval_bundled").value == "pedala_pt-BR"
    assert "fact_recall" in at.multiselect(key="eval_metrics").value
    assert any("No evaluation yet" in i.value for i in at.info)
    at.radio(key="eval_source").set_value("held_out").run()
    assert not at.exception and any("held-out" in i.value for i in at.info)


def test_start_stop_and_a_real_report_in_both_languages():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.multiselect(key="eval_contestants").set_value(["base"])
    at.multiselect(key="eval_metrics").set_value(["chrf", "fact_recall"])
    at.number_input(key="eval_limit").set_value(2)
    at.number_input(key="eval_max_tokens").set_value(8)
    at.button(key="eval_start").click().run()
    assert not at.exception
    [started] = eval_job.list_evaluations()
    config = eval_job.config_of(started)
    assert (config.contestants, config.limit, config.max_tokens, config.metrics) == (["base"], 2, 8, ["chrf", "fact_recall"])
    runner.stop(started.id)
    at.run()
    assert not at.exception and at.button(key="eval_resume")

    # The report of a finished evaluation: the same backend, run in this process (no second worker).
    job = registry.create_job("eval", {"config": config.to_params()}, status="running")
    result = eval_job.run_job(job, lambda kind, **fields: None)
    registry.update_job(job.id, status="succeeded", result=result, finished_at=time.time())
    at.session_state["eval_job"] = job.id
    at.run()
    assert not at.exception
    assert at.selectbox(key="eval_view").value == job.id
    assert any("Finished: 2 examples" in s.value for s in at.success)
    assert len(at.dataframe) >= 1 and at.selectbox(key="eval_filter").value == "all"
    assert len(at.expander) >= 4  # settings, judge, and one per example
    at.selectbox(key="eval_filter").set_value("both_fail").run()
    assert not at.exception
    at.session_state["lang"] = "pt-BR"
    at.run()
    assert not at.exception and at.title[0].value == "Avaliação"
