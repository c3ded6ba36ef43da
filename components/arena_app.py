"""The chat arena: up to three contestants answer the same question side by side, streaming.

A Gradio 6 Blocks app (STYLE habit #2): module-level `demo`, components first, then handlers named
for what the user did (ask, regenerate, clear, vote, ...), then the wiring. The rules live in core/
(core.arena.battle: seats, turns, votes; core.arena.settings: the form -> ChatSettings; providers,
comparison export, votes); this module only arranges them on screen. The leaderboard tab is in
components/arena_leaderboard.py.

Run: `python -m components.arena_app [--host 127.0.0.1] [--port 7861]` (`python -m lab serve` does
this and shows the arena inside the Streamlit "Chat Arena" page). Interface language: ?lang=pt-BR in
the URL, else LAB_LANG; every string goes through core.i18n.t.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python components/arena_app.py` puts components/ first
    sys.path.insert(0, str(ROOT))
# Several columns generate from several threads, each with its own OpenMP team. With OpenMP's default
# spin-waiting, idle teams burn the cores the active one needs: on 2 shared cores bench/bench_provider.py
# measured three interleaved columns at x0.62-0.75 of one column's tokens/s with spinning and x0.93
# with PASSIVE waiting. Must be set before torch is imported.
from core.cpu_threads import sleep_when_idle  # noqa: E402

sleep_when_idle(os.environ)
from core.paths import subdir, temp_dir  # noqa: E402

# Gradio's copies of every export stay in LAB_HOME (`lab serve` sets it for its children too)
os.environ.setdefault("GRADIO_TEMP_DIR", str(temp_dir("gradio")))

import gradio as gr  # noqa: E402

from components import arena_leaderboard as board  # noqa: E402
from components.arena_text import T, relabel, tr  # noqa: E402
from core import comparison  # noqa: E402
from core.arena import questions  # noqa: E402
from core.arena.battle import N, Battle, default_specs  # noqa: E402
from core.arena.settings import column_settings  # noqa: E402
from core.errors import LabError  # noqa: E402
from core.guide.concepts import CONTROL_CONCEPTS, concept_help  # noqa: E402
from core.text_safety import error_html, html_text, md_code, md_escape  # noqa: E402
from core.i18n import normalize, t  # noqa: E402
from core.providers import (Answer, ChatSettings, Column, Credentials, check, get_provider,  # noqa: E402
                            list_contestants, stream_columns)

YIELD_EVERY_S = 0.08  # stream refresh: ~12 updates per second are smooth and cheap for the browser
CONTROLS = ChatSettings.control_specs()  # every setting a user may change, with its bounds
KEY_BOXES = (("openai_api_key", "arena.openai_key", {"type": "password"}),  # typed keys: this session only
             ("azure_api_key", "arena.azure_key", {"type": "password"}),
             ("azure_endpoint", "arena.azure_endpoint", {"placeholder": "https://NAME.openai.azure.com"}),
             ("azure_api_version", "arena.azure_version", {"placeholder": "2024-10-21"}))
LINKED: list[tuple[object, str]] = []  # (setting's component, its concept): info ends in a link to Key Concepts


def choices(contestants) -> list[tuple[str, str]]:
    """Dropdown entries (label, spec): every contestant, unavailable ones marked ⚠️."""
    return [(c.label if c.available else f"⚠️ {c.label}", c.spec) for c in contestants]


def control(spec: dict, **extra):
    """The widget of one ChatSettings control: a slider when bounded, a number box, or a text box."""
    keys = {"label": spec["label"], "info": spec["help"]}
    label, info = T(spec["label"]), T(spec["help"])
    if spec["type"] == "str":
        component = gr.Textbox(spec["default"] or "", lines=2, label=label, info=info, **extra)
    elif spec["min"] is not None and spec["max"] is not None:
        component = gr.Slider(spec["min"], spec["max"], spec["default"], step=spec["step"], label=label, info=info,
                              **extra)
    else:
        default = spec["default"] if spec["default"] is not None else spec["min"]
        component = gr.Number(default, minimum=spec["min"], maximum=spec["max"], step=spec["step"], label=label,
                              info=info, precision=0 if spec["type"] == "int" else None, **extra)
    if spec["name"] in CONTROL_CONCEPTS:
        LINKED.append((component, CONTROL_CONCEPTS[spec["name"]]))
    return tr(component, **keys)


# ---------------------------------------------------------------------------------- components
with gr.Blocks(title="Fine-Tuning Lab — Arena", fill_width=True) as demo:
    lang_state = gr.State(T.lang)
    session = gr.State(Battle())
    tr(gr.Markdown(T("arena.intro")), value="arena.intro")

    with gr.Tabs():
        with gr.Tab(T("arena.tab_arena"), id="arena") as arena_tab:
            tr(arena_tab, label="arena.tab_arena")
            with gr.Row():
                blind = tr(gr.Checkbox(False, label=T("arena.blind_label"), info=T("arena.blind_info"),
                                       elem_id="blind"), label="arena.blind_label", info="arena.blind_info")
                refresh_button = tr(gr.Button(T("arena.refresh"), size="sm", scale=0), value="arena.refresh")
            tr(gr.Markdown(T("arena.contestant_info"), elem_classes=["hint"]), value="arena.contestant_info")

            pickers, statuses, headers, chatbots, metric_boxes, source_boxes = [], [], [], [], [], []
            form: dict = {}  # parameter name -> component: what `ask` receives by name (inputs_kwargs)
            with gr.Row(equal_height=False):
                for i in range(N):
                    with gr.Column(min_width=260, elem_id=f"column-{i + 1}"):
                        pickers.append(tr(gr.Dropdown(
                            choices=[], value=None, allow_custom_value=True, elem_id=f"contestant-{i + 1}",
                            label=T("arena.column_label", n=i + 1)), label=("arena.column_label", {"n": i + 1})))
                        form[f"contestant_{i + 1}"] = pickers[-1]
                        statuses.append(gr.Markdown("", elem_id=f"status-{i + 1}"))
                        headers.append(gr.Markdown("", elem_id=f"header-{i + 1}"))
                        # Questions and answers are untrusted text: no Markdown, no LaTeX, and the
                        # content is HTML-escaped in _render (the component still parses HTML).
                        chatbots.append(tr(gr.Chatbot(height=380, label=T("arena.answer_label"),
                                                      elem_id=f"chat-{i + 1}", buttons=["copy"],
                                                      render_markdown=False, latex_delimiters=[]),
                                           label="arena.answer_label"))
                        metric_boxes.append(gr.Markdown("", elem_id=f"metrics-{i + 1}"))
                        source_boxes.append(gr.Markdown("", elem_id=f"sources-{i + 1}"))
                        with tr(gr.Accordion(T("arena.column_settings"), open=False), label="arena.column_settings"):
                            form[f"own_{i + 1}"] = tr(gr.Checkbox(False, label=T("arena.own_settings"),
                                                                  info=T("arena.own_settings_info")),
                                                      label="arena.own_settings", info="arena.own_settings_info")
                            for spec in CONTROLS:
                                if spec["column"]:
                                    form[f"{spec['name']}_{i + 1}"] = control(spec)
            form["blind_mode"] = blind

            question_box = tr(gr.Textbox(lines=2, label=T("arena.question"), placeholder=T("arena.question_placeholder"),
                                         elem_id="question"), label="arena.question",
                              placeholder="arena.question_placeholder")
            with gr.Row():
                send_button = tr(gr.Button(T("arena.send"), variant="primary", elem_id="send"), value="arena.send")
                regenerate_button = tr(gr.Button(T("arena.regenerate"), elem_id="regenerate"), value="arena.regenerate")
                clear_button = tr(gr.Button(T("arena.clear"), variant="stop", elem_id="clear"), value="arena.clear")

            with gr.Row(visible=False, elem_id="vote-row") as vote_row:
                vote_buttons = {winner: tr(gr.Button(T(f"arena.vote_{winner.lower()}"), elem_id=f"vote-{winner.lower()}",
                                                     visible=winner != "C"), value=f"arena.vote_{winner.lower()}")
                                for winner in ("A", "B", "C", "tie", "bad")}
            reveal = gr.Markdown("", elem_id="reveal")

            with tr(gr.Accordion(T("arena.presets"), open=True), label="arena.presets"):
                samples = tr(gr.Dataset(components=[gr.Textbox(visible=False)], samples=[], label=T("arena.samples"),
                                        samples_per_page=8, elem_id="samples"), label="arena.samples")
                with gr.Row():
                    run_picker = tr(gr.Dropdown(choices=[], value=None, label=T("arena.held_out_run"),
                                                info=T("arena.held_out_run_info"), scale=1, elem_id="held-out-run"),
                                    label="arena.held_out_run")
                    held_out = tr(gr.Dataset(components=[gr.Textbox(visible=False)], samples=[],
                                             label=T("arena.held_out"), samples_per_page=6, scale=2,
                                             elem_id="held-out"), label="arena.held_out")

            with tr(gr.Accordion(T("arena.shared_settings"), open=False), label="arena.shared_settings"):
                bounded = [spec for spec in CONTROLS if spec["type"] != "str"]
                for start in range(0, len(bounded), 3):
                    with gr.Row():
                        for spec in bounded[start:start + 3]:
                            form[spec["name"]] = control(spec, elem_id=spec["name"].replace("_", "-"))
                for spec in CONTROLS:
                    if spec["type"] == "str":
                        form[spec["name"]] = control(spec)

            with tr(gr.Accordion(T("arena.keys"), open=False), label="arena.keys"):
                tr(gr.Markdown(T("arena.keys_note")), value="arena.keys_note")
                with gr.Row():
                    for name, label, extra in KEY_BOXES:
                        form[name] = tr(gr.Textbox("", label=T(label), **extra), label=label)

            with tr(gr.Accordion(T("arena.export"), open=False), label="arena.export"):
                with gr.Row():
                    export_md_button = tr(gr.Button(T("arena.export_md"), elem_id="export-md"), value="arena.export_md")
                    export_html_button = tr(gr.Button(T("arena.export_html"), elem_id="export-html"), value="arena.export_html")
                export_file = tr(gr.File(label=T("arena.export_file"), interactive=False), label="arena.export_file")

        with gr.Tab(T("arena.tab_leaderboard"), id="leaderboard") as leaderboard_tab:
            tr(leaderboard_tab, label="arena.tab_leaderboard")
            leaderboard = board.build()


# ---------------------------------------------------------------------------------- rendering
def _metrics(b: Battle, i: int, answer: Answer | None, lang: str) -> tuple[str, str]:
    """(metrics markdown, sources markdown) under column i; hidden in a blind battle until the vote."""
    if answer is None:
        return "", ""
    if b.hidden:
        return f"_{t('arena.hidden_until_vote', lang)}_", ""
    lines = [comparison.metrics_line(answer, lang)] if answer.ttft_s is not None or not answer.error else []
    if answer.error:
        lines.insert(0, f"⚠️ {md_escape(answer.error)}")
    return "  \n".join(lines), comparison.sources_markdown(answer, lang)


def _header(b: Battle, i: int) -> str:
    letter = b.seat_title(i)
    if letter is None:
        return ""
    return f"### {letter}" + ("" if b.hidden else f" — {md_code(b.specs[i])}")


def _render(b: Battle, lang: str, partial: list[str | None], answers: list) -> dict:
    out = {}
    for i in range(N):
        chat = list(b.display[i])
        if partial[i] is not None:
            chat.append({"role": "assistant", "content": partial[i] or "…"})
        out[chatbots[i]] = [{**m, "content": html_text(m["content"])} for m in chat]  # text, never markup
        out[metric_boxes[i]], out[source_boxes[i]] = _metrics(b, i, answers[i], lang)
        out[headers[i]] = _header(b, i)
    return out


def _vote_visibility(b: Battle) -> dict:
    return {vote_row: gr.update(visible=b.can_vote), vote_buttons["C"]: gr.update(visible=bool(b.specs[2]))}


def _gradio_error(err: LabError, lang: str) -> gr.Error:
    """core's LabError -> the message Gradio shows in a toast (STYLE habit #6: convert once at the edge)."""
    return gr.Error(error_html(err, lang))  # the toast renders HTML: the message's parameters are escaped


