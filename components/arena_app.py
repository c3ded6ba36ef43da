"""The chat arena: up to three contestants answer the same question side by side, streaming.

A Gradio 6 Blocks app (STYLE habit #2): module-level `demo`, components first, then handlers named
for what the user did (ask, regenerate, clear, vote, ...), then the wiring. All logic lives in core/
(providers, comparison export, presets, votes); this module only arranges it on screen.

Run: `python -m components.arena_app [--host 127.0.0.1] [--port 7861]` (`python -m lab serve` does
this and shows the arena inside the Streamlit "Chat Arena" page). Interface language: ?lang=pt-BR in
the URL, else LAB_LANG; every string goes through core.i18n.t.
"""
from __future__ import annotations

import argparse
import functools
import os
import random
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

import gradio as gr  # noqa: E402

from core import comparison, presets  # noqa: E402
from core.errors import LabError  # noqa: E402
from core.i18n import current_language, normalize, t  # noqa: E402
from core.providers import (Answer, ChatSettings, Column, Credentials, check, get_provider,  # noqa: E402
                            list_contestants, stream_columns)

N = 3  # columns
LETTERS = ("A", "B", "C")
START_LANG = current_language()  # LAB_LANG at start; each page load may switch with ?lang=
YIELD_EVERY_S = 0.08  # stream refresh: ~12 updates per second are smooth and cheap for the browser

# ---------------------------------------------------------------------------------- translation
# Every component with visible text is registered here with its catalogue keys, so a page load can
# re-label the whole app in the visitor's language (?lang=pt-BR).
_TEXTS: list[tuple[object, dict]] = []


def tr(component, **keys):
    """Register a component's translatable props: label=..., info=..., placeholder=..., value=...
    A value may be a key or (key, params)."""
    _TEXTS.append((component, keys))
    return component


def _text(key, lang):
    if isinstance(key, tuple):
        return t(key[0], lang, **key[1])
    return t(key, lang)


def T(key, **params):  # noqa: N802 - text in the start language, for building the components
    return t(key, START_LANG, **params)


# ---------------------------------------------------------------------------------- session
def new_session(blind: bool = False) -> dict:
    """Per-browser state. histories: what each column's model sees; display: what its chat shows
    (also errors); specs: who answers in each column for this conversation (fixed for a blind
    battle); last: the latest question and answers (export, vote)."""
    return {"histories": [[] for _ in range(N)], "display": [[] for _ in range(N)],
            "specs": [None] * N, "blind": blind, "battle": False, "voted": False,
            "last": {"question": "", "answers": [None] * N}}


def choices(contestants) -> list[tuple[str, str]]:
    """Dropdown entries (label, spec): every contestant, unavailable ones marked ⚠️."""
    return [(c.label if c.available else f"⚠️ {c.label}", c.spec) for c in contestants]


def default_specs(contestants) -> list[str | None]:
    """base | newest finished local run (else RAG) | RAG (else nothing)."""
    run = next((c.spec for c in contestants if c.spec.startswith("run:") and c.available), None)
    return ["base", run or "rag", "rag" if run else None]


