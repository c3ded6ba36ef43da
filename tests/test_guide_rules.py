"""The decision guide's rule table: every rule alone, the conflicts between them, the decision."""
from __future__ import annotations

import pytest

from core.errors import InputError
from core.guide import RULE_IDS, RULES, THRESHOLD, Volumes, compute, parse_answers, recommend
from core.guide.answers import Answers
from core.guide.rules import Case
from core.i18n import catalogue

SPEED = (155.0, "calibration")   # tokens/s: README's bench figure, so tests skip the torch probe


def figures(answers: Answers, **volumes):
    return compute(answers, Volumes(**volumes), tokens_per_s=SPEED)


def fired(data: dict, **volumes) -> set[str]:
    answers = parse_answers(data)
    return {rule.id for rule in RULES if rule.condition(Case(answers, figures(answers, **volumes)))}


def decide(data: dict, **volumes):
    answers = parse_answers(data)
    return recommend(answers, figures=figures(answers, **volumes))


# One answer set per rule that makes it fire, and one that is closest to it without firing.
FIRES = {
    "documents_goal": ({"goals": ["answer_questions_from_documents"]}, {"goals": ["domain_language"]}),
    "needs_citations": ({"needs_citations": True}, {"needs_citations": False}),
    "knowledge_changes_often": ({"knowledge_changes": "monthly"}, {"knowledge_changes": "yearly"}),
    "knowledge_stable": ({"knowledge_changes": "yearly", "goals": ["fixed_output_format"]},
                         {"knowledge_changes": "yearly", "goals": ["answer_questions_from_documents"]}),
    "style_goal": ({"goals": ["consistent_style_or_tone"]}, {"goals": ["fixed_output_format"]}),
    "format_goal": ({"goals": ["fixed_output_format"]}, {"goals": ["classify_or_route"]}),
    "classify_goal": ({"goals": ["classify_or_route"]}, {"goals": ["extract_structured_data"]}),
    "extract_goal": ({"goals": ["extract_structured_data"]}, {"goals": ["classify_or_route"]}),
    "domain_language_goal": ({"goals": ["domain_language"]}, {"goals": ["consistent_style_or_tone"]}),
    "latency_cost_goal": ({"goals": ["reduce_latency_or_cost"]}, {"goals": ["domain_language"]}),
    "examples_below_minimum": ({"examples": 9}, {"examples": 10}),
    "examples_few": ({"examples": 99}, {"examples": 100}),
    "examples_enough": ({"examples": 100}, {"examples": 500}),
    "examples_plenty": ({"examples": 500}, {"examples": 499}),
    "prompting_not_tried": ({"tried_prompting": False}, {"tried_prompting": True}),
    "prompting_measured": ({"tried_prompting": True, "goals": ["classify_or_route"]},
                           {"tried_prompting": True, "goals": ["answer_questions_from_documents"]}),
    # 1,000 examples × 500 tokens × 3 epochs × $3/1M = $4.50 training (gpt-4o-mini)
    "budget_below_training": ({"examples": 1000, "monthly_budget_usd": 4}, {"examples": 1000, "monthly_budget_usd": 5}),
    # RAG: 10,000 × (2,400 in × $0.15 + 300 out × $0.60)/1M = $5.40 a month
    "budget_below_rag": ({"monthly_budget_usd": 5}, {"monthly_budget_usd": 6}),
    "fine_tune_pays_back": ({"goals": ["reduce_latency_or_cost"], "examples": 100},
                            {"goals": ["consistent_style_or_tone"], "examples": 100}),
    "fine_tune_never_pays_back": ({"goals": ["reduce_latency_or_cost"], "examples": 100},
                                  {"goals": ["reduce_latency_or_cost"], "examples": 100}),
    "openai_winding_down": ({"goals": ["domain_language"]}, {"goals": ["answer_questions_from_documents"]}),
}
# Volumes for the two payback rules. Short answers (a label, 10 tokens): the fine-tune's 200-token
# prompt beats the base model's 1,200 (per query $0.000072 vs $0.000186), so it pays back; with
# 300-token answers its doubled output price ($1.20 vs $0.60 per 1M) eats the saving: never.
SHORT = {"answer_tokens": 10}
VOLUMES = {"fine_tune_pays_back": (SHORT, {}), "fine_tune_never_pays_back": ({}, SHORT)}


