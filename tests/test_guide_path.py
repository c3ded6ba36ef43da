"""The guided path: each step's progress from the lab's own records, and Home showing it."""
from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from core.guide.path import STEP_IDS, progress


def test_each_step_is_done_by_its_own_trace():
    from core.jobs import registry
    from core.votes import record_vote

    since = time.time() - 1
    assert progress({}, since) == {step: False for step in STEP_IDS}
    old = registry.create_job("local", {}, status="succeeded")
    assert not progress({}, old.created_at + 10)["run_started"]          # before this session: not counted
    done = progress({"lab_dataset": {"path": "x.jsonl"}, "guide_decision": "rag", "lab_progress": {"cost"}}, since)
    assert [s for s in STEP_IDS if done[s]] == ["dataset", "cost", "run_started", "run_finished", "decided"]
    registry.create_job("eval", {})
    record_vote("How much is the Trilha?", {"A": "base", "B": "rag"}, "B")
    done = progress({}, since)
    assert done["evaluated"] and done["compared"]


def test_home_shows_the_path_and_workshop_mode_keeps_the_quick_steps():
    at = AppTest.from_file("../lab/app.py", default_timeout=120).run()
    assert not at.exception
    assert "0 of 7 steps" in at.get("progress")[0].proto.text
    rows = [[str(getattr(card.proto, "id", "")) for column in row.children.values()
             for card in column.children.values()]
            for row in at.main.children.values() if type(row).__name__ == "Block"
            and any(type(column).__name__ == "Column" for column in row.children.values())]
    path = [len(row) for row in rows if any("guide_path_" in card for card in row)]
    assert path == [4, 3], rows  # rows of 4 cards: seven in one row cut the step names short
    at.session_state["guide_decision"] = "rag"
    at.toggle(key="guide_workshop_toggle").set_value(True).run()
    assert not at.exception
    assert "1 of 6 steps" in at.get("progress")[0].proto.text            # evaluation is not a quick step
    assert at.session_state["lab_workshop_mode"] is True
    at.switch_page("guide_page.py").run()
    at.switch_page("home_page.py").run()
    assert at.toggle(key="guide_workshop_toggle").value is True           # survives a page change