# ---------------------------------------------------------------------------------- components
with gr.Blocks(title="Fine-Tuning Lab — Arena", fill_width=True) as demo:
    lang_state = gr.State(START_LANG)
    session = gr.State(new_session())
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
            own, temperatures, max_tokens_boxes, systems = [], [], [], []
            with gr.Row(equal_height=False):
                for i in range(N):
                    with gr.Column(min_width=260, elem_id=f"column-{i + 1}"):
                        pickers.append(tr(gr.Dropdown(
                            choices=[], value=None, allow_custom_value=True, elem_id=f"contestant-{i + 1}",
                            label=T("arena.column_label", n=i + 1)), label=("arena.column_label", {"n": i + 1})))
                        statuses.append(gr.Markdown("", elem_id=f"status-{i + 1}"))
                        headers.append(gr.Markdown("", elem_id=f"header-{i + 1}"))
                        chatbots.append(tr(gr.Chatbot(height=380, label=T("arena.answer_label"),
                                                      elem_id=f"chat-{i + 1}", buttons=["copy"]),
                                           label="arena.answer_label"))
                        metric_boxes.append(gr.Markdown("", elem_id=f"metrics-{i + 1}"))
                        source_boxes.append(gr.Markdown("", elem_id=f"sources-{i + 1}"))
                        with tr(gr.Accordion(T("arena.column_settings"), open=False), label="arena.column_settings"):
                            own.append(tr(gr.Checkbox(False, label=T("arena.own_settings"), info=T("arena.own_settings_info")),
                                          label="arena.own_settings", info="arena.own_settings_info"))
                            temperatures.append(tr(gr.Slider(0, 2, 0.7, step=0.05, label=T("arena.temperature"),
                                                             info=T("arena.temperature_help")),
                                                   label="arena.temperature", info="arena.temperature_help"))
                            max_tokens_boxes.append(tr(gr.Slider(8, 1024, 256, step=8, label=T("arena.max_tokens"),
                                                                 info=T("arena.max_tokens_help")),
                                                       label="arena.max_tokens", info="arena.max_tokens_help"))
                            systems.append(tr(gr.Textbox("", lines=2, label=T("arena.system_prompt"),
                                                         info=T("arena.system_prompt_help")),
                                              label="arena.system_prompt", info="arena.system_prompt_help"))

            question_box = tr(gr.Textbox(lines=2, label=T("arena.question"), placeholder=T("arena.question_placeholder"),
                                     elem_id="question"), label="arena.question", placeholder="arena.question_placeholder")
            with gr.Row():
                send_button = tr(gr.Button(T("arena.send"), variant="primary", elem_id="send"), value="arena.send")
                regenerate_button = tr(gr.Button(T("arena.regenerate"), elem_id="regenerate"), value="arena.regenerate")
                clear_button = tr(gr.Button(T("arena.clear"), variant="stop", elem_id="clear"), value="arena.clear")

            with gr.Row(visible=False, elem_id="vote-row") as vote_row:
                vote_buttons = {
                    "A": tr(gr.Button(T("arena.vote_a"), elem_id="vote-a"), value="arena.vote_a"),
                    "B": tr(gr.Button(T("arena.vote_b"), elem_id="vote-b"), value="arena.vote_b"),
                    "C": tr(gr.Button(T("arena.vote_c"), elem_id="vote-c", visible=False), value="arena.vote_c"),
                    "tie": tr(gr.Button(T("arena.vote_tie"), elem_id="vote-tie"), value="arena.vote_tie"),
                    "bad": tr(gr.Button(T("arena.vote_bad"), elem_id="vote-bad"), value="arena.vote_bad"),
                }
            reveal = gr.Markdown("", elem_id="reveal")

            with tr(gr.Accordion(T("arena.presets"), open=True), label="arena.presets"):
                samples = tr(gr.Dataset(components=[gr.Textbox(visible=False)], samples=[], label=T("arena.samples"),
                                        samples_per_page=8, elem_id="samples"), label="arena.samples")
                with gr.Row():
                    dataset_picker = tr(gr.Dropdown(choices=[], value=None, label=T("arena.dataset"),
                                                    info=T("arena.dataset_info"), scale=1),
                                        label="arena.dataset", info="arena.dataset_info")
                    held_out = tr(gr.Dataset(components=[gr.Textbox(visible=False)], samples=[],
                                             label=T("arena.held_out"), samples_per_page=6, scale=2),
                                  label="arena.held_out")

            with tr(gr.Accordion(T("arena.shared_settings"), open=False), label="arena.shared_settings"):
                with gr.Row():
                    temperature = tr(gr.Slider(0, 2, 0.7, step=0.05, label=T("arena.temperature"),
                                               info=T("arena.temperature_help"), elem_id="temperature"),
                                     label="arena.temperature", info="arena.temperature_help")
                    max_tokens = tr(gr.Slider(8, 1024, 256, step=8, label=T("arena.max_tokens"),
                                              info=T("arena.max_tokens_help"), elem_id="max-tokens"),
                                    label="arena.max_tokens", info="arena.max_tokens_help")
                    top_p = tr(gr.Slider(0.05, 1, 1.0, step=0.05, label=T("arena.top_p"), info=T("arena.top_p_help")),
                               label="arena.top_p", info="arena.top_p_help")
                with gr.Row():
                    seed = tr(gr.Number(-1, precision=0, minimum=-1, label=T("arena.seed"), info=T("arena.seed_help")),
                              label="arena.seed", info="arena.seed_help")
                    gpu_usd_per_hour = tr(gr.Number(0.0, minimum=0, label=T("arena.gpu_price"), info=T("arena.gpu_price_help")),
                                          label="arena.gpu_price", info="arena.gpu_price_help")
                    rag_k = tr(gr.Slider(1, 8, 3, step=1, label=T("arena.rag_k"), info=T("arena.rag_k_help")),
                               label="arena.rag_k", info="arena.rag_k_help")
                system_prompt = tr(gr.Textbox("", lines=2, label=T("arena.system_prompt"), info=T("arena.system_prompt_help")),
                                   label="arena.system_prompt", info="arena.system_prompt_help")

            with tr(gr.Accordion(T("arena.keys"), open=False), label="arena.keys"):
                tr(gr.Markdown(T("arena.keys_note")), value="arena.keys_note")
                with gr.Row():
                    openai_api_key = tr(gr.Textbox("", type="password", label=T("arena.openai_key")), label="arena.openai_key")
                    azure_api_key = tr(gr.Textbox("", type="password", label=T("arena.azure_key")), label="arena.azure_key")
                    azure_endpoint = tr(gr.Textbox("", label=T("arena.azure_endpoint"), placeholder="https://NAME.openai.azure.com"),
                                        label="arena.azure_endpoint")
                    azure_api_version = tr(gr.Textbox("", label=T("arena.azure_version"), placeholder="2024-10-21"),
                                           label="arena.azure_version")

            with tr(gr.Accordion(T("arena.export"), open=False), label="arena.export"):
                with gr.Row():
                    export_md_button = tr(gr.Button(T("arena.export_md"), elem_id="export-md"), value="arena.export_md")
                    export_html_button = tr(gr.Button(T("arena.export_html"), elem_id="export-html"), value="arena.export_html")
                export_file = tr(gr.File(label=T("arena.export_file"), interactive=False), label="arena.export_file")

        with gr.Tab(T("arena.tab_leaderboard"), id="leaderboard") as leaderboard_tab:
            tr(leaderboard_tab, label="arena.tab_leaderboard")
            tr(gr.Markdown(T("arena.leaderboard_intro")), value="arena.leaderboard_intro")
            leaderboard_refresh = tr(gr.Button(T("arena.refresh"), size="sm"), value="arena.refresh")
            leaderboard_table = gr.Dataframe(interactive=False, elem_id="leaderboard")
            leaderboard_plot = gr.Plot()
            votes_csv_button = tr(gr.Button(T("arena.export_votes"), elem_id="export-votes"), value="arena.export_votes")
            votes_file = tr(gr.File(label=T("arena.export_file"), interactive=False), label="arena.export_file")


