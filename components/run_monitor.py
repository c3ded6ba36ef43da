"""Live view of one training job, for any backend: status, progress with ETA and tokens/s, the loss
chart (train + eval) and the log, re-read from events.jsonl every 2 s by a fragment.

Nothing lives in the browser session but a read offset: a reload, a second tab or an app restart
re-reads the same file and shows the same run. Each refresh also runs the engine's refresh(), so a
dead worker shows up as failed with its reason and the next queued job starts.
"""
from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from components import dpo_chart
from components.run_charts import enough_points, loss_figure
from components.shell import friendly_errors, use_page_language
from core.i18n import format_date, format_duration, format_number, t
from core.text_safety import md_escape, md_inline, t_md

STATUS_ICON = {"queued": "⏳", "running": "🏃", "succeeded": "✅", "failed": "❌", "cancelled": "⏹️",
               "paused": "⏸️", "interrupted": "🔌"}
MAX_LOG_LINES = 200


def status_label(status: str) -> str:
    label = t(f"train.status.{status}")
    return f"{STATUS_ICON.get(status, '🔄')} {status if label == f'train.status.{status}' else label}"


def dataset_name(job) -> str:
    """The file a job trains on, as its name (local: dataset; hosted: training_file)."""
    path = job.params.get("dataset") or job.params.get("training_file") or ""
    return Path(str(path)).name


def job_name(job) -> str:
    return job.params.get("name") or job.params.get("suffix") or ""


def event_text(event: dict) -> str:
    """A log event in the reader's language when it carries a catalogue key."""
    if event.get("key"):
        return t(event["key"], **(event.get("params") or {}))
    return str(event.get("message", ""))


def _reader(job_id: str):
    """One EventReader per job and browser session: each refresh reads only the new bytes."""
    from core.jobs.events import EventReader
    from core.jobs.registry import run_dir_for

    readers = st.session_state.setdefault("_train_event_readers", {})
    if job_id not in readers:
        readers[job_id] = EventReader(run_dir_for(job_id))
    reader = readers[job_id]
    reader.poll()
    return reader.events


def _log_lines(events: list[dict]) -> list[str]:
    lines = []
    for event in events:
        stamp = time.strftime("%H:%M:%S", time.localtime(event.get("time", 0)))
        kind = event.get("kind")
        if kind == "log":
            marker = {"warning": "⚠ ", "error": "✖ "}.get(event.get("level"), "")
            lines.append(f"{stamp}  {marker}{event_text(event)}")
        elif kind == "status":
            text = t("train.monitor_status_line", status=status_label(event.get("status", "?")))
            if event.get("error"):
                text += f" — {event['error'].splitlines()[0]}"
            lines.append(f"{stamp}  {text}")
    return lines[-MAX_LOG_LINES:]


def _progress(job, summary: dict) -> None:
    step, total = summary.get("step"), summary.get("total_steps")
    if step is not None and total:
        fraction = min(1.0, step / total)
        text = t("train.monitor_progress", step=step, total=total, percent=round(100 * fraction))
        st.progress(fraction, text=text)
    elif job.active:
        st.progress(0.0, text=t("train.monitor_starting"))
    cols = st.columns(4)
    eta = summary.get("eta_s") if job.active else None
    cols[0].metric(t("train.monitor_eta"), format_duration(eta) if eta is not None else "–",
                   help=t("train.help.monitor_eta"))
    rate = summary.get("tokens_per_s")
    cols[1].metric(t("train.monitor_tokens_per_s"), format_number(rate) if rate else "–",
                   help=t("train.help.monitor_tokens_per_s"))
    loss = summary.get("train_loss")
    first = summary.get("first_train_loss")
    delta = None
    if loss is not None and first is not None:  # signed, so st.metric colours it (down = green here)
        delta = ("+" if loss >= first else "") + format_number(loss - first, decimals=3)
    cols[2].metric(t("train.monitor_train_loss"), format_number(loss, decimals=3) if loss is not None else "–", delta=delta,
                   delta_color="inverse", help=t("train.help.monitor_train_loss"))
    eval_loss = summary.get("eval_loss")
    cols[3].metric(t("train.monitor_eval_loss"), format_number(eval_loss, decimals=3) if eval_loss is not None else "–",
                   help=t("train.help.monitor_eval_loss"))