def _answer_all(b: Battle, question: str, settings: list[ChatSettings], creds: Credentials, lang: str):
    """Stream every seated column's answer to `question`; yields output dicts."""
    partial: list[str | None] = [None] * N
    columns, index = [], []
    for i, messages in b.begin_turn(question):
        partial[i] = ""
        try:
            provider = get_provider(b.specs[i], creds)
        except LabError as err:
            provider = err  # the column shows why it cannot answer; the others go on
        columns.append(Column(provider, messages, settings[i], b.specs[i]))
        index.append(i)
    yield {**_render(b, lang, partial, b.answers), **_vote_visibility(b), reveal: ""}
    last = 0.0
    for j, item in stream_columns(columns):
        i = index[j]
        if isinstance(item, Answer):
            b.finish_column(i, item)
            partial[i] = None
        else:
            partial[i] += item
            if time.monotonic() - last < YIELD_EVERY_S:
                continue
        last = time.monotonic()
        yield _render(b, lang, partial, b.answers)
    yield {**_render(b, lang, partial, b.answers), **_vote_visibility(b), session: b}


# ---------------------------------------------------------------------------------- handlers
def ask(question, state, lang, **values):
    """The user sent a question: every column answers it at once, streaming. `values` holds the
    form by name (contestant_1..3, blind_mode, the ChatSettings controls, own_i and <control>_i,
    the typed keys): see core.arena.settings."""
    lang = normalize(lang)
    b = state if isinstance(state, Battle) else Battle()
    b.blind = bool(values.get("blind_mode"))
    try:
        if not (question or "").strip():
            raise LabError("arena.err_no_question")
        b.seat([values.get(f"contestant_{i + 1}") for i in range(N)])
    except LabError as err:
        raise _gradio_error(err, lang) from err
    settings = column_settings(values, N, lang)
    creds = Credentials.resolve(*(values.get(name) for name, _, _ in KEY_BOXES))
    for number, update in enumerate(_answer_all(b, question, settings, creds, lang)):
        if number == 0:
            update[question_box] = ""
        yield update