# ---------------------------------------------------------------------------------- helpers
def _settings(lang, temperature_, max_tokens_, top_p_, seed_, system_, gpu_, rag_k_, own_, temp_i, max_i, system_i):
    """The shared settings, with this column's own temperature / max tokens / system prompt if ticked."""
    if own_:
        temperature_, max_tokens_, system_ = temp_i, max_i, system_i
    return ChatSettings(temperature=temperature_, max_tokens=int(max_tokens_), top_p=top_p_,
                        seed=None if seed_ in (None, "") else int(seed_), system_prompt=system_ or None,
                        gpu_usd_per_hour=float(gpu_ or 0), rag_k=int(rag_k_), lang=lang)


def _header(s: dict, i: int, lang: str) -> str:
    spec = s["specs"][i]
    if s["blind"] and s["battle"]:
        if spec is None:
            return ""
        name = f" — `{spec}`" if s["voted"] else ""
        return f"### {LETTERS[i]}{name}"
    return ""


def _metrics(s: dict, i: int, answer: Answer | None, lang: str) -> tuple[str, str]:
    """(metrics markdown, sources markdown) under column i; hidden in a blind battle until the vote."""
    if answer is None:
        return "", ""
    if s["blind"] and s["battle"] and not s["voted"]:
        return f"_{t('arena.hidden_until_vote', lang)}_", ""
    lines = [comparison.metrics_line(answer, lang)] if answer.ttft_s is not None or not answer.error else []
    if answer.error:
        lines.insert(0, f"⚠️ {answer.error}")
    sources = ""
    if answer.sources:
        items = [f"{src['n']}. **{_plain(src['title'])}** — {_plain(src['snippet'])}" for src in answer.sources]
        sources = f"**{t('arena.sources', lang)}**\n\n" + "\n".join(items)
    return "  \n".join(lines), sources


