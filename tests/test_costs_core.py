"""Cost calculator core: the pricing data file, exact bills, overrides, bad input, exports."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pytest

from core import costs
from core.costs import DatasetSpec, UsageSpec
from core.errors import InputError
from core.i18n import format_duration
from core.paths import REPO_ROOT
from core.pricing import get_price, gpu_table, load_pricing, trainable_models, wind_down

SUPPORT_EN = str(REPO_ROOT / "assets" / "samples" / "support_en.jsonl")

# The reference table (../shared/reference/openai-fine-tuning.md), USD per 1M tokens:
# training, ft in / cached / out, base in / cached / out.
REFERENCE = {
    "gpt-4.1-2025-04-14": (25.00, 3.00, 0.75, 12.00, 2.00, 0.50, 8.00),
    "gpt-4.1-mini-2025-04-14": (5.00, 0.80, 0.20, 3.20, 0.40, 0.10, 1.60),
    "gpt-4.1-nano-2025-04-14": (1.50, 0.20, 0.05, 0.80, 0.10, 0.025, 0.40),
    "gpt-4o-2024-08-06": (25.00, 3.75, 1.875, 15.00, 2.50, 1.25, 10.00),
    "gpt-4o-mini-2024-07-18": (3.00, 0.30, 0.15, 1.20, 0.15, 0.075, 0.60),
    "gpt-3.5-turbo-0125": (8.00, 3.00, None, 6.00, 0.50, None, 1.50),
}
FIELDS = ("training", "ft_input", "ft_cached_input", "ft_output", "base_input", "base_cached_input", "base_output")


# ------------------------------------------------------------------------------ the data file
@pytest.mark.parametrize("model", sorted(REFERENCE))
def test_data_file_has_the_reference_prices(model):
    price = get_price(model)
    assert tuple(getattr(price, f) for f in FIELDS) == REFERENCE[model]
    assert price.source and price.checked == "2026-11-29"


def test_every_entry_is_dated_sourced_and_the_wind_down_is_recorded():
    models = load_pricing()
    assert {"o4-mini-2025-04-16", "legacy_course_example"} <= set(models)
    assert any(p.provider == "azure" for p in models.values())
    for price in models.values():
        assert price.source and price.checked
        assert price.uncertain <= set(price.prices()) | {"max_tokens_per_example", "context_length"}
    assert all(p.uncertain for p in models.values() if p.provider == "azure")  # recalled, marked as such
    dates = wind_down()
    assert str(dates["no_new_jobs_after"]) == "2027-01-06" and str(dates["models_retire"]) == "2027-01-14"


def test_status_follows_the_dates():
    mini, nano = get_price("gpt-4o-mini"), get_price("gpt-4.1-nano")
    assert mini.status(dt.date(2026, 11, 29)) == "available"
    assert mini.status(dt.date(2027, 1, 7)) == "no_new_jobs"
    assert mini.status(dt.date(2027, 1, 14)) == "retired"
    assert nano.status(dt.date(2026, 11, 29)) == "retired"
    assert get_price("gpt-3.5-turbo").status(dt.date(2026, 10, 23)) == "retired"
    assert get_price("legacy_course_example").status() == "example"


def test_per_example_limits_agree_with_the_inspector():
    from core.dataset import token_limit

    for price in load_pricing().values():
        if price.provider in ("openai", "azure") and price.max_tokens_per_example:
            assert price.max_tokens_per_example == token_limit(costs.tokenizer_model(price)), price.name


def test_gpu_table_speeds_follow_the_written_formula():
    table = gpu_table()
    ref = table["reference_params_b"] * 1e9
    for key, entry in table["presets"].items():
        derived = entry["mfu"] * entry["peak_tflops"] * 1e12 / (4 * ref)
        assert entry["tokens_per_s"] == pytest.approx(derived, rel=0.01), key
    presets = costs.gpu_presets()
    assert presets["nvidia-a100-80gb"].tokens_per_s == 39000 and presets["nvidia-t4"].watts == 70


def test_user_pricing_file_overrides_the_bundled_one(lab_home):
    (lab_home / "pricing.yaml").write_text("models:\n  gpt-4o-mini-2024-07-18:\n    training: 9.5\n")
    assert get_price("gpt-4o-mini").training == 9.5
    assert get_price("gpt-4o-mini").ft_input == 0.30  # untouched fields stay
    (lab_home / "pricing.yaml").write_text("models:\n  gpt-4o-mini-2024-07-18:\n    training: -1\n")
    with pytest.raises(InputError) as err:
        load_pricing()
    assert err.value.key == "costs.error_pricing_file" and "training" in err.value.message()


# ------------------------------------------------------------------------------ model names
def test_names_aliases_and_fine_tuned_models():
    assert get_price("gpt-4o-mini").name == "gpt-4o-mini-2024-07-18"
    assert get_price("GPT-4O-MINI-2024-07-18").name == "gpt-4o-mini-2024-07-18"
    assert get_price("ft:gpt-4o-mini-2024-07-18:my-org:support:7q8mpxmy").name == "gpt-4o-mini-2024-07-18"
    assert get_price("ft:gpt-4.1-2025-04-14:org::abc:ckpt-step-30").name == "gpt-4.1-2025-04-14"
    with pytest.raises(InputError) as err:
        get_price("gpt-9-turbo")
    text = err.value.message("en")
    assert "gpt-9-turbo" in text and "gpt-4o-mini-2024-07-18" in text and "legacy_course_example" in text


# ------------------------------------------------------------------------------ exact bills
@pytest.mark.parametrize("model, usd", [
    ("gpt-4o-mini-2024-07-18", 0.90),   # the OpenAI guide's own cross-check
    ("gpt-3.5-turbo-0125", 2.40),       # idem
    ("gpt-4.1-2025-04-14", 7.50),
    ("gpt-4.1-nano-2025-04-14", 0.45),
    ("gpt-4o-2024-08-06", 7.50),
])
def test_training_cost_100k_tokens_3_epochs(model, usd):
    price = get_price(model)
    tokens = costs.billed_tokens(DatasetSpec(n_examples=1000, tokens_per_example=100), price)
    cost = costs.training_cost(price, tokens, 3)
    assert (cost.billed_tokens, cost.epochs) == (300_000, 3)
    assert cost.usd == pytest.approx(usd)
    assert costs.training_cost_usd(model, 300_000) == pytest.approx(usd)


def test_auto_epochs_come_from_the_inspectors_rule():
    from core.dataset import auto_epochs

    price = get_price("gpt-4o-mini")
    for n, expected in ((10, 10), (100, 3), (20_000, 1)):
        tokens = costs.billed_tokens(DatasetSpec(n_examples=n, tokens_per_example=50), price)
        cost = costs.training_cost(price, tokens, "auto")
        assert cost.epochs == auto_epochs(n) == expected
        assert cost.billed_tokens == n * 50 * expected


def test_examples_over_the_limit_are_billed_up_to_it():
    price = get_price("gpt-3.5-turbo-0125")
    tokens = costs.billed_tokens(DatasetSpec(n_examples=10, tokens_per_example=20_000), price)
    assert tokens.billed_tokens_per_epoch == 10 * 16_385 and tokens.truncated_examples == 10
    assert tokens.tokens_total == 200_000


def test_inference_cost_per_answer():
    assert costs.inference_cost_usd("gpt-4o-mini", 1000, 500) == pytest.approx(0.00045)
    assert costs.inference_cost_usd("gpt-4o-mini", 1000, 500, fine_tuned=True) == pytest.approx(0.0009)
    assert costs.inference_cost_usd("ft:gpt-4o-mini-2024-07-18:o:s:1", 1000, 500) == pytest.approx(0.0009)
    # 400 uncached × 2.50 + 600 cached × 1.25 = 1,750 per 1M
    assert costs.inference_cost_usd("gpt-4o", 1000, 0, cached_in=600) == pytest.approx(0.00175)
    # gpt-3.5 had no cached price: cached tokens cost the normal input price
    assert costs.inference_cost_usd("gpt-3.5-turbo", 1000, 0, cached_in=600) == pytest.approx(0.0005)
    for bad in (-1, float("nan"), "many", None, 1.5):
        with pytest.raises(InputError):
            costs.inference_cost_usd("gpt-4o-mini", bad, 10)
    with pytest.raises(InputError):
        costs.inference_cost_usd("gpt-4o-mini", 10, 10, cached_in=11)


def test_monthly_bill_of_the_three_setups():
    monthly = costs.monthly_costs(get_price("gpt-4o-mini"), UsageSpec())
    # 10,000 × (1,200 × 0.15 + 300 × 0.60) / 1M; 10,000 × (200 × 0.30 + 300 × 1.20) / 1M; RAG adds 1,200 in
    assert (monthly.base, monthly.fine_tuned, monthly.rag) == pytest.approx((3.60, 4.20, 5.40))
    assert monthly.prompt_tokens == {"base": 1200, "fine_tuned": 200, "rag": 2400}
    cached = costs.monthly_costs(get_price("gpt-4o-mini"), UsageSpec(cached_instructions=True))
    assert cached.base == pytest.approx(10_000 * (200 * 0.15 + 1000 * 0.075 + 300 * 0.60) / 1e6)
    azure = costs.monthly_costs(get_price("azure/gpt-4o-mini"), UsageSpec())
    assert azure.hosting == pytest.approx(1.70 * 730)
    assert azure.fine_tuned == pytest.approx(10_000 * (200 * 0.165 + 300 * 0.66) / 1e6 + 1.70 * 730)


def test_rag_context_is_chunks_times_chunk_size():
    assert costs.rag_context_tokens(4, 300) == 1200
    with pytest.raises(InputError):
        costs.rag_context_tokens(-1, 300)


# ------------------------------------------------------------------------------ the course's worked example
def test_the_course_worked_example_with_its_legacy_prices():
    est = costs.estimate_costs("legacy_course_example", DatasetSpec(n_examples=1000, tokens_per_example=500), epochs=1,
                         usage=UsageSpec(queries_per_month=10_000, prompt_tokens=300, answer_tokens=200))
    assert est.training.billed_tokens == 500_000
    assert est.training.usd == pytest.approx(4.0)
    assert est.monthly.fine_tuned == pytest.approx(60.0)
    assert est.first_month["fine_tuned"] == pytest.approx(64.0)


def test_the_worked_example_through_overrides_of_another_model():
    est = costs.estimate_costs("gpt-4o-mini", DatasetSpec(n_examples=1000, tokens_per_example=500), epochs=1,
                         usage=UsageSpec(queries_per_month=10_000, prompt_tokens=250, answer_tokens=250),
                         overrides={"training": 8, "ft_input": "12", "ft_output": 12.0, "base_input": 0.15})
    assert (est.training.usd, est.monthly.fine_tuned, est.first_month["fine_tuned"]) == pytest.approx((4, 60, 64))
    assert est.price.overridden == {"training", "ft_input", "ft_output"}  # 0.15 equals the data file
    data = est.to_dict()
    assert data["overridden"] == ["ft_input", "ft_output", "training"]
    assert data["monthly_usd"]["fine_tuned"] == 60.0 and data["training_usd"] == 4.0


# ------------------------------------------------------------------------------ overrides and bad input
def test_overrides_are_marked_and_reversible():
    price = get_price("gpt-4o")
    changed = price.with_overrides({"ft_output": 20})
    assert changed.ft_output == 20 and changed.overridden == {"ft_output"} and changed.default("ft_output") == 15.0
    back = changed.with_overrides({"ft_output": 15})
    assert back.ft_output == 15 and back.overridden == frozenset()
    with pytest.raises(InputError) as err:
        price.with_overrides({"discount": 1})
    assert err.value.key == "costs.error_unknown_price_field"


def test_empty_override_keeps_the_data_file_price_but_garbage_does_not():
    price = get_price("gpt-4o-mini").with_overrides({"training": "", "ft_input": None})
    assert price.training == 3.0 and not price.overridden
    for raw, key in (("cheap", "costs.error_price_not_number"), ("nan", "costs.error_price_not_finite"),
                     (float("inf"), "costs.error_price_not_finite"), (-0.5, "costs.error_price_negative"),
                     (1e9, "costs.error_price_too_large"), (True, "costs.error_price_not_number")):
        with pytest.raises(InputError) as err:
            get_price("gpt-4o-mini").with_overrides({"training": raw})
        assert err.value.key == key
        assert "Training" in err.value.message("en") and "Treino" in err.value.message("pt-BR")


@pytest.mark.parametrize("raw, key", [
    (None, "costs.error_empty"), ("", "costs.error_empty"), ("  ", "costs.error_empty"),
    ("abc", "costs.error_not_number"), (True, "costs.error_not_number"), ([1], "costs.error_not_number"),
    ("nan", "costs.error_not_finite"), (float("nan"), "costs.error_not_finite"), ("-inf", "costs.error_not_finite"),
    (-5, "costs.error_negative"), ("-1", "costs.error_negative"), (0, "costs.error_zero"),
    (2.5, "costs.error_not_whole"), (1e20, "costs.error_too_large"), ("10" * 30, "costs.error_too_large"),
])
def test_bad_counts_give_clear_messages(raw, key):
    with pytest.raises(InputError) as err:
        costs.billed_tokens(DatasetSpec(n_examples=raw, tokens_per_example=500), get_price("gpt-4o-mini"))
    assert err.value.key == key
    message = err.value.message("en")
    assert message.startswith("Training examples") and "between 1 and 100,000,000" in message
    assert err.value.message("pt-BR").startswith("Exemplos de treino")


def test_thousands_separators_and_scientific_notation_are_accepted():
    assert costs.parse_count("1,000", "examples") == 1000
    assert costs.parse_count("1_000", "examples") == 1000
    assert costs.parse_count("1e3", "examples") == 1000
    assert costs.parse_epochs("auto") == "auto" and costs.parse_epochs(" 4 ") == 4
    for bad in ("0", "51", "three", "nan"):
        with pytest.raises(InputError):
            costs.parse_epochs(bad)


def test_bad_usage_and_currency_never_produce_nan():
    spec = DatasetSpec(n_examples=100, tokens_per_example=100)
    for usage in (UsageSpec(queries_per_month=0), UsageSpec(prompt_tokens="x"), UsageSpec(answer_tokens=float("inf")),
                  UsageSpec(instruction_tokens=-1), UsageSpec(queries_per_month=10**13)):
        with pytest.raises(InputError):
            costs.estimate_costs("gpt-4o-mini", spec, usage=usage)
    for code, rate in (("R$", 5), ("BRL", 0), ("BRL", "nan"), ("BRL", None), ("", 1)):
        with pytest.raises(InputError):
            costs.estimate_costs("gpt-4o-mini", spec, currency=code, exchange_rate=rate)


# ------------------------------------------------------------------------------ break-even
def test_break_even_month_and_sentences():
    monthly = costs.MonthlyCost(base=50, fine_tuned=30, rag=40, per_query={}, prompt_tokens={}, hosting=0)
    result = costs.break_even(100, monthly)
    # saves 20/month against base: 100 / 20 = month 5; 10/month against RAG: month 10
    assert (result.month_vs_base, result.month_vs_rag) == (5, 10)
    assert result.fine_tuned[5] == 250 and result.base[5] == 250 and len(result.months) == 13
    assert "month 5" in costs.payback_sentence(result, "en") and "mês 5" in costs.payback_sentence(result, "pt-BR")
    later = costs.break_even(1000, monthly)
    assert later.month_vs_base is None and later.months_needed_vs_base == 50
    assert "50 months" in costs.payback_sentence(later, "en")
    never = costs.break_even(10, costs.MonthlyCost(base=5, fine_tuned=6, rag=5, per_query={}, prompt_tokens={},
                                                    hosting=0))
    assert never.month_vs_base is None and never.months_needed_vs_base is None
    assert "never pays back within 12 months" in costs.payback_sentence(never, "en")


# ------------------------------------------------------------------------------ billed tokens = the inspector's
@pytest.mark.parametrize("model", ["gpt-4o-mini-2024-07-18", "gpt-3.5-turbo-0125"])
def test_billed_tokens_equal_the_inspectors(model):
    from core.dataset import inspect_file

    report = inspect_file(SUPPORT_EN, model)
    est = costs.estimate_costs(model, DatasetSpec(path=SUPPORT_EN))
    assert est.dataset.billed_tokens_per_epoch == report.billed_tokens_per_epoch
    assert est.training.epochs == report.epochs_auto
    assert est.training.billed_tokens == report.billed_tokens
    assert est.training.usd == pytest.approx(report.billed_tokens * get_price(model).training / 1e6)


def test_comparison_counts_each_model_with_its_own_tokenizer():
    from core.dataset import inspect_file

    rows = {r["model"]: r for r in costs.compare_models(DatasetSpec(path=SUPPORT_EN), epochs=2)}
    assert set(rows) == {p.name for p in trainable_models()} and "o4-mini-2025-04-16" not in rows
    assert rows["gpt-3.5-turbo-0125"]["billed_tokens"] == 2 * inspect_file(SUPPORT_EN, "gpt-3.5-turbo-0125").billed_tokens_per_epoch
    assert rows["gpt-4o-mini-2024-07-18"]["billed_tokens"] != rows["gpt-3.5-turbo-0125"]["billed_tokens"]
    assert rows["azure/gpt-4o-mini-2024-07-18"]["billed_tokens"] == rows["gpt-4o-mini-2024-07-18"]["billed_tokens"]
    assert all(math.isfinite(r["training_usd"]) for r in rows.values())


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError) as err:
        costs.estimate_costs("gpt-4o-mini", DatasetSpec(path=str(tmp_path / "nope.jsonl")))
    assert "nope.jsonl" in err.value.message()


# ------------------------------------------------------------------------------ money and exports
def test_currency_conversion_and_formatting():
    est = costs.estimate_costs("legacy_course_example", DatasetSpec(n_examples=1000, tokens_per_example=500), epochs=1,
                         currency="brl", exchange_rate="5.5")
    assert est.currency == "BRL" and est.to_dict()["converted"]["training"] == pytest.approx(22.0)
    assert costs.format_money(4, "BRL", 5.5, "pt-BR") == "R$ 22,00"
    assert costs.format_money(1234.5, lang="en") == "$1,234.50"
    assert costs.format_money(0.00027, lang="en") == "$0.000270"
    assert costs.format_money(3, "EUR", 0.9, "en") == "EUR 2.70"


def test_markdown_and_csv_exports_carry_the_numbers_and_the_marks():
    est = costs.estimate_costs("gpt-4o-mini", DatasetSpec(n_examples=1000, tokens_per_example=500), epochs=1,
                         usage=UsageSpec(prompt_tokens=300, answer_tokens=200), overrides={"training": 8},
                         currency="BRL", exchange_rate=5, compare=True)
    md = costs.to_markdown(est, "en")
    assert "| Training | Training cost | $4.00 | R$ 20.00 | changed for this estimate |" in md
    assert "Exchange rate used: 1 USD = 5 BRL." in md
    rows = list(csv.DictReader(io.StringIO(costs.to_csv(est, "en"))))
    training = next(r for r in rows if r["Item"] == "Training cost")
    assert (training["usd"], training["brl"], training["Note"]) == ("4", "20", "changed for this estimate")
    billed = next(r for r in rows if r["Item"].startswith("Billed tokens"))
    assert billed["usd"] == billed["brl"] == "500000"   # a count is never converted
    assert sum(r["Section"] == "Training cost by model" for r in rows) == len(trainable_models())
    assert "Custo do treino" in costs.to_markdown(est, "pt-BR")


# ------------------------------------------------------------------------------ local training
def test_local_training_estimate_arithmetic():
    # 3.6M tokens at 1,000 tokens/s = 1 h; rent $2/h; range ×0.5-×2
    rented = costs.local_training_estimate(3_600_000, 1000, usd_per_hour=2.0)
    assert (rented.hours, rented.hours_low, rented.hours_high) == pytest.approx((1.0, 0.5, 2.0))
    assert (rented.total_usd, rented.total_low, rented.total_high) == pytest.approx((2.0, 1.0, 4.0))
    # own hardware: 500 W × 1 h = 0.5 kWh × $0.20 = $0.10
    own = costs.local_training_estimate(3_600_000, 1000, watts=500, usd_per_kwh=0.2, range_factors=(0.75, 1.5))
    assert (own.energy_kwh, own.electricity_usd, own.total_usd) == pytest.approx((0.5, 0.1, 0.1))
    assert own.total_high == pytest.approx(0.15)
    for bad in (0, -1, float("nan"), "fast"):
        with pytest.raises(InputError):
            costs.local_training_estimate(1000, bad)
    assert costs.scaled_tokens_per_s(1000, 0.5, 1.0) == pytest.approx(500)
    assert format_duration(0.01 * 3600, "en") == "36 s" and format_duration(30 * 3600, "pt-BR") == "30 h 00 min"


def test_measured_range_widens_with_the_step_spread():
    assert costs.measured_range(None) == costs.MEASURED_RANGE
    steady = {"tokens_per_s": 100, "tokens_per_s_min": 95, "tokens_per_s_max": 105}
    assert costs.measured_range(steady) == costs.MEASURED_RANGE
    shaky = {"tokens_per_s": 100, "tokens_per_s_min": 40, "tokens_per_s_max": 200}
    assert costs.measured_range(shaky) == pytest.approx((0.5, 2.5))


def test_per_hour_training_is_not_passed_off_as_free():
    est = costs.estimate_costs("o4-mini", DatasetSpec(n_examples=100, tokens_per_example=100), epochs=1)
    assert est.training.usd is None and est.to_dict()["training_usd"] is None
    assert "billed per hour" in costs.payback_sentence(est.break_even, "en")
    with pytest.raises(InputError):
        costs.training_cost_usd("o4-mini", 1000)


def test_model_notes_state_the_dates_in_the_users_language():
    mini = dict(costs.model_notes(get_price("gpt-4o-mini"), "pt-BR"))
    # dd/mm/aaaa in Portuguese, ISO in English: core.i18n.format_date, the one date format of the lab
    assert "06/01/2027" in mini["warning"] and "14/01/2027" in mini["warning"] and "Nenhum treino" in mini["warning"]
    assert "2026-10-23" in dict(costs.model_notes(get_price("gpt-3.5-turbo"), "en"))["error"]
    azure = dict(costs.model_notes(get_price("azure/gpt-4.1"), "en"))
    assert "$1.70 per hour" in azure["info"]
    assert "$64" in costs.model_notes(get_price("legacy_course_example"), "en")[0][1]


def test_a_broken_user_pricing_file_is_named_in_the_error(lab_home):
    (lab_home / "pricing.yaml").write_text("models:\n  gpt-4o-mini-2024-07-18:\n    ft_input: lots\n")
    with pytest.raises(InputError) as err:
        get_price("gpt-4o-mini")
    assert str(lab_home / "pricing.yaml") in err.value.message() and "ft_input" in err.value.message()
    (lab_home / "pricing.yaml").write_text("models: [oops")
    with pytest.raises(InputError):
        load_pricing()


def test_has_price_tells_hosted_from_local_models():
    assert costs.has_price("ft:gpt-4o-mini-2024-07-18:org:s:1") and costs.has_price("azure/gpt-4.1")
    assert not costs.has_price("embedded") and not costs.has_price("") and not costs.has_price(None)