def regenerate(question, state, lang, **values):
    """The user wants new answers to the last question: drop the last turn, ask it again."""
    lang = normalize(lang)
    if not isinstance(state, Battle):
        raise gr.Error(t("arena.err_nothing_to_regenerate", lang))
    try:
        last = state.drop_last_turn()
    except LabError as err:
        raise _gradio_error(err, lang) from err
    yield from ask(last, state, lang, **values)


def clear(blind_mode, lang):
    """The user starts over: empty every column; a blind battle gets new random seats next time."""
    b = Battle(blind=bool(blind_mode))
    return {**_render(b, lang, [None] * N, b.answers), **_vote_visibility(b), session: b, reveal: "",
            export_file: None}


def toggle_blind(blind_mode, lang):
    """The user switched blind mode: hide (or show) who is in which column and start a new battle."""
    b = Battle(blind=bool(blind_mode))
    note = t("arena.blind_on", lang) if blind_mode else ""
    return {**_render(b, lang, [None] * N, b.answers), **_vote_visibility(b), session: b, reveal: note,
            **{picker: gr.update(visible=not blind_mode) for picker in pickers},
            **{status: gr.update(visible=not blind_mode) for status in statuses}}


def vote(winner: str):
    def handler(state, lang):
        """The user voted in a blind battle: store it, then reveal who was who."""
        lang = normalize(lang)
        if not isinstance(state, Battle):
            raise gr.Error(t("arena.err_no_battle", lang))
        try:
            seats = state.vote(winner)
        except LabError as err:
            raise _gradio_error(err, lang) from err
        names = ", ".join(f"**{letter}** = {md_code(spec)}" for letter, spec in seats.items())
        return {**_render(state, lang, [None] * N, state.answers), **_vote_visibility(state), session: state,
                reveal: t("arena.voted", lang, names=names, winner=t(f"arena.winner_{winner}", lang))}
    handler.__name__ = f"vote_{winner.lower()}"
    return handler