def _plain(text: str) -> str:
    """A document snippet as one line of plain text: its own Markdown (#, |, *, `) would otherwise
    render as headings and tables inside the sources list."""
    return " ".join(re.sub(r"[#|*_`>\[\]<]+", " ", str(text)).split())


def _vote_visibility(s: dict) -> dict:
    n = sum(spec is not None for spec in s["specs"])
    done = all(a is not None for spec, a in zip(s["specs"], s["last"]["answers"]) if spec)
    show = s["blind"] and s["battle"] and not s["voted"] and done and n >= 2
    return {vote_row: gr.update(visible=show), vote_buttons["C"]: gr.update(visible=n == 3)}


def _credentials(openai_api_key_, azure_api_key_, azure_endpoint_, azure_api_version_) -> Credentials:
    return Credentials.resolve(openai_api_key_, azure_api_key_, azure_endpoint_, azure_api_version_)


def _render(s: dict, lang: str, partial: list[str | None], answers: list) -> dict:
    out = {}
    for i in range(N):
        chat = list(s["display"][i])
        if partial[i] is not None:
            chat.append({"role": "assistant", "content": partial[i] or "…"})
        out[chatbots[i]] = chat
        out[metric_boxes[i]], out[source_boxes[i]] = _metrics(s, i, answers[i], lang)
        out[headers[i]] = _header(s, i, lang)
    return out


def _answer_all(text: str, s: dict, settings: list[ChatSettings], creds: Credentials, lang: str):
    """Stream every column's answer to `text`; yields output dicts, updates `s` at the end."""
    partial: list[str | None] = [None] * N
    answers: list[Answer | None] = [None] * N
    columns, index = [], []
    for i, spec in enumerate(s["specs"]):
        if not spec:
            continue
        s["display"][i].append({"role": "user", "content": text})
        partial[i] = ""
        try:
            provider = get_provider(spec, creds)
        except LabError as err:
            provider = err
        columns.append(Column(provider, s["histories"][i] + [{"role": "user", "content": text}], settings[i], spec))
        index.append(i)
    yield {**_render(s, lang, partial, answers), **_vote_visibility(s), reveal: ""}
    last = 0.0
    for j, item in stream_columns(columns):
        i = index[j]
        if isinstance(item, Answer):
            answers[i] = item
            partial[i] = None
            reply = item.text if not item.error else (item.text + f"\n\n⚠️ {item.error}").strip()
            s["display"][i].append({"role": "assistant", "content": reply})
            if item.text:  # a failed column keeps no half-turn in what its model sees next time
                s["histories"][i] += [{"role": "user", "content": text}, {"role": "assistant", "content": item.text}]
        else:
            partial[i] += item
            if time.monotonic() - last < YIELD_EVERY_S:
                continue
        last = time.monotonic()
        yield _render(s, lang, partial, answers)
    s["last"] = {"question": text, "answers": answers}
    yield {**_render(s, lang, partial, answers), **_vote_visibility(s), session: s}


# ---------------------------------------------------------------------------------- handlers
def ask(question, contestant_1, contestant_2, contestant_3, blind_mode, temperature, max_tokens, top_p, seed,
        system_prompt, gpu_usd_per_hour, rag_k, own_1, temperature_1, max_tokens_1, system_prompt_1,
        own_2, temperature_2, max_tokens_2, system_prompt_2, own_3, temperature_3, max_tokens_3, system_prompt_3,
        openai_api_key, azure_api_key, azure_endpoint, azure_api_version, state, lang):
    """The user sent a question: every column answers it at once, streaming."""
    lang = normalize(lang)
    text = (question or "").strip()
    if not text:
        raise gr.Error(t("arena.err_no_question", lang))
    s = state if state else new_session(bool(blind_mode))
    s["blind"] = bool(blind_mode)
    picked = [(c or "").strip() or None for c in (contestant_1, contestant_2, contestant_3)]
    if s["blind"]:
        if not s["battle"]:
            pool = [c for c in picked if c]
            if len(pool) < 2:
                raise gr.Error(t("arena.err_blind_needs_two", lang))
            random.shuffle(pool)
            s["specs"] = pool + [None] * (N - len(pool))
            s["battle"], s["voted"] = True, False
    else:
        s["specs"] = picked
        if not any(picked):
            raise gr.Error(t("arena.err_no_contestant", lang))
    shared = (temperature, max_tokens, top_p, seed, system_prompt, gpu_usd_per_hour, rag_k)
    per_column = ((own_1, temperature_1, max_tokens_1, system_prompt_1), (own_2, temperature_2, max_tokens_2, system_prompt_2),
                  (own_3, temperature_3, max_tokens_3, system_prompt_3))
    settings = [_settings(lang, *shared, *column) for column in per_column]
    creds = _credentials(openai_api_key, azure_api_key, azure_endpoint, azure_api_version)
    first = True
    for update in _answer_all(text, s, settings, creds, lang):
        if first:
            update[question_box] = ""
            first = False
        yield update