def _confirm(armed: str, job, text: str, action) -> None:
    """A destructive action asks first: Confirm runs it, Cancel disarms."""
    if st.session_state.get(armed) and not job.finished:
        st.warning(text)
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button(t("common.confirm"), key=f"{armed}_yes", type="primary"):
            st.session_state[armed] = False
            with friendly_errors():
                action()
            st.rerun(scope="app")
        if no.button(t("common.cancel"), key=f"{armed}_no"):
            st.session_state[armed] = False
            st.rerun(scope="app")


def _controls(job) -> None:
    """Stop (asks first) and Resume of a local run."""
    from core.jobs import runner
    from core.jobs.registry import RESUMABLE

    armed = f"train_stop_armed_{job.id}"
    left, right, _ = st.columns([1, 1, 4])
    if left.button(t("train.stop"), key=f"train_stop_{job.id}", disabled=job.finished,
                   help=t("train.help.stop")):
        st.session_state[armed] = True
    if right.button(t("train.resume"), key=f"train_resume_{job.id}", disabled=job.status not in RESUMABLE,
                    help=t("train.help.resume")):
        with friendly_errors():
            runner.resume(job.id)
        st.rerun(scope="app")
    _confirm(armed, job, t("train.stop_confirm", job_id=job.id), lambda: runner.stop(job.id))


HOSTED_KEYS = ("openai_api_key", "openai_base_url", "azure_openai_api_key", "azure_openai_endpoint",
               "azure_openai_api_version")


def _hosted_summary(job) -> None:
    """What the provider reported: its status, billed tokens, estimated vs actual cost (the fine-tuned
    model's name shows with the result below)."""
    from core.costs import format_money

    result = job.result or {}
    money = lambda usd: "—" if usd is None else format_money(usd).replace("$", "\\$")  # noqa: E731 - $ is LaTeX
    cols = st.columns(4)
    cols[0].metric(t("hosted.form.status"), result.get("remote_status") or status_label(job.status))
    cols[1].metric(t("hosted.form.trained_tokens"),
                   format_number(result["trained_tokens"]) if result.get("trained_tokens") else "—")
    cols[2].metric(t("hosted.form.estimated_cost"), money(result.get("estimated_usd", job.params.get("estimated_usd"))))
    cols[3].metric(t("hosted.form.actual_cost"), money(result.get("actual_usd")), help=t("hosted.help.actual_cost"))
    st.caption(t("hosted.form.remote_id", remote_id=job.params.get("openai_job_id") or "—"))


def _hosted_controls(job) -> None:
    """Pause / Resume / Cancel (asks first) of a hosted job, with the keys typed in this session."""
    from core.hosted import backend as hosted
    from core.jobs import registry

    typed = {name: st.session_state[name] for name in HOSTED_KEYS if st.session_state.get(name)}
    result = job.result or {}
    # Resume a paused job, or re-attach a watcher that gave up while the remote job was still going.
    can_resume = job.status == registry.PAUSED or (
        job.status in (registry.FAILED, registry.CANCELLED) and not result.get("cancel_requested")
        and result.get("remote_status") not in ("succeeded", "failed", "cancelled"))
    armed = f"train_hosted_cancel_armed_{job.id}"
    pause, resume, cancel, _ = st.columns([1, 1, 1, 3])
    if pause.button(t("hosted.form.pause"), key=f"train_hosted_pause_{job.id}", disabled=not job.active,
                    help=t("hosted.help.pause")):
        with friendly_errors():
            hosted.pause(job.id, typed)
        st.rerun(scope="app")
    if resume.button(t("hosted.form.resume"), key=f"train_hosted_resume_{job.id}", disabled=not can_resume,
                     help=t("hosted.help.resume")):
        with friendly_errors():
            hosted.resume(job.id, typed)
        st.rerun(scope="app")
    if cancel.button(t("hosted.form.cancel"), key=f"train_hosted_cancel_{job.id}", disabled=job.finished,
                     help=t("hosted.help.cancel")):
        st.session_state[armed] = True
    _confirm(armed, job, t("hosted.form.cancel_confirm"), lambda: hosted.cancel_remote(job.id, typed))


