"""The Dataset Inspector's actions on a checked file: fix broken lines one by one, make a cleaned
file, make a train/validation split, hand the file to the next pages. Each writes a NEW file under
LAB_HOME/datasets (core.dataset.store.derive*) and never touches the original."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.shell import friendly_errors
from core.dataset import MIN_EXAMPLES, clean_file, droppable_codes, pii_lines, plan_clean, replace_line, split_file
from core.dataset.reader import read_line_at
from core.dataset.store import copy_to_datasets, datasets_dir, derive, derive_split, derived_path
from core.guide.concepts import linked_help
from core.i18n import current_language, t
from core.text_safety import md_escape, t_md


def set_derived(base: Path, path: str | Path) -> None:
    """Inspect `path` (made from `base`) from the next run on."""
    st.session_state.setdefault("inspect_derived", {})[str(base)] = str(path)
    st.rerun()


def fix_line(path: Path, line: int, payload: bytes, key: str) -> None:
    """Edit one broken line and save a fixed copy (LAB_HOME/datasets/<name>_fixed.jsonl), then inspect it.
    key: the editor's key prefix (the example browser and the cleaning tab each have one)."""
    text = st.text_area(t("inspect.fix_title"), payload.decode("utf-8", errors="replace"), key=f"{key}_{line}",
                        help=t("inspect.fix_help"), label_visibility="collapsed")
    if st.button(t("inspect.fix_save"), key=f"{key}_save_{line}"):
        base = Path(st.session_state.get("inspect_base", path))
        target = path if path.parent.resolve() == datasets_dir().resolve() and path.stem.endswith("_fixed") \
            else derived_path(path, "_fixed")
        with friendly_errors():
            out = replace_line(path, line, text, target)
        st.session_state["inspect_fix_done"] = t_md("inspect.fix_done", line=line, name=out.name)
        set_derived(base, out)


def fix_broken_lines(report, path: Path, expanded: bool) -> None:
    """The lines with errors, one editor at a time: what keeps an example that cleaning would drop."""
    broken = report.error_lines()
    if not broken:
        return
    lang = current_language()  # format_func may run outside this script run (AppTest calls it)
    with st.expander(t("inspect.fix_lines_title", count=len(broken)), expanded=expanded):
        st.caption(t("inspect.fix_lines_intro"))
        codes = {line: [] for line in broken}
        for finding in report.findings:
            if finding.line in codes and finding.severity == "error":
                codes[finding.line].append(finding)
        line = st.selectbox(t("inspect.fix_lines_pick"), broken, key="inspect_fix_pick",
                            format_func=lambda n: t("inspect.fix_lines_option", lang, line=n,
                                                    codes=", ".join(sorted({f.code for f in codes[n]}))))
        for finding in (f.localized(None) for f in codes[line]):
            st.error(f"{finding.code}: {md_escape(finding.message)} {md_escape(finding.hint)}")
        fix_line(path, int(line), read_line_at(path, report.line_offset(int(line))), "inspect_fixlist")


def show_actions(report, path: Path, base: Path, model: str) -> None:
    """Three tabs: clean, split, use."""
    st.subheader(t("inspect.actions_title"))
    # keyed and tracked: a rerun (after "Make the split") keeps the tab the user is on
    clean_tab, split_tab, use_tab = st.tabs([t("inspect.clean_title"), t("inspect.split_title"), t("inspect.use_title")],
                                            key="inspect_action_tabs", on_change="rerun")
    with clean_tab:
        clean_action(report, path, base)
    with split_tab:
        split_action(path)
    with use_tab:
        use_action(report, path, model)


