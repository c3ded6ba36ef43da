"""`python -m lab stop RUN_ID`: cancel a job (queued or running; hosted jobs are cancelled remotely too).

Kills the whole worker process tree. A stopped local run can continue later from its last checkpoint:
`python -m lab train --resume RUN_ID`.
"""
from __future__ import annotations

from core.i18n import t


def register(subparsers) -> None:
    parser = subparsers.add_parser("stop", help=t("train.cli_stop_help"))
    parser.add_argument("run_id", metavar="RUN_ID", help=t("train.cli_run_id_help"))
    parser.set_defaults(func=run)


def run(args) -> int:
    from core.jobs import runner

    job = runner.stop(args.run_id)
    print(t("train.cli_stopped", job_id=job.id, status=t(f"train.status.{job.status}")))
    return 0