def _body(job_id: str):
    from core.jobs import registry, runner
    from core.jobs.events import summarize

    runner.refresh()
    job = registry.get_job(job_id)
    if job is None:
        st.info(t("train.monitor_unknown", job_id=job_id))
        return None
    events = _reader(job_id)
    summary = summarize(events)
    name = " · ".join(part for part in (job_name(job), dataset_name(job)) if part)
    st.markdown(t("train.monitor_header", job_id=job.id, backend=t(f"train.backend.{job.backend}"),
                  status=status_label(job.status), name=f" · {md_inline(name)}" if name else ""))
    if job.status == "queued":
        st.info(t("train.monitor_queued", lane=job.lane))
    if job.backend == "local":
        _controls(job)
    else:
        _hosted_summary(job)
        _hosted_controls(job)
    if job.error and job.status in ("failed", "cancelled"):
        first, _, rest = job.error.partition("\n")
        (st.error if job.status == "failed" else st.warning)(md_escape(first))
        if rest.strip():
            with st.expander(t("train.monitor_error_details")):
                st.code(rest, language=None)
    _progress(job, summary)
    if enough_points(events):
        st.plotly_chart(loss_figure(events), key=f"train_chart_{job_id}", width="stretch")
    else:
        st.info(t("train.chart_too_few"), icon="📉")
    if dpo_chart.has_rewards(events):  # a local DPO run: its reward margin, chosen and rejected rewards
        st.plotly_chart(dpo_chart.reward_figure(events), key=f"train_rewards_{job_id}", width="stretch")
    if job.status == "succeeded":
        result = job.result or {}
        if result.get("adapter_dir"):
            st.success(t_md("train.monitor_done_local", adapter=result["adapter_dir"], job_id=job.id))
        elif result.get("fine_tuned_model"):
            st.success(t_md("train.monitor_done_hosted", model=result["fine_tuned_model"], job_id=job.id))
    _tracking(job)
    lines = _log_lines(events)
    with st.expander(t("train.monitor_log", count=len(lines)), expanded=job.active):
        if lines:
            st.code("\n".join(lines), language=None, height=260)
        else:
            st.caption(t("train.monitor_log_empty"))
    return job


def _tracking(job) -> None:
    """Where the run's metrics also went (TensorBoard folder, MLflow run...), as text to copy."""
    from core.training.tracking import where_lines

    lines = where_lines(job.run_dir)
    if lines:
        st.caption(t("train.monitor_tracking"))
        st.code("\n".join(lines), language=None, wrap_lines=True)


@st.fragment(run_every=2)
def _live(job_id: str) -> None:
    # A fragment rerun runs only this function, not the page above it: the session's language must
    # be set again here, or the live panel falls back to English.
    use_page_language()
    job = _body(job_id)
    # The runs table below is outside this fragment: when the job ends, redraw the whole page so the
    # table does not keep saying "running · 11/36" for a run that has finished.
    seen = st.session_state.setdefault("_train_seen_active", {})
    if job is not None:
        was_active, seen[job_id] = seen.get(job_id), job.active
        if was_active and not job.active:
            st.rerun(scope="app")


def render(job_id: str | None) -> None:
    """The live monitor of job_id (any backend); an explanation when there is none yet."""
    if not job_id:
        st.info(t("train.monitor_empty"))
        return
    from core.jobs import registry

    job = registry.get_job(job_id)
    if job is not None and job.finished:
        _body(job_id)  # a finished job no longer changes: draw it once instead of polling every 2 s
    else:
        _live(job_id)


# --- all runs: table, overlay chart, downloads ---------------------------------------------------

RUNS_TABLE = "train_runs_table"


def _rows(jobs) -> list[dict]:
    from core.jobs.events import read_all, summarize
    from core.training.tracking import where_lines

    rows = []
    for job in jobs:
        summary = summarize(read_all(job.run_dir))
        result = job.result or {}
        rows.append({
            t("train.col_id"): job.id,
            t("train.col_name"): job_name(job),
            t("train.col_dataset"): dataset_name(job),
            t("train.col_backend"): t(f"train.backend.{job.backend}"),
            t("train.col_status"): status_label(job.status),
            t("train.col_model"): result.get("base_model_name") or result.get("fine_tuned_model")
            or job.params.get("model") or "",
            t("train.col_created"): f"{format_date(job.created_at)} {time.strftime('%H:%M', time.localtime(job.created_at))}",
            t("train.col_duration"): format_duration(job.duration_s),
            t("train.col_progress"): progress_text(job, summary),
            t("train.col_train_loss"): result.get("final_train_loss", summary.get("train_loss")),
            t("train.col_eval_loss"): result.get("final_eval_loss", summary.get("eval_loss")),
            t("train.col_tracking"): " · ".join(where_lines(job.run_dir, short=True)),
        })
    return rows


def progress_text(job, summary: dict) -> str:
    """"step/total": a run that succeeded did every step, whichever step it last logged."""
    total = summary.get("total_steps")
    if job.status == "succeeded" and total:
        return f"{total}/{total}"
    return f"{summary['step']}/{total or '?'}" if "step" in summary else ""


