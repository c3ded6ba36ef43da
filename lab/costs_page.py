"""Cost Calculator page: what fine-tuning costs before you train, and the monthly bill afterwards.

Storyboard: dataset -> model and prices -> training bill (+ across models) -> monthly usage and
break-even -> local training -> export. All arithmetic is core.costs; this file reads widgets and draws.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # AppTest.from_file and `streamlit run` start with lab/ on the path
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from components.cost_charts import break_even_chart, training_bar_chart  # noqa: E402
from components.guide_path import mark_step  # noqa: E402
from components.page_cache import content_key, figure  # noqa: E402
from components.shell import friendly_errors, use_page_language  # noqa: E402
from components.workshop import workshop_note  # noqa: E402
from core import costs  # noqa: E402
from core.guide.concepts import linked_help  # noqa: E402
from core.i18n import format_date, format_duration, format_number, t  # noqa: E402
from core.pricing import OVERRIDABLE, load_pricing, wind_down  # noqa: E402

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"

lang = use_page_language()  # also passed to format_func: widgets may be re-rendered outside this run
st.title(t("costs.title"))
st.caption(t("costs.intro"))
quick = workshop_note()  # workshop mode: the headline inputs only, the others keep their defaults
dates = wind_down()
st.warning(t("costs.wind_down", closed=format_date(dates.get("closed_to_new_organisations"), lang),
             no_new_jobs=format_date(dates.get("no_new_jobs_after"), lang),
             retire=format_date(dates.get("models_retire"), lang),
             retired=format_date(dates.get("already_retired"), lang)), icon="⏳")

# ---------------------------------------------------------------- 1. the dataset
st.header(t("costs.section_dataset"))
handed = st.session_state.get("lab_dataset")
sources = (["handed"] if handed else []) + ["sample", "typed"]
source = st.radio(t("costs.dataset_source"), sources, key="costs_source", horizontal=True,
                  format_func=lambda s: t(f"costs.source_{s}", lang, name=(handed or {}).get("name", "")))
if source == "handed":
    dataset = costs.DatasetSpec(path=handed["path"], name=handed.get("name", ""))
    st.caption(t("costs.handed_caption", name=handed.get("name", "")))
elif source == "sample":
    from core.dataset.samples import list_samples

    samples = [s for s in list_samples() if s["format"] in ("chat", "dpo") and "broken" not in s["file"]]
    chosen = st.selectbox(t("costs.sample_label"), samples, key="costs_sample",
                          format_func=lambda s: t(s["title_key"], lang), help=t("costs.sample_help"))
    dataset = costs.DatasetSpec(path=chosen["path"], name=t(chosen["title_key"]))
else:
    left, right = st.columns(2)
    dataset = costs.DatasetSpec(
        n_examples=left.number_input(t("costs.field.examples"), value=1000, step=100, key="costs_examples",
                                     help=t("costs.examples_help")),
        tokens_per_example=right.number_input(t("costs.field.tokens_per_example"), value=500, step=50,
                                              key="costs_tokens_per_example",
                                              help=linked_help("costs_tokens_per_example", t("costs.tokens_per_example_help"))))

# ---------------------------------------------------------------- 2. model, epochs, prices, currency
st.header(t("costs.section_model"))
models = load_pricing()
names = list(models)
preferred = (handed or {}).get("model") if source == "handed" else None
default_name = preferred if preferred in models else DEFAULT_MODEL
col_model, col_epochs, col_n = st.columns([3, 1, 1])
model_name = col_model.selectbox(
    t("costs.model_label"), names, index=names.index(default_name), key="costs_model", help=t("costs.model_help"),
    format_func=lambda n: f"{costs.model_label(models[n], lang)} · {t('costs.status_' + models[n].status(), lang)}")
price = models[model_name]
epochs_mode = "auto" if quick else col_epochs.radio(
    t("costs.epochs_label"), ["auto", "fixed"], key="costs_epochs_mode", format_func=lambda m: t(f"costs.epochs_mode_{m}", lang),
    help=linked_help("costs_epochs_mode", t("costs.epochs_help")))
epochs = "auto"
if epochs_mode == "fixed":
    epochs = col_n.number_input(t("costs.field.epochs"), value=3, step=1, key="costs_epochs",
                                help=linked_help("costs_epochs", t("costs.epochs_help")))
for level, note in costs.model_notes(price, lang):
    getattr(st, level)(note)



def price_overrides() -> dict:
    """The price boxes (prefilled with the published prices) and their reset button."""
    found = {}
    with st.expander(t("costs.prices_expander", model=costs.model_label(price, lang)), expanded=False):
        st.caption(t("costs.prices_caption", source=price.source, checked=price.checked))
        cols = st.columns(3)
        for i, field in enumerate(f for f in OVERRIDABLE if price.default(f) is not None):
            label = t(f"costs.price.{field}") + (" ⚠" if field in price.uncertain else "")
            found[field] = cols[i % 3].number_input(
                label, value=float(price.default(field)), step=0.01, format="%.4f", key=f"costs_price_{model_name}_{field}",
                help=t("costs.price_help_uncertain" if field in price.uncertain else "costs.price_help",
                       default=price.default(field)))
        if st.button(t("costs.reset_prices"), key="costs_reset_prices"):
            for field in OVERRIDABLE:
                st.session_state.pop(f"costs_price_{model_name}_{field}", None)
            st.rerun()
    return found


overrides = {} if quick else price_overrides()  # workshop mode: the published prices

col_cur, col_rate = st.columns(2)
currency = col_cur.text_input(t("costs.currency_label"), value="USD", max_chars=3, key="costs_currency",
                              help=t("costs.currency_help"))
rate = col_rate.number_input(t("costs.rate_label", currency=(currency or "").upper()), value=5.30, step=0.05,
                             format="%.4f", key="costs_rate", help=t("costs.rate_help"),
                             disabled=(currency or "").strip().upper() == "USD")

training_box = st.container()

# ---------------------------------------------------------------- 4. monthly usage inputs
st.header(t("costs.section_usage"))
st.caption(t("costs.usage_caption"))
WIDGET_KEYS = {"queries_per_month": "costs_queries"}  # the others are costs_<field>
typed_usage = {}
row1, row2 = st.columns(3), st.columns(3)
for column, name in zip([*row1, row2[0]], costs.usage_counts()[:4]):  # RAG context: k × chunk size below
    spec = costs.usage_field(name)  # label, tooltip, default and step from UsageSpec
    key = WIDGET_KEYS.get(name, f"costs_{name}")
    if quick and name != "queries_per_month":  # workshop mode: the volume only, typical token counts
        typed_usage[name] = spec["default"]
        continue
    typed_usage[name] = column.number_input(t(spec["label"]), value=spec["default"], step=spec["step"],
                                            key=key, help=linked_help(key, t(spec["help"])))
k_chunks, chunk_tokens, cached = costs.RAG_CHUNKS, costs.CHUNK_TOKENS, False  # workshop mode keeps these
if not quick:
    k_chunks = row2[1].number_input(t("costs.field.rag_chunks"), value=costs.RAG_CHUNKS, step=1, key="costs_rag_k",
                                    help=linked_help("costs_rag_k", t("costs.rag_k_help")))
    chunk_tokens = row2[2].number_input(t("costs.field.chunk_tokens"), value=costs.CHUNK_TOKENS, step=50,
                                        key="costs_chunk_tokens",
                                        help=linked_help("costs_chunk_tokens", t("costs.chunk_help")))
    cached = st.checkbox(t("costs.cached_label"), key="costs_cached", help=linked_help("costs_cached", t("costs.cached_help")))

with training_box, friendly_errors():  # a bad number is explained right under the dataset and model inputs
    usage = costs.UsageSpec(**typed_usage, rag_context_tokens=costs.rag_context_tokens(k_chunks, chunk_tokens),
                            cached_instructions=cached)
    with st.spinner(t("costs.counting")):
        est = costs.estimate_costs(model_name, dataset, epochs=epochs, usage=usage, overrides=overrides,
                                   currency=currency or "", exchange_rate=rate, compare=True)
    mark_step("cost")  # the guided path on Home ticks "cost" once a bill was shown


def usd(value: float | None) -> str:
    """One USD amount, escaped for Markdown (metric boxes, captions and tooltips are Markdown)."""
    return costs.markdown_money(costs.format_money(value, lang=lang))


def money(value: float | None, markdown: bool = True) -> str:
    """USD, and the chosen currency beside it ("$0.27 · R$ 1.43": escaped, or `$…$` draws as LaTeX)."""
    text = costs.format_money(value, lang=lang)
    if est.currency != "USD" and value is not None:
        text += f" · {costs.format_money(value, est.currency, est.exchange_rate, lang)}"
    return costs.markdown_money(text) if markdown else text


# ---------------------------------------------------------------- 3. the training bill (drawn above)
with training_box:
    st.header(t("costs.section_training"))
    p = est.price
    if p.overridden:
        st.info(t("costs.overridden_banner", fields=", ".join(
            t("costs.overridden_item", name=t(f"costs.price.{f}"), old=usd(p.default(f)),
              new=usd(getattr(p, f))) for f in OVERRIDABLE if f in p.overridden)), icon="✏️")
    m1, m2, m3 = st.columns(3)
    m1.metric(t("costs.metric_billed"), format_number(est.training.billed_tokens, lang),
              help=t("costs.metric_billed_help", per_epoch=format_number(est.dataset.billed_tokens_per_epoch, lang),
                     epochs=est.training.epochs))
    m2.metric(t("costs.metric_epochs"), f"{est.training.epochs} ({t('costs.epochs_mode_' + est.training.epochs_mode)})")
    if est.training.usd is None:
        m3.metric(t("costs.metric_training"), t("costs.per_hour_training", price=usd(p.training_per_hour)))
    else:
        m3.metric(t("costs.metric_training") + (" ✎" if "training" in p.overridden else ""), money(est.training.usd))
    st.caption(t("costs.training_formula", tokens=format_number(est.training.billed_tokens, lang),
                 price=usd(p.training), usd=usd(est.training.usd)))
    if est.dataset.truncated_examples:
        st.warning(t("costs.truncated_note", n=format_number(est.dataset.truncated_examples, lang)))
    st.subheader(t("costs.compare_title"))
    table = pd.DataFrame([{
        t("costs.col_model"): r["label"] + (" ✎" if r["overridden"] else "") + (" ⚠" if r["uncertain"] else ""),
        t("costs.col_status"): t(f"costs.status_{r['status']}"),
        t("costs.col_billed"): format_number(r["billed_tokens"], lang),  # in the page's language, as the metrics
        t("costs.col_epochs"): r["epochs"],
        t("costs.col_price"): costs.format_money(r["price_per_1m"], lang=lang),
        t("costs.col_cost"): money(r["training_usd"], markdown=False),
    } for r in est.comparison])
    st.dataframe(table, hide_index=True, width="stretch", key="costs_compare_table")
    bar_inputs = (est.comparison, model_name, est.currency, est.exchange_rate)  # built once per bill (page_cache)
    st.plotly_chart(figure("costs_bar", content_key(*bar_inputs), lambda: training_bar_chart(*bar_inputs)),
                    key="costs_bar_chart")
    st.caption(t("costs.compare_caption"))

# ---------------------------------------------------------------- 4. monthly usage results
st.subheader(t("costs.monthly_title"))
cols = st.columns(3)
for col, key in zip(cols, ("base", "fine_tuned", "rag")):
    col.metric(t(f"costs.setup_{key}"), money(getattr(est.monthly, key)),
               help=t("costs.monthly_metric_help", prompt=format_number(est.monthly.prompt_tokens[key], lang),
                      answer=format_number(est.usage.answer_tokens, lang),
                      per_query=usd(est.monthly.per_query[key])))
if est.monthly.hosting:
    st.caption(t("costs.hosting_note", money=money(est.monthly.hosting)))
st.markdown(t("costs.first_month", base=money(est.first_month["base"]), fine_tuned=money(est.first_month["fine_tuned"]),
              rag=money(est.first_month["rag"])))
even_inputs = (est.break_even, est.currency, est.exchange_rate)
st.plotly_chart(figure("costs_break_even", content_key(*even_inputs), lambda: break_even_chart(*even_inputs)),
                key="costs_break_even_chart")
st.success(costs.payback_sentence(est.break_even, lang))

# ---------------------------------------------------------------- 5. local training
st.header(t("costs.section_local"))
st.caption(t("costs.local_caption"))
presets = costs.gpu_presets()
cpu = costs.cpu_defaults()
device = "cpu" if quick else st.selectbox(t("costs.local_device"), ["cpu", *presets], key="costs_local_device",
                                          format_func=lambda k: t("costs.local_cpu", lang) if k == "cpu" else presets[k].label)
reference_params = cpu["reference_params_b"] if device == "cpu" else presets[device].reference_params_b
# workshop mode: this machine, the embedded model (135M parameters), its power draw and tariff
params_b, own, kwh, watts, rent = 0.135, True, cpu["usd_per_kwh"], float(cpu["watts"]), 0.0
if not quick:
    l1, l2, l3 = st.columns(3)
    params_b = l1.number_input(t("costs.field.params_b"), value=0.135, step=0.1, format="%.3f", key="costs_params_b",
                               help=linked_help("costs_params_b", t("costs.params_help")))
    own = l2.toggle(t("costs.own_hardware"), value=device == "cpu", key=f"costs_own_{device}", help=t("costs.own_help"))
    kwh = l3.number_input(t("costs.field.usd_per_kwh"), value=cpu["usd_per_kwh"], step=0.01, key="costs_kwh",
                          help=t("costs.kwh_help"), disabled=not own)
    l4, l5, _ = st.columns(3)
    watts = l4.number_input(t("costs.field.watts"), value=float(cpu["watts"] if device == "cpu" else presets[device].watts),
                            step=10.0, key=f"costs_watts_{device}", help=t("costs.watts_help"), disabled=not own)
if not own:
    rent = l5.number_input(t("costs.field.usd_per_hour"),
                           value=float(0.0 if device == "cpu" else presets[device].usd_per_hour), step=0.05,
                           key=f"costs_rent_{device}",
                           help=t("costs.rent_help", source="" if device == "cpu" else presets[device].price_source))

speed = None
if device == "cpu":
    from core.calibration import calibrate, cached_calibration

    measured = cached_calibration("embedded")
    if st.button(t("costs.calibrate_button"), key="costs_calibrate", help=t("costs.calibrate_help")):
        bar = st.progress(0.0, text=t("costs.calibrating"))
        with friendly_errors():
            measured = calibrate("embedded", progress=lambda f: bar.progress(min(1.0, f), text=t("costs.calibrating")))
        bar.empty()
    if measured:
        speed = measured["tokens_per_s"]
        range_factors = costs.measured_range(measured)
        st.caption(t("costs.calibration_result", speed=format_number(speed, lang, 1), model=measured["model"],
                     seq_len=measured["seq_len"], steps=measured["steps"], memory=format_number(measured["peak_memory_mb"], lang),
                     when=format_date(measured["measured_at"], lang)))
    else:
        st.info(t("costs.calibration_missing"))
else:
    speed = presets[device].tokens_per_s
    range_factors = costs.TABLE_RANGE
    st.caption(t("costs.table_speed", speed=format_number(speed, lang), params=reference_params))

if speed:
    with friendly_errors():
        scaled = costs.scaled_tokens_per_s(speed, reference_params, params_b)
        local = costs.local_training_estimate(est.training.billed_tokens, scaled, usd_per_hour=0.0 if own else rent,
                                              watts=watts if own else 0.0, usd_per_kwh=kwh if own else 0.0,
                                              range_factors=range_factors)
    a, b, c = st.columns(3)
    a.metric(t("costs.local_time"), format_duration(local.hours * 3600, lang),  # hours -> seconds
             help=t("costs.local_time_help", low=format_duration(local.hours_low * 3600, lang),
                    high=format_duration(local.hours_high * 3600, lang)))
    b.metric(t("costs.local_cost"), money(local.total_usd),
             help=t("costs.local_cost_help", rent=usd(local.rent_usd),
                    kwh=format_number(local.energy_kwh, lang, 2), power=usd(local.electricity_usd)))
    c.metric(t("costs.local_range"), f"{money(local.total_low)} – {money(local.total_high)}")
    st.caption(t("costs.local_range_explained_measured" if device == "cpu" else "costs.local_range_explained_table",
                 low=format_number(local.range_factors[0], lang, 2), high=format_number(local.range_factors[1], lang, 2),
                 speed=format_number(local.tokens_per_s, lang, 1)))
st.info(t("costs.alternatives"), icon="🧭")

# ---------------------------------------------------------------- 6. export
st.header(t("costs.section_export"))
e1, e2 = st.columns(2)
slug = model_name.replace("/", "-")
e1.download_button(t("costs.export_markdown"), costs.to_markdown(est, lang), file_name=f"cost-estimate-{slug}.md",
                   mime="text/markdown", key="costs_download_md")
e2.download_button(t("costs.export_csv"), costs.to_csv(est, lang), file_name=f"cost-estimate-{slug}.csv",
                   mime="text/csv", key="costs_download_csv")
