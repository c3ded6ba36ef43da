"""Dataset Inspector: pick a bundled sample or upload a file, see its problems (with line numbers),
token estimate and statistics, then clean it, split it, or hand it to the next pages.

The storyboard: source -> (CSV or prompt/completion conversion) -> inspect (core.dataset) ->
metrics, findings, charts, example browser -> actions. All logic lives in core.dataset; the report
is cached in session_state per (file, size, mtime, model) and re-rendered in the chosen language.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from components import dataset_charts as charts
from components.chat_bubbles import render_example, render_raw
from components.inspector_actions import fix_line, set_derived, show_actions
from components.page_cache import content_key, figure, inspect_shared
from components.shell import file_uploader, friendly_errors, saved_as_note, use_page_language
from core.guide.concepts import linked_help
from core.dataset import (DEFAULT_MODEL, csv_columns, csv_to_chat, group_findings, is_local, line_ranges_text,
                          pii_lines, prompt_completion_to_chat)
from core.dataset.reader import decode_json, read_line_at
from core.dataset.samples import list_samples, sample_path
from core.dataset.store import MAX_UPLOAD_MB, derive, store_upload
from core.i18n import format_number, t
from core.text_safety import md_escape, md_inline, t_md

MODELS = [DEFAULT_MODEL, "gpt-4o-2024-08-06", "gpt-4.1-mini-2025-04-14", "gpt-4.1-2025-04-14",
          "gpt-3.5-turbo-0125", "local"]
SEVERITIES = ["error", "warning", "info"]
MAX_FINDINGS_SHOWN = 20_000  # the page stays responsive; counts and the CLI cover everything
MAX_GROUPS_SHOWN = 60  # expanders drawn; the filters narrow the rest
ICONS = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def choose_source() -> Path | None:
    """The file the user picked: a bundled sample or an upload saved under LAB_HOME/datasets."""
    source = st.radio(t("inspect.source_label"), ["sample", "upload"], key="inspect_source", horizontal=True,
                      format_func=lambda s: t(f"inspect.source_{s}", LANG))
    if source == "sample":
        samples = {s["file"]: s for s in list_samples()}
        choice = st.selectbox(t("inspect.sample_label"), list(samples), index=None, key="inspect_sample",
                              placeholder=t("inspect.sample_placeholder"), help=t("inspect.sample_help"),
                              format_func=lambda f: t(samples[f]["title_key"], LANG))
        if choice:
            st.caption(t(samples[choice]["description_key"]))
            return sample_path(choice)
        return None
    st.info(t("inspect.upload_limit", limit=MAX_UPLOAD_MB), icon="📦")
    uploaded = file_uploader(t("inspect.upload_label"), types=["jsonl", "csv", "json"], limit_mb=MAX_UPLOAD_MB,
                             key="inspect_upload", help=t("inspect.upload_help"))
    return save_uploaded(uploaded) if uploaded is not None else None


def save_uploaded(uploaded) -> Path:
    """Copy an st.file_uploader file to LAB_HOME/datasets in chunks, once per upload (file_id). The
    folder is shared: a name holding someone else's different file keeps both (the note says so)."""
    saved = st.session_state.setdefault("inspect_uploads", {})
    if uploaded.file_id not in saved or not Path(saved[uploaded.file_id][0]).is_file():
        bar = st.progress(0.0, text=t_md("inspect.upload_saving", name=uploaded.name))
        try:
            with friendly_errors():
                stored = store_upload(uploaded, uploaded.name, size=uploaded.size, progress=lambda f: bar.progress(
                    f, text=t_md("inspect.upload_saving", name=uploaded.name)))
        finally:
            bar.empty()
        saved[uploaded.file_id] = (str(stored.path), stored.wanted)
    path, wanted = saved[uploaded.file_id]
    saved_as_note(Path(path).name, wanted, uploaded.name)
    return Path(path)