def test_every_rule_has_a_case_and_a_sentence_in_both_languages():
    assert sorted(FIRES) == sorted(RULE_IDS)
    assert len(set(RULE_IDS)) == len(RULE_IDS)
    for rule in RULES:
        assert rule.favors in ("rag", "fine_tune")
        for lang in ("en", "pt-BR"):
            assert rule.message_key in catalogue(lang), (rule.id, lang)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_fires_on_its_case_and_not_on_its_neighbour(rule_id):
    firing, neighbour = FIRES[rule_id]
    on, off = VOLUMES.get(rule_id, ({}, {}))
    assert rule_id in fired(firing, **on)
    assert rule_id not in fired(neighbour, **off)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_sentence_is_filled_in(rule_id):
    firing, _ = FIRES[rule_id]
    result = decide(firing, **VOLUMES.get(rule_id, ({}, {}))[0])
    for lang in ("en", "pt-BR"):
        texts = {r["rule"]: r["text"] for r in result.reasons(lang)}
        assert "{" not in texts[rule_id] and "guide.rule" not in texts[rule_id], texts[rule_id]


def test_no_answers_means_prompting_first_with_the_reason_said():
    result = decide({})
    assert result.recommendation == "prompting_first"
    assert [r["rule"] for r in result.reasons()] == ["no_rule_fired"]


def test_documents_alone_is_rag():
    assert decide({"goals": ["answer_questions_from_documents"]}).recommendation == "rag"


def test_behaviour_with_data_and_a_baseline_is_fine_tune():
    result = decide({"goals": ["consistent_style_or_tone", "fixed_output_format"], "examples": 800,
                     "tried_prompting": True, "knowledge_changes": "never"})
    assert result.recommendation == "fine_tune"
    assert result.scores["fine_tune"] == 2 + 2 + 1 + 1 + 0.5


def test_citations_and_style_with_data_is_both():
    result = decide({"goals": ["consistent_style_or_tone"], "needs_citations": True, "examples": 300,
                     "tried_prompting": True})
    assert result.recommendation == "rag_and_fine_tune"


def test_too_few_examples_outweighs_a_style_goal():
    # The example: fewer than 100 examples -> fine-tuning will not pay off yet.
    result = decide({"goals": ["consistent_style_or_tone"], "examples": 40})
    assert result.recommendation == "prompting_first"
    assert result.scores["fine_tune"] == 2 - 3 < THRESHOLD
    text = {r["rule"]: r["text"] for r in result.reasons("en")}["examples_few"]
    assert text.startswith("Fewer than 100 examples (40)")


def test_no_baseline_blocks_fine_tuning_but_not_rag():
    result = decide({"goals": ["answer_questions_from_documents", "consistent_style_or_tone"], "examples": 300,
                     "tried_prompting": False})
    assert result.recommendation == "rag"
    assert result.scores == {"rag": 3.0, "fine_tune": 2 + 0.5 - 3}


def test_changing_knowledge_tips_a_behaviour_case_to_both():
    stable = decide({"goals": ["classify_or_route"], "examples": 600, "tried_prompting": True,
                     "knowledge_changes": "never"})
    daily = decide({"goals": ["classify_or_route"], "examples": 600, "tried_prompting": True,
                    "knowledge_changes": "daily"})
    assert (stable.recommendation, daily.recommendation) == ("fine_tune", "rag_and_fine_tune")


def test_a_tight_budget_pulls_both_sides_down():
    result = decide({"goals": ["answer_questions_from_documents", "consistent_style_or_tone"], "examples": 1000,
                     "tried_prompting": True, "monthly_budget_usd": 1})
    assert {"budget_below_training", "budget_below_rag"} <= {r.id for r in result.fired}
    assert result.scores == {"rag": 3 - 1, "fine_tune": 2 + 1 + 1 - 2}
    assert result.recommendation == "rag_and_fine_tune"


def test_costs_are_the_cost_calculators():
    from core import costs

    result = decide({"examples": 1000})
    usage = costs.UsageSpec()
    price = costs.estimate_costs("gpt-4o-mini-2024-07-18",
                                 costs.DatasetSpec(n_examples=1000, tokens_per_example=500), usage=usage)
    f = result.figures
    assert f.training_usd == pytest.approx(price.training.usd) == pytest.approx(4.5)
    assert f.monthly["rag"] == pytest.approx(price.monthly.rag)
    assert f.per_query["fine_tune"] == pytest.approx(price.monthly.per_query["fine_tuned"])


@pytest.mark.parametrize("bad", [
    [1, 2], {"goals": "consistent_style_or_tone"}, {"goals": ["make_coffee"]}, {"examples": -1},
    {"examples": 2.5}, {"examples": True}, {"examples": "100"}, {"knowledge_changes": "hourly"},
    {"needs_citations": "yes"}, {"monthly_budget_usd": -5}, {"colour": "blue"},
])
def test_bad_answers_are_one_line_errors(bad):
    with pytest.raises(InputError) as caught:
        parse_answers(bad)
    message = caught.value.message("en")
    assert "\n" not in message and len(message) < 300