@functools.wraps(ask)  # same parameters as ask (the API shows their names)
def regenerate(*args):
    *rest, state, lang = args
    lang = normalize(lang)
    s = state
    if not s or not s["last"]["question"]:
        raise gr.Error(t("arena.err_nothing_to_regenerate", lang))
    last = s["last"]["question"]
    for i in range(N):  # drop the last turn where it was this question (a column left empty keeps its chat)
        shown, seen = s["display"][i], s["histories"][i]
        if len(shown) >= 2 and shown[-1]["role"] == "assistant" and shown[-2]["content"] == last:
            del shown[-2:]
        if len(seen) >= 2 and seen[-2]["content"] == last:
            del seen[-2:]
    rest[0] = last
    yield from ask(*rest, s, lang)


regenerate.__name__ = "regenerate"
regenerate.__doc__ = "The user wants new answers to the last question: drop the last turn, ask it again."


def clear(blind_mode, lang):
    """The user starts over: empty every column; a blind battle gets new random seats next time."""
    s = new_session(bool(blind_mode))
    out = _render(s, lang, [None] * N, [None] * N)
    return {**out, **_vote_visibility(s), session: s, reveal: "", export_file: None}


def toggle_blind(blind_mode, lang):
    """The user switched blind mode: hide (or show) who is in which column and start a new battle."""
    s = new_session(bool(blind_mode))
    out = _render(s, lang, [None] * N, [None] * N)
    note = t("arena.blind_on", lang) if blind_mode else ""
    return {**out, **_vote_visibility(s), session: s, reveal: note,
            **{picker: gr.update(visible=not blind_mode) for picker in pickers},
            **{status: gr.update(visible=not blind_mode) for status in statuses}}


def vote(winner: str):
    def handler(state, lang):
        """The user voted in a blind battle: store it, then reveal who was who."""
        from core import votes

        lang = normalize(lang)
        s = state
        if not (s and s["blind"] and s["battle"]) or s["voted"]:
            raise gr.Error(t("arena.err_no_battle", lang))
        contestants = {LETTERS[i]: spec for i, spec in enumerate(s["specs"]) if spec}
        answers = {LETTERS[i]: (a.text if a else "") for i, a in enumerate(s["last"]["answers"]) if s["specs"][i]}
        try:
            votes.record_vote(s["last"]["question"], contestants, winner, answers)
        except LabError as err:
            raise _gradio_error(err, lang) from err
        s["voted"] = True
        names = ", ".join(f"**{letter}** = `{spec}`" for letter, spec in contestants.items())
        out = _render(s, lang, [None] * N, s["last"]["answers"])
        return {**out, **_vote_visibility(s), session: s,
                reveal: t("arena.voted", lang, names=names, winner=t(f"arena.winner_{winner}", lang))}
    handler.__name__ = f"vote_{winner.lower()}"
    return handler


def _comparison(s: dict, lang: str) -> comparison.Comparison:
    if not s or not s["last"]["question"]:
        raise gr.Error(t("arena.err_nothing_to_export", lang))
    hide = s["blind"] and s["battle"] and not s["voted"]
    cols = []
    for i, (spec, answer) in enumerate(zip(s["specs"], s["last"]["answers"])):
        if spec and answer is not None:
            title = LETTERS[i] if s["blind"] and s["battle"] else spec
            cols.append(comparison.ComparisonColumn(title=title, spec=title if hide else spec, answer=answer))
    turns = max(len(h) for h in s["histories"]) // 2
    return comparison.Comparison(question=s["last"]["question"], columns=cols, history_turns=max(0, turns - 1))