def active_path(base: Path) -> Path:
    """The file being inspected: the chosen one, or what was derived from it (converted, cleaned)."""
    derived = st.session_state.setdefault("inspect_derived", {}).get(str(base))
    if derived and Path(derived).is_file():
        st.info(t_md("inspect.inspecting_derived", name=Path(derived).name, source=base.name), icon="🔁")
        if st.button(t("inspect.back_to_original"), key="inspect_back"):
            st.session_state["inspect_derived"].pop(str(base), None)
            st.rerun()
        return Path(derived)
    return base


def csv_conversion(base: Path) -> None:
    """A CSV: the user picks the question and answer columns (and an optional system prompt)."""
    st.subheader(t("inspect.csv_title"))
    st.write(t("inspect.csv_intro"))
    with friendly_errors():
        info = csv_columns(base)
    columns = info["columns"]
    preview = pd.DataFrame(info["preview"]).astype(str)
    if preview.shape[1] == len(columns):
        preview.columns = columns
    st.caption(t("inspect.csv_preview"))
    st.dataframe(preview, hide_index=True)
    guess_q = next((c for c in columns if c.lower() in ("question", "pergunta", "prompt", "input")), columns[0])
    guess_a = next((c for c in columns if c.lower() in ("answer", "resposta", "completion", "output")), columns[-1])
    left, right = st.columns(2)
    question = left.selectbox(t("inspect.csv_question"), columns, index=columns.index(guess_q), key="inspect_csv_question")
    answer = right.selectbox(t("inspect.csv_answer"), columns, index=columns.index(guess_a), key="inspect_csv_answer")
    system = st.text_area(t("inspect.system_prompt"), key="inspect_csv_system", help=t("inspect.system_prompt_help"))
    if st.button(t("inspect.csv_convert"), key="inspect_csv_convert", type="primary"):
        with friendly_errors():
            summary = derive(base, "_chat", lambda out: csv_to_chat(base, out, question, answer, system or None))
        st.session_state["inspect_conversion"] = summary
        set_derived(base, summary["path"])


def pc_conversion(base: Path, path: Path) -> None:
    """Legacy prompt/completion lines: offer the conversion to chat."""
    with st.container(border=True):
        st.subheader(t("inspect.pc_title"))
        st.write(t("inspect.pc_intro"))
        system = st.text_area(t("inspect.system_prompt"), key="inspect_pc_system", help=t("inspect.system_prompt_help"))
        if st.button(t("inspect.pc_convert"), key="inspect_pc_convert", type="primary"):
            with friendly_errors():
                summary = derive(path, "_chat", lambda out: prompt_completion_to_chat(path, out, system or None))
            st.session_state["inspect_conversion"] = summary
            set_derived(base, summary["path"])


def show_conversion_summary() -> None:
    summary = st.session_state.pop("inspect_conversion", None)
    if summary:
        lines = ", ".join(str(x) for x in summary["skipped_lines"][:20]) or "—"
        st.success(t_md("inspect.converted", written=summary["written"], name=Path(summary["path"]).name,
                     skipped=summary["skipped"], lines=lines))