def clean_action(report, path: Path, base: Path) -> None:
    lang = current_language()  # format_func may run outside this script run (AppTest calls it)
    st.write(t("inspect.clean_intro"))
    st.info(t("inspect.clean_can"), icon="🧹")
    options = droppable_codes(report)
    codes = st.multiselect(t("inspect.clean_codes"), list(options), key="inspect_clean_codes",
                           format_func=lambda c: t("inspect.clean_code_option", lang, code=c, lines=options[c]),
                           help=t("inspect.clean_codes_help"), placeholder=t("inspect.choose_codes"))
    masked = pii_lines(report)
    mask = st.checkbox(t("inspect.clean_mask", count=len(masked)), value=bool(masked), key="inspect_clean_mask",
                       help=t("inspect.clean_mask_help"), disabled=not masked)
    plan = plan_clean(report, set(codes))
    st.caption(t("inspect.clean_plan_always", bom=t("common.yes") if plan.bom else t("common.no"),
                 crlf=plan.crlf_lines, blank=plan.blank_lines))
    if plan.drop_lines:
        detail = "; ".join(f"{code}: {n}" for code, n in plan.by_code.items())
        st.warning(t("inspect.clean_plan_drop", lines=len(plan.drop_lines), detail=detail, kept=plan.kept_examples))
        if plan.kept_examples < MIN_EXAMPLES:
            st.error(t("inspect.clean_too_few", kept=plan.kept_examples, minimum=MIN_EXAMPLES))
    else:
        st.caption(t("inspect.clean_plan_nothing"))
    without_errors = plan_clean(report, drop_lines=set(report.error_lines())).kept_examples
    fix_broken_lines(report, path, expanded=without_errors < MIN_EXAMPLES)
    if st.button(t("inspect.clean_build"), key="inspect_clean_build"):
        with friendly_errors():
            summary = derive(path, "_clean", lambda out: clean_file(path, out, set(codes), report=report, mask_pii=mask))
        st.session_state["inspect_clean_result"] = {**summary, "source": str(path)}
    summary = st.session_state.get("inspect_clean_result")
    if summary and summary["source"] == str(path) and Path(summary["path"]).is_file():
        out = Path(summary["path"])
        st.success(t_md("inspect.clean_done", kept=summary["kept_lines"], dropped=summary["dropped_lines"], name=out.name))
        if summary.get("masked_lines"):
            st.caption(t("inspect.clean_masked", lines=summary["masked_lines"]))
        left, right = st.columns(2)
        left.download_button(t_md("inspect.download", name=out.name), data=lambda: out.read_bytes(), file_name=out.name,
                             mime="application/jsonl", key="inspect_clean_download")
        if right.button(t("inspect.clean_inspect"), key="inspect_clean_inspect"):
            st.session_state.pop("inspect_clean_result", None)
            set_derived(base, out)


def split_action(path: Path) -> None:
    st.write(t("inspect.split_intro"))
    left, right = st.columns(2)
    seed = left.number_input(t("inspect.split_seed"), min_value=0, max_value=2**31 - 1, value=42, step=1,
                             key="inspect_split_seed", help=t("inspect.split_seed_help"))
    fraction = right.slider(t("inspect.split_fraction"), min_value=0.05, max_value=0.5, value=0.1, step=0.05,
                            key="inspect_split_fraction",
                            help=linked_help("inspect_split_fraction", t("inspect.split_fraction_help")))
    if st.button(t("inspect.split_build"), key="inspect_split_build"):
        with friendly_errors():
            files = derive_split(path, lambda folder: split_file(path, folder, fraction, int(seed)))
        st.session_state["inspect_split_result"] = {"source": str(path), "files": [str(p) for p in files]}
    result = st.session_state.get("inspect_split_result")
    if result and result["source"] == str(path) and all(Path(p).is_file() for p in result["files"]):
        train, val = (Path(p) for p in result["files"])
        count = lambda p: sum(1 for _ in open(p, "rb"))  # noqa: E731 - lines of a file we just wrote
        st.success(t("inspect.split_done", train=count(train), val=count(val)))
        left, right = st.columns(2)
        left.download_button(t_md("inspect.download", name=train.name), data=lambda: train.read_bytes(),
                             file_name=train.name, mime="application/jsonl", key="inspect_split_download_train")
        right.download_button(t_md("inspect.download", name=val.name), data=lambda: val.read_bytes(),
                              file_name=val.name, mime="application/jsonl", key="inspect_split_download_val")


def use_action(report, path: Path, model: str) -> None:
    current = st.session_state.get("lab_dataset")
    if current:
        st.caption(t_md("inspect.use_current", name=current.get("name", "?")))
    blocked = None
    if report.format not in ("chat", "dpo"):
        blocked = t("inspect.use_blocked_format")
    elif report.has_errors and not report.error_lines():
        blocked = t("inspect.use_blocked_whole_file")
    elif report.has_errors:  # what cleaning would leave decides the advice: remove the lines, or fix them
        kept = plan_clean(report, drop_lines=set(report.error_lines())).kept_examples
        blocked = t("inspect.use_blocked_errors", kept=kept) if kept >= MIN_EXAMPLES else \
            t("inspect.use_blocked_errors_few", kept=kept, minimum=MIN_EXAMPLES)
    if blocked:
        st.info(blocked)
    if st.button(t("inspect.use_button"), key="inspect_use", type="primary", disabled=blocked is not None,
                 help=t("inspect.use_help")):
        with friendly_errors():
            target = path if path.parent.resolve() == datasets_dir().resolve() else copy_to_datasets(path)
        st.session_state["lab_dataset"] = {"path": str(target), "name": target.name, "format": report.format,
                                           "model": None if model == "local" else model}
        st.success(t_md("inspect.use_done", name=target.name))