def export_markdown(state, lang):
    """The user exports the comparison as a Markdown file."""
    return str(comparison.save(_comparison(state, normalize(lang)), "md", normalize(lang)))


def export_html(state, lang):
    """The user exports the comparison as a standalone HTML page."""
    return str(comparison.save(_comparison(state, normalize(lang)), "html", normalize(lang)))


def pick_preset(sample):
    """The user clicked a preset question: it goes into the question box (and is asked)."""
    return sample[0] if isinstance(sample, (list, tuple)) else sample


def pick_dataset(path, lang):
    """The user chose a dataset: list held-out questions from its validation split."""
    lang = normalize(lang)
    if not path:
        return gr.update(samples=[])
    try:
        rows = presets.held_out_questions(path)
    except LabError as err:
        gr.Warning(err.message(lang))
        return gr.update(samples=[])
    return gr.update(samples=[[row["question"]] for row in rows])


def describe_contestant(spec, blind_mode, lang):
    """The user picked a contestant: say whether it can answer (and why not)."""
    if blind_mode or not spec:
        return ""
    lang = normalize(lang)
    reason = check(spec, lang=lang)
    return f"⚠️ {reason}" if reason else f"✓ {t('arena.ready', lang)}"


def refresh_contestants(contestant_1, contestant_2, contestant_3, lang):
    """The user asked for a fresh contestant list (a run may have finished)."""
    entries = choices(list_contestants(probe=True, lang=normalize(lang)))
    return [gr.update(choices=entries, value=value) for value in (contestant_1, contestant_2, contestant_3)]


def _gradio_error(err: LabError, lang: str) -> gr.Error:
    """core's LabError -> the message Gradio shows in a toast (STYLE habit #6: convert once at the edge)."""
    return gr.Error(err.message(lang))


def show_leaderboard(lang):
    """The user opened or refreshed the leaderboard: ratings and win rates from the stored votes."""
    from core import votes

    lang = normalize(lang)
    try:
        rows = votes.leaderboard()
    except LabError as err:
        raise _gradio_error(err, lang) from err
    table = [{t("arena.lb_contestant", lang): r["contestant"], t("arena.lb_battles", lang): r["battles"],
              t("arena.lb_wins", lang): r["wins"], t("arena.lb_ties", lang): r["ties"],
              t("arena.lb_win_rate", lang): f"{r['win_rate'] * 100:.0f}%" if r.get("win_rate") is not None else "—",
              t("arena.lb_rating", lang): round(r["rating"]) if r.get("rating") is not None else "—",
              t("arena.lb_interval", lang): (f"{round(r['ci_low'])} – {round(r['ci_high'])}"
                                             if r.get("ci_low") is not None else "—")} for r in rows]
    import pandas as pd

    frame = pd.DataFrame(table) if table else pd.DataFrame({t("arena.lb_empty", lang): []})
    return frame, _leaderboard_figure(rows, lang)