def selected_job_ids(jobs) -> list[str]:
    """Ids of the rows selected in the runs table (read before the table is drawn again)."""
    state = st.session_state.get(RUNS_TABLE) or {}
    rows = ((state.get("selection") or {}).get("rows")) if isinstance(state, dict) else None
    if rows is None:
        rows = getattr(getattr(state, "selection", None), "rows", None) or []
    ids = [job.id for job in jobs]
    return [ids[i] for i in rows if 0 <= i < len(ids)]


def _downloads(job) -> None:
    from core.training import export

    st.markdown(t("train.downloads_title", job_id=job.id))
    st.caption(t("train.arena_hint", job_id=job.id))
    left, right = st.columns(2)
    zip_key, merged_key = f"train_zip_path_{job.id}", f"train_merged_path_{job.id}"
    if left.button(t("train.prepare_adapter"), key=f"train_prepare_adapter_{job.id}",
                   help=t("train.help.prepare_adapter")):
        with friendly_errors():
            st.session_state[zip_key] = str(export.zip_adapter(job.run_dir))
    if st.session_state.get(zip_key):
        path = st.session_state[zip_key]
        with open(path, "rb") as handle:
            left.download_button(t("train.download_adapter"), handle.read(), file_name=path.rsplit("/", 1)[-1],
                                 mime="application/zip", key=f"train_download_adapter_{job.id}")
    if right.button(t("train.prepare_merged"), key=f"train_prepare_merged_{job.id}",
                    help=t("train.help.prepare_merged")):
        with st.spinner(t("train.merging")), friendly_errors():
            st.session_state[merged_key] = str(export.zip_merged(job.run_dir))
    if st.session_state.get(merged_key):
        path = st.session_state[merged_key]
        right.caption(t("train.merged_at", path=path))
        with open(path, "rb") as handle:
            right.download_button(t("train.download_merged"), handle, file_name=path.rsplit("/", 1)[-1],
                                  mime="application/zip", key=f"train_download_merged_{job.id}")


def render_runs(backend: str | None = None) -> None:
    """Every run (newest first): select rows to compare their losses; download a local result."""
    from components.run_charts import overlay_figure
    from core.jobs import registry, runner
    from core.jobs.events import read_all

    runner.refresh()
    jobs = registry.list_jobs(backend=registry.TRAINING_BACKENDS, limit=100)
    if not jobs:
        st.info(t("train.runs_empty"))
        return
    st.dataframe(_rows(jobs), key=RUNS_TABLE, on_select="rerun", selection_mode="multi-row",
                 hide_index=True, width="stretch")
    st.caption(t("train.runs_select_hint"))
    chosen = selected_job_ids(jobs)
    by_id = {job.id: job for job in jobs}
    compare = chosen or [job.id for job in jobs if job.status == "succeeded"][:5]
    if compare:
        runs = {by_id[i].params.get("name") or i: read_all(by_id[i].run_dir) for i in compare}
        metric = st.radio(t("train.compare_metric"), ["train_loss", "eval_loss"], key="train_compare_metric",
                          horizontal=True, format_func=lambda m: t(f"train.chart_{m}"))
        figure = overlay_figure(runs, metric)
        if figure.data:
            st.plotly_chart(figure, key="train_compare_chart", width="stretch")
        else:
            st.info(t("train.chart_too_few"), icon="📉")
    for job_id in chosen[:1]:
        job = by_id[job_id]
        if job.backend == "local" and job.status == "succeeded":
            _downloads(job)


def default_job_id(backend: str | None = None) -> str | None:
    """What the monitor shows when nothing was picked: the selected row, else an active job, else
    the newest one (of this backend when given)."""
    from core.jobs import registry

    jobs = registry.list_jobs(backend=registry.TRAINING_BACKENDS, limit=100)
    chosen = selected_job_ids(jobs)
    if chosen:
        return chosen[0]
    mine = [job for job in jobs if backend is None or job.backend == backend] or jobs
    active = [job for job in mine if not job.finished]
    if active:
        return active[0].id
    return mine[0].id if mine else None


def selected_job_ids_from_state() -> str | None:
    """The first run selected in the runs table (it is drawn later in the page), or None."""
    from core.jobs import registry

    chosen = selected_job_ids(registry.list_jobs(backend=registry.TRAINING_BACKENDS, limit=100))
    if chosen:
        st.session_state["train_job"] = chosen[0]
        return chosen[0]
    return None