def run_inspection(path: Path, model: str, pii: bool):
    """Inspect once per (file, size, mtime, model, pii): this session keeps its report across reruns,
    and a file another session inspected already comes from the shared cache (components/page_cache)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, model, pii)
    cached = st.session_state.get("inspect_report")
    if cached and cached[0] == key:
        return cached[1]
    bar = st.progress(0.0, text=t_md("inspect.reading", name=path.name))
    report = None
    try:
        with friendly_errors(stop=False):
            report = inspect_shared(path, model=model, max_findings=MAX_FINDINGS_SHOWN, pii=pii,
                                    progress=lambda f: bar.progress(f, text=t_md("inspect.reading", name=path.name)))
    finally:  # also when the file is refused: the message stays, the bar goes (before st.stop(), which
        bar.empty()  # ends the run: changes after it never reach the page)
    if report is None:
        st.stop()
    st.session_state["inspect_report"] = (key, report)
    return report


def show_metrics(report) -> None:
    cols = st.columns(4)
    cols[0].metric(t("inspect.metric_examples"), format_number(report.n_examples), help=t("inspect.metric_examples_help"))
    cols[1].metric(t("inspect.metric_format"), t(f"inspect.format.{report.format}"))
    cols[2].metric(t("inspect.metric_errors"), format_number(report.n_errors))
    cols[3].metric(t("inspect.metric_warnings"), format_number(report.n_warnings))
    cols = st.columns(4)
    for col, name, value in zip(cols, ("tokens", "trained", "epochs", "billed"), (  # tooltips link to Key Concepts
            format_number(report.tokens_total), format_number(report.trained_tokens_total), report.epochs_auto,
            format_number(report.billed_tokens))):
        col.metric(t(f"inspect.metric_{name}"), value, help=linked_help(f"inspect_metric_{name}", t(f"inspect.metric_{name}_help")))
    note = "inspect.estimate_note_local" if is_local(report.model) else "inspect.estimate_note"
    st.caption(t(note, encoding=report.encoding))
    st.caption(t("inspect.billing_note", epochs=report.epochs_auto, per_epoch=format_number(report.billed_tokens_per_epoch),
                 billed=format_number(report.billed_tokens), limit=format_number(report.token_limit)))


def show_findings(report) -> None:
    """Findings grouped by kind (errors first), each group expandable to its lines and their messages."""
    st.subheader(t("inspect.findings_title"))
    if not report.pii_checked:
        st.caption(t("inspect.pii_off"))
    if not report.findings:
        st.success(t("inspect.no_findings"))
        return
    if report.findings_dropped:
        st.warning(t("inspect.findings_capped", shown=format_number(len(report.findings)),
                     total=format_number(len(report.findings) + report.findings_dropped)))
    if pii_lines(report):
        st.info(t("inspect.pii_why"), icon="🔒")
    left, right = st.columns(2)
    severities = left.multiselect(t("inspect.filter_severity"), SEVERITIES, default=SEVERITIES, key="inspect_filter_severity",
                                  format_func=lambda s: t(f"inspect.severity.{s}", LANG))
    codes = right.multiselect(t("inspect.filter_code"), sorted(report.error_counts), key="inspect_filter_code",
                              help=t("inspect.filter_code_help"), placeholder=t("inspect.choose_codes"))
    rows = [f.localized(None) for f in report.findings if f.severity in severities and (not codes or f.code in codes)]
    groups = group_findings(rows, identical=False)
    st.caption(t("inspect.findings_summary", groups=len(groups), lines=format_number(len({f.line for f in rows}))))
    members: dict[tuple[str, str], list] = {}
    for finding in rows:
        members.setdefault((finding.severity, finding.code), []).append(finding)
    for group in groups[:MAX_GROUPS_SHOWN]:  # a few groups open by themselves; many stay folded
        show_group(group, members[(group.severity, group.code)], expanded=len(groups) <= 6)
    if len(groups) > MAX_GROUPS_SHOWN:
        st.caption(t("inspect.groups_more", count=len(groups) - MAX_GROUPS_SHOWN))
    st.caption(t("inspect.line_zero_note"))


def show_group(group, findings, expanded: bool) -> None:
    where = line_ranges_text(group.lines)
    title = t("inspect.group_title", icon=ICONS[group.severity], code=f"`{group.code}`", count=format_number(len(group.lines)),
              lines=where) if len(group.lines) > 1 else t("inspect.group_title_one", icon=ICONS[group.severity],
                                                          code=f"`{group.code}`", lines=where)
    with st.expander(title, expanded=expanded and group.severity != "info"):
        messages = {f.message for f in findings}
        if len(messages) == 1:
            st.markdown(f"**{md_inline(findings[0].message)}**")
        st.markdown(md_escape(t("inspect.group_fix", hint=group.hint)))
        if len(findings) > 1 or len(messages) > 1:
            st.dataframe(pd.DataFrame({
                t("inspect.col_line"): [line_ranges_text([f.line]) for f in findings],
                t("inspect.col_message"): [f.message for f in findings],
            }), hide_index=True, width="stretch", key=f"inspect_group_{group.severity}_{group.code}")


def show_charts(report) -> None:
    st.subheader(t("inspect.charts_title"))
    if not len(report.example_tokens):
        st.info(t("inspect.no_examples_to_chart"))
        return
    tabs = st.tabs([t("inspect.tab_histogram"), t("inspect.tab_messages"), t("inspect.tab_roles"),
                    t("inspect.tab_longest"), t("inspect.tab_duplicates")])
    # built once per charted content and language, shared by every session (components/page_cache)
    charted = content_key(bytes(report.example_tokens), report.token_limit, report.messages_per_example,
                          report.role_counts, report.longest, report.duplicate_groups)
    builders = {"histogram": charts.token_histogram, "messages": charts.messages_per_example,
                "roles": charts.role_mix, "longest": charts.longest_examples}
    for tab, (name, build) in zip(tabs, builders.items()):
        tab.plotly_chart(figure(f"inspect_{name}", charted, lambda b=build: b(report)), key=f"inspect_chart_{name}")
    if report.duplicate_groups:
        tabs[4].plotly_chart(figure("inspect_duplicates", charted, lambda: charts.duplicate_groups(report)),
                             key="inspect_chart_duplicates")
    else:
        tabs[4].success(t("inspect.no_duplicates"))


def show_browser(report, path: Path) -> None:
    """Any physical line: an example as chat bubbles, anything else as inert text, with its findings."""
    st.subheader(t("inspect.browser_title"))
    if report.n_lines == 0:
        st.info(t("inspect.browser_empty"))
        return
    first = int(report.example_lines[0]) if len(report.example_lines) else 1
    line = st.number_input(t("inspect.browser_line"), min_value=1, max_value=report.n_lines, value=first, step=1,
                           key="inspect_browser_line", help=t("inspect.browser_line_help"))
    problem_lines = report.error_lines()
    if problem_lines:
        st.caption(t("inspect.browser_error_lines", lines=", ".join(str(x) for x in problem_lines[:30])
                     + (" …" if len(problem_lines) > 30 else "")))
    for finding in (f.localized(None) for f in report.findings if f.line == line):
        (st.error if finding.severity == "error" else st.warning if finding.severity == "warning" else st.info)(
            f"{finding.code}: {md_escape(finding.message)} {md_escape(finding.hint)}")
    payload = read_line_at(path, report.line_offset(int(line)))
    if any(f.line == line and f.severity == "error" for f in report.findings):
        with st.expander(t("inspect.fix_title"), expanded=False):
            fix_line(path, int(line), payload, "inspect_fix")
    index = report.example_index(int(line))
    if index is not None:
        st.caption(t("inspect.browser_tokens", tokens=format_number(report.example_tokens[index])))
    value, problem = decode_json(payload)
    if problem is None and isinstance(value, dict):
        render_example(value)
    else:
        render_raw(payload)


# format_func callbacks may run outside this script run (AppTest calls them): bind the language.
LANG = use_page_language()
st.title(t("inspect.title"))
st.write(t("inspect.intro"))

base = choose_source()
model = st.selectbox(t("inspect.model_label"), MODELS, key="inspect_model", help=linked_help("inspect_model", t("inspect.model_help")),
                     format_func=lambda m: t("inspect.model_local", LANG) if m == "local" else m)
if model != "local":
    st.caption(t("inspect.openai_winding_down"))
pii = st.toggle(t("inspect.pii_toggle"), value=True, key="inspect_pii", help=t("inspect.pii_toggle_help"))
if base is None:
    st.info(t("inspect.empty_state"), icon="👆")
    st.stop()

show_conversion_summary()
st.session_state["inspect_base"] = str(base)
if "inspect_fix_done" in st.session_state:
    st.success(st.session_state.pop("inspect_fix_done"))
path = active_path(base)
if path.suffix.lower() == ".csv":
    csv_conversion(base)
    st.stop()
report = run_inspection(path, model, pii)
if report.format == "prompt_completion":
    pc_conversion(base, path)
show_metrics(report)
show_findings(report)
show_charts(report)
show_browser(report, path)
show_actions(report, path, base, model)