def _export(state, lang, fmt: str) -> str:
    lang = normalize(lang)
    try:
        if not isinstance(state, Battle):
            raise LabError("arena.err_nothing_to_export")
        return str(comparison.save(state.comparison(), fmt, lang))
    except LabError as err:
        raise _gradio_error(err, lang) from err


def export_markdown(state, lang):
    """The user exports the comparison as a Markdown file."""
    return _export(state, lang, "md")


def export_html(state, lang):
    """The user exports the comparison as a standalone HTML page."""
    return _export(state, lang, "html")


def pick_preset(sample):
    """The user clicked a preset question: it goes into the question box (and is asked)."""
    return sample[0] if isinstance(sample, (list, tuple)) else sample


def pick_run(job_id, lang):
    """The user chose a run: list questions from the validation split it kept aside in its folder."""
    lang = normalize(lang)
    if not job_id:
        return gr.update(samples=[], label=t("arena.held_out", lang)), gr.update(info=t("arena.held_out_none", lang))
    try:
        held = questions.held_out_questions(job_id)
    except LabError as err:
        gr.Warning(error_html(err, lang))
        return gr.update(samples=[]), gr.update(info=t("arena.held_out_none", lang))
    return (gr.update(samples=[[row["question"]] for row in held.questions], label=t("arena.held_out", lang)),
            gr.update(info=held.note(lang)))


def describe_contestant(spec, blind_mode, lang):
    """The user picked a contestant: say whether it can answer (and why not)."""
    if blind_mode or not spec:
        return ""
    lang = normalize(lang)
    reason = check(spec, lang=lang)
    return f"⚠️ {md_escape(reason)}" if reason else f"✓ {t('arena.ready', lang)}"


def refresh_contestants(contestant_1, contestant_2, contestant_3, lang):
    """The user asked for a fresh contestant list (a run may have finished)."""
    entries = choices(list_contestants(probe=True, lang=normalize(lang)))
    return [gr.update(choices=entries, value=value) for value in (contestant_1, contestant_2, contestant_3)]


