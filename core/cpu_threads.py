"""How torch's idle CPU threads wait: spin (fast when the CPU is ours) or sleep (fair when shared).

torch runs its CPU kernels on an OpenMP team. Between two operations the team's threads wait for
the next one; by default they spin for a while (libgomp: GOMP_SPINCOUNT=300000) before sleeping.
Measured on 2 cores (LoRA step of SmolLM2, bench/bench_train.py, useful tokens/s):

- idle machine: a short spin (GOMP_SPINCOUNT=30000) 157, sleeping (OMP_WAIT_POLICY=PASSIVE) 131;
- two other busy processes: short spin 60, sleeping 88 (and the default long spin at load 8 made a
  step 34 s instead of 7 s).

So servers, where several threads generate at once, always sleep; a training worker looks at the
machine once before torch loads and spins briefly only when the CPU is idle. OpenMP reads these
variables when it loads, so both functions must run before `import torch`.
"""
from __future__ import annotations

import os
import sys

CHOICE = "LAB_OMP_WAIT"  # the lab's own choice, so a child process re-decides instead of inheriting it
SPIN_COUNT = "30000"
QUIET_PERCENT = 25.0  # whole-machine CPU use below which nobody else needs our cores


def _chosen_by_user(env) -> bool:
    return ("OMP_WAIT_POLICY" in env or "GOMP_SPINCOUNT" in env) and CHOICE not in env


def sleep_when_idle(env=os.environ) -> None:
    """For servers: idle threads sleep, unless the user set OpenMP's variables themselves."""
    if not _chosen_by_user(env):
        env.pop("GOMP_SPINCOUNT", None)
        env["OMP_WAIT_POLICY"], env[CHOICE] = "PASSIVE", "sleep"


def choose_for_training(env=None, sample_s: float = 1.0) -> str:
    """Spin briefly when the machine is idle, sleep when it is busy; returns "spin", "sleep",
    "user" (the user's own settings are kept) or "too-late" (torch is already loaded here).
    With `env` given, decides for a child process's environment instead of this process."""
    if env is None:
        if "torch" in sys.modules:
            return "too-late"
        env = os.environ
    if _chosen_by_user(env):
        return "user"
    import psutil

    busy = psutil.cpu_percent(interval=sample_s)
    env.pop("OMP_WAIT_POLICY", None)
    env.pop("GOMP_SPINCOUNT", None)
    if busy < QUIET_PERCENT:
        env["GOMP_SPINCOUNT"], env[CHOICE] = SPIN_COUNT, "spin"
    else:
        env["OMP_WAIT_POLICY"], env[CHOICE] = "PASSIVE", "sleep"
    return env[CHOICE]