def _leaderboard_figure(rows: list[dict], lang: str):
    import plotly.graph_objects as go

    rated = [r for r in rows if r.get("rating") is not None]
    figure = go.Figure()
    if rated:
        rated = sorted(rated, key=lambda r: r["rating"])
        figure.add_trace(go.Scatter(
            x=[r["rating"] for r in rated], y=[r["contestant"] for r in rated], mode="markers",
            marker={"size": 11},
            error_x={"type": "data", "symmetric": False,
                     "array": [r["ci_high"] - r["rating"] for r in rated],
                     "arrayminus": [r["rating"] - r["ci_low"] for r in rated]}))
    figure.update_layout(title=t("arena.lb_chart_title", lang), xaxis_title=t("arena.lb_rating", lang),
                         height=140 + 40 * max(1, len(rated)), margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


def export_votes(lang):
    """The user downloads every vote as CSV."""
    from core import votes
    from core.atomic import write_text
    from core.paths import subdir

    path = subdir("exports") / f"votes-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    write_text(path, votes.export_votes_csv())
    return str(path)


def load_page(request: gr.Request):
    """A browser opened the arena: pick its language (?lang=), fill the contestant lists, the preset
    questions and (with ?dataset=) the held-out questions."""
    params = dict(request.query_params) if request else {}
    lang = normalize(params.get("lang") or START_LANG)
    texts = {component: {prop: _text(key, lang) for prop, key in keys.items()} for component, keys in _TEXTS}
    out = {component: gr.update(**props) for component, props in texts.items()}
    contestants = list_contestants(lang=lang)
    for picker, value in zip(pickers, default_specs(contestants)):
        out[picker] = gr.update(choices=choices(contestants), value=value, **texts[picker])
    out[samples] = gr.update(samples=[[q["question"]] for q in presets.sample_questions(lang)], **texts[samples])
    datasets = presets.dataset_choices()
    wanted = params.get("dataset")
    value = None
    if wanted:
        try:
            value = str(presets.allowed_dataset(wanted))
            if value not in [p for _, p in datasets]:
                datasets.insert(0, (Path(value).name, value))
        except LabError:
            value = None
    out[dataset_picker] = gr.update(choices=datasets, value=value, **texts[dataset_picker])
    out[lang_state] = lang
    return out


# ---------------------------------------------------------------------------------- wiring
ASK_INPUTS = [question_box, *pickers, blind, temperature, max_tokens, top_p, seed, system_prompt, gpu_usd_per_hour,
              rag_k]
for i in range(N):
    ASK_INPUTS += [own[i], temperatures[i], max_tokens_boxes[i], systems[i]]
ASK_INPUTS += [openai_api_key, azure_api_key, azure_endpoint, azure_api_version, session, lang_state]
COLUMN_OUTPUTS = [*chatbots, *metric_boxes, *source_boxes, *headers]
ASK_OUTPUTS = [*COLUMN_OUTPUTS, session, vote_row, vote_buttons["C"], reveal, question_box]

with demo:
    send_button.click(ask, ASK_INPUTS, ASK_OUTPUTS, api_name="ask", concurrency_limit=4)
    question_box.submit(ask, ASK_INPUTS, ASK_OUTPUTS, api_name=False, concurrency_limit=4)
    regenerate_button.click(regenerate, ASK_INPUTS, ASK_OUTPUTS, api_name="regenerate", concurrency_limit=4)
    clear_button.click(clear, [blind, lang_state], [*COLUMN_OUTPUTS, session, vote_row, vote_buttons["C"], reveal,
                                                     export_file], api_name="clear")
    blind.change(toggle_blind, [blind, lang_state], [*COLUMN_OUTPUTS, session, vote_row, vote_buttons["C"], reveal,
                                                      *pickers, *statuses], api_name=False)
    for winner, button in vote_buttons.items():
        button.click(vote(winner), [session, lang_state], [*COLUMN_OUTPUTS, session, vote_row, vote_buttons["C"],
                                                            reveal], api_name=f"vote_{winner.lower()}")
    for i, picker in enumerate(pickers):
        picker.change(describe_contestant, [picker, blind, lang_state], statuses[i], api_name=False)
    refresh_button.click(refresh_contestants, [*pickers, lang_state], pickers, api_name=False)
    samples.click(pick_preset, samples, question_box, api_name=False).then(ask, ASK_INPUTS, ASK_OUTPUTS, api_name=False,
                                                                      concurrency_limit=4)
    held_out.click(pick_preset, held_out, question_box, api_name=False).then(ask, ASK_INPUTS, ASK_OUTPUTS, api_name=False,
                                                                        concurrency_limit=4)
    dataset_picker.change(pick_dataset, [dataset_picker, lang_state], held_out, api_name=False)
    export_md_button.click(export_markdown, [session, lang_state], export_file, api_name="export_markdown")
    export_html_button.click(export_html, [session, lang_state], export_file, api_name="export_html")
    leaderboard_tab.select(show_leaderboard, lang_state, [leaderboard_table, leaderboard_plot], api_name=False)
    leaderboard_refresh.click(show_leaderboard, lang_state, [leaderboard_table, leaderboard_plot], api_name="leaderboard")
    votes_csv_button.click(export_votes, lang_state, votes_file, api_name="export_votes")
    demo.load(load_page, None, list(dict.fromkeys([*[c for c, _ in _TEXTS], *pickers, samples, dataset_picker,
                                                   lang_state])), api_name=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.arena_app", description=t("arena.cli_serve_help"))
    parser.add_argument("--host", default="127.0.0.1", help=t("cli.serve_host_help"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("LAB_ARENA_PORT", 7861)),
                        help=t("arena.port_help"))
    args = parser.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    demo.launch(server_name=args.host, server_port=args.port, show_error=True, footer_links=["api"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