def load_page(request: gr.Request):
    """A browser opened the arena: pick its language (?lang=), fill the contestant lists, the preset
    questions and the runs to draw held-out questions from (?dataset= prefers a run trained on it)."""
    params = dict(request.query_params) if request else {}
    lang = normalize(params.get("lang") or T.lang)
    texts = relabel(lang)
    out = {component: gr.update(**props) for component, props in texts.items()}
    contestants = list_contestants(lang=lang)
    for picker, value in zip(pickers, default_specs(contestants)):
        out[picker] = gr.update(choices=choices(contestants), value=value, **texts[picker])
    out[samples] = gr.update(samples=[[q["question"]] for q in questions.sample_questions(lang)], **texts[samples])
    runs = [(" · ".join(p for p in (job.params.get("name"), Path(str(job.params.get("dataset", ""))).name, job.id) if p),
             job.id) for job in questions.runs_with_held_out()]
    out[run_picker] = gr.update(choices=runs, value=questions.run_for_dataset(params.get("dataset")),
                                info=t("arena.held_out_run_info" if runs else "arena.held_out_none", lang),
                                **texts[run_picker])
    lab = re.fullmatch(r"(https?://[\w.\-]+(?::\d+)?)/?", params.get("lab", ""))  # sent by the lab's arena page
    if lab:
        for component, section in LINKED:  # info is Markdown: the help text, then Key Concepts' link
            out[component]["info"] = concept_help(texts[component]["info"], section, lang).replace(
                "](/concepts#", f"]({lab.group(1)}/concepts#")
    out[lang_state] = lang
    return out


# ---------------------------------------------------------------------------------- wiring
ASK_INPUTS = [question_box, session, lang_state]
COLUMN_OUTPUTS = [*chatbots, *metric_boxes, *source_boxes, *headers]
ASK_OUTPUTS = [*COLUMN_OUTPUTS, session, vote_row, vote_buttons["C"], reveal, question_box]
STATE_OUTPUTS = [*COLUMN_OUTPUTS, session, vote_row, vote_buttons["C"], reveal]

with demo:
    asking = {"inputs_kwargs": form, "concurrency_limit": 4}
    send_button.click(ask, ASK_INPUTS, ASK_OUTPUTS, api_name="ask", **asking)
    question_box.submit(ask, ASK_INPUTS, ASK_OUTPUTS, api_name=False, **asking)
    regenerate_button.click(regenerate, ASK_INPUTS, ASK_OUTPUTS, api_name="regenerate", **asking)
    clear_button.click(clear, [blind, lang_state], [*STATE_OUTPUTS, export_file], api_name="clear")
    blind.change(toggle_blind, [blind, lang_state], [*STATE_OUTPUTS, *pickers, *statuses], api_name=False)
    for winner, button in vote_buttons.items():
        button.click(vote(winner), [session, lang_state], STATE_OUTPUTS, api_name=f"vote_{winner.lower()}")
    for i, picker in enumerate(pickers):
        picker.change(describe_contestant, [picker, blind, lang_state], statuses[i], api_name=False)
    refresh_button.click(refresh_contestants, [*pickers, lang_state], pickers, api_name=False)
    for preset_list in (samples, held_out):
        preset_list.click(pick_preset, preset_list, question_box, api_name=False).then(
            ask, ASK_INPUTS, ASK_OUTPUTS, api_name=False, **asking)
    run_picker.change(pick_run, [run_picker, lang_state], [held_out, run_picker], api_name="held_out")
    export_md_button.click(export_markdown, [session, lang_state], export_file, api_name="export_markdown")
    export_html_button.click(export_html, [session, lang_state], export_file, api_name="export_html")
    board.wire(leaderboard, leaderboard_tab, lang_state)
    demo.load(load_page, None, list(dict.fromkeys([*relabel(T.lang), *pickers, samples, run_picker, lang_state])),
              api_name=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.arena_app", description=t("arena.cli_serve_help"))
    parser.add_argument("--host", default="127.0.0.1", help=t("cli.serve_host_help"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("LAB_ARENA_PORT", 7861)),
                        help=t("arena.port_help"))
    args = parser.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    # Exports are written under LAB_HOME/exports, which is neither the working directory nor the
    # system temp dir: Gradio serves files only from folders it is told about.
    demo.launch(server_name=args.host, server_port=args.port, show_error=True, footer_links=["api"],
                allowed_paths=[str(subdir("exports"))])
    return 0


if __name__ == "__main__":
    sys.exit(main())
