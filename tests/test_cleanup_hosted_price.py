"""The hosted job's price comes from core.costs, so the job estimate, the recorded actual cost and
the Cost Calculator's training bill are one number for the same file, model and epochs."""
from __future__ import annotations

import pytest

from core import costs
from core.hosted.backend import build_result
from core.hosted.submit import HostedConfig, preflight
from core.jobs.registry import Job
from core.paths import REPO_ROOT

SUPPORT_EN = str(REPO_ROOT / "assets" / "samples" / "support_en.jsonl")
MODEL = "gpt-4o-mini-2024-07-18"


@pytest.mark.parametrize("backend, priced_as", [("openai", MODEL), ("azure", f"azure/{MODEL}")])
def test_hosted_estimate_and_actual_cost_equal_the_cost_calculator(backend, priced_as):
    checked = preflight(HostedConfig(training_file=SUPPORT_EN, model=MODEL, backend=backend, n_epochs=2))
    bill = costs.estimate_costs(priced_as, costs.DatasetSpec(path=SUPPORT_EN), epochs=2).training
    assert checked.billed_tokens == bill.billed_tokens and checked.epochs == 2
    assert checked.estimated_usd == pytest.approx(bill.usd) and bill.usd > 0

    class Remote:  # what the SDK returns for a finished job
        id, model, status, fine_tuned_model, trained_tokens = "ftjob-1", MODEL, "succeeded", "ft:x", bill.billed_tokens

    job = Job(id="run-1", backend=backend, status="running", params={"model": MODEL}, lane=backend)
    assert build_result(job, Remote(), [])["actual_usd"] == pytest.approx(bill.usd)


def test_an_unpriced_model_has_no_estimate_but_still_counts_tokens():
    checked = preflight(HostedConfig(training_file=SUPPORT_EN, model="gpt-4o-2099-01-01", n_epochs=1))
    assert checked.estimated_usd is None and checked.billed_tokens > 0
