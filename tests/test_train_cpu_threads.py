"""How the training worker's idle OpenMP threads wait (core/cpu_threads.py)."""
from __future__ import annotations

import os
import subprocess
import sys

import psutil
import pytest

from core.cpu_threads import CHOICE, SPIN_COUNT, choose_for_training, sleep_when_idle
from core.paths import REPO_ROOT


@pytest.mark.parametrize("busy, expected", [(3.0, "spin"), (80.0, "sleep")])
def test_idle_machine_spins_busy_machine_sleeps(monkeypatch, busy, expected):
    monkeypatch.setattr(psutil, "cpu_percent", lambda interval=None: busy)
    env = {"PATH": "/bin"}
    assert choose_for_training(env) == expected
    if expected == "spin":
        assert env["GOMP_SPINCOUNT"] == SPIN_COUNT and "OMP_WAIT_POLICY" not in env
    else:
        assert env["OMP_WAIT_POLICY"] == "PASSIVE" and "GOMP_SPINCOUNT" not in env
    assert env[CHOICE] == expected


def test_the_users_settings_win_but_the_labs_own_are_redecided(monkeypatch):
    monkeypatch.setattr(psutil, "cpu_percent", lambda interval=None: 0.0)
    users = {"OMP_WAIT_POLICY": "ACTIVE"}
    assert choose_for_training(users) == "user" and users == {"OMP_WAIT_POLICY": "ACTIVE"}
    inherited = {}
    sleep_when_idle(inherited)  # what `lab serve` hands to the Streamlit process and its workers
    assert inherited["OMP_WAIT_POLICY"] == "PASSIVE"
    assert choose_for_training(inherited) == "spin" and "OMP_WAIT_POLICY" not in inherited
    users_server = {"GOMP_SPINCOUNT": "5"}
    sleep_when_idle(users_server)
    assert users_server == {"GOMP_SPINCOUNT": "5"}


def test_too_late_once_torch_is_loaded():
    import torch  # noqa: F401

    assert choose_for_training() == "too-late"


def test_a_fresh_process_chooses_before_torch_loads():
    code = ("import os; from core.cpu_threads import choose_for_training; c = choose_for_training(sample_s=0.2); "
            "import torch; print(c, os.environ.get('GOMP_SPINCOUNT'), os.environ.get('OMP_WAIT_POLICY'))")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    choice, spin, policy = out.stdout.split()
    assert (choice, spin, policy) in {("spin", SPIN_COUNT, "None"), ("sleep", "None", "PASSIVE")}
