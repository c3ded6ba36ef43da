"""Evaluation metrics and statistics against direct library calls on fixed data (no model)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sacrebleu
from rouge_score import rouge_scorer
from scipy import stats as sps

from core.errors import InputError
from core.evaluation import metrics as M
from core.evaluation import stats
from core.evaluation.dataset import bundled_sets, load_examples, resolve_set

REF = "The day rental costs R$ 89, with a helmet and a lock included."
ANS = "A day rental is R$ 89 and includes a helmet."


def test_chrf_bleu_match_sacrebleu():
    assert M.chrf(ANS, REF) == pytest.approx(sacrebleu.sentence_chrf(ANS, [REF]).score)
    assert M.bleu(ANS, REF) == pytest.approx(sacrebleu.sentence_bleu(ANS, [REF]).score)
    corpus = M.corpus_scores([ANS, "x"], [REF, "y"])
    assert corpus["chrf"] == pytest.approx(sacrebleu.corpus_chrf([ANS, "x"], [[REF, "y"]]).score)


def test_rouge_l_matches_library_and_keeps_accents():
    ascii_scorer = rouge_scorer.RougeScorer(["rougeL"])
    assert M.rouge_l(ANS, REF) == pytest.approx(ascii_scorer.score(REF, ANS)["rougeL"].fmeasure)
    # The library's default tokenizer drops "ã"/"ç": "não" and "nao" would collide, "preço" split.
    pt_ref, pt_ans = "A devolução não é possível", "A devolução é possível"
    assert M.rouge_l(pt_ans, pt_ref) == pytest.approx(2 * (4 / 4) * (4 / 5) / (4 / 4 + 4 / 5))
    assert M.UnicodeTokenizer().tokenize("Preço: não!") == ["preço", "não"]


def test_exact_match_normalizes_and_uses_first_word_for_labels():
    assert M.exact_match("  Positivo. O cliente gostou", "positivo") == 1.0
    assert M.exact_match("negativo", "Positivo") == 0.0
    assert M.exact_match("São Paulo!", "sao paulo") == 1.0
    assert M.exact_match("São Paulo fica longe", "sao paulo") == 0.0


def test_fact_recall_and_json():
    assert M.fact_recall("Custa  r$ 89 por dia", ["R$ 89", "capacete"]) == 0.5
    assert M.fact_recall("anything", []) is None
    ref = json.dumps({"intent": "refund", "order": 12})
    assert M.json_valid('```json\n{"intent": "refund"}\n```', ref) == 1.0
    assert M.json_valid("not json", ref) == 0.0
    assert M.json_valid("x", "plain text reference") is None
    assert M.json_keys('{"intent": "x"}', ref) == 0.5
    # field accuracy: values compared like exact_match (case, accents), null only equals null
    fields = json.dumps({"intent": "refund", "city": "São Paulo", "order": None, "urgency": "high"})
    assert M.json_fields('{"intent": "REFUND", "city": "sao paulo", "order": null, "urgency": "low"}', fields) == 0.75
    assert M.json_fields('{"intent": "refund", "order": "A1"}', fields) == 0.25
    assert M.json_fields("[1, 2]", fields) == 0.0 and M.json_fields("x", "plain text") is None


def test_similarity_orders_paraphrase_above_unrelated():
    sims = M.similarity([ANS, "Our hub in Porto Alegre opens at eight."], [REF, REF])
    assert sims[0] > sims[1]
    assert -1.0 <= sims[1] <= 1.0


def test_mean_ci_matches_scipy_bootstrap():
    data = [0.1, 0.4, 0.35, 0.8, 0.55, 0.2, 0.9, 0.6]
    got = stats.mean_ci(data + [None])
    ref = sps.bootstrap((np.array(data),), np.mean, n_resamples=stats.N_RESAMPLES, method="BCa",
                        rng=np.random.default_rng(stats.SEED)).confidence_interval
    assert got["n"] == 8 and got["mean"] == pytest.approx(np.mean(data))
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((ref.low, ref.high))
    assert stats.mean_ci([1.0, 1.0, 1.0])["ci_low"] == 1.0
    assert stats.mean_ci([0.5])["ci_low"] is None


def test_paired_comparison_matches_scipy():
    a = [0.2, 0.5, 0.1, 0.4, 0.3, 0.6, 0.2, 0.1]
    b = [0.6, 0.5, 0.4, 0.9, 0.2, 0.8, 0.7, 0.5]
    got = stats.paired_comparison(a, b)
    diff = np.array(b) - np.array(a)
    assert got["delta"] == pytest.approx(diff.mean())
    assert (got["wins"], got["ties"], got["losses"]) == (6, 1, 1)
    perm = sps.permutation_test((np.array(a), np.array(b)), lambda x, y, axis: np.mean(y - x, axis=axis),
                                permutation_type="samples", vectorized=True, n_resamples=stats.N_RESAMPLES,
                                rng=np.random.default_rng(stats.SEED))
    assert got["p_value"] == pytest.approx(perm.pvalue)
    assert got["sign_p_value"] == pytest.approx(sps.binomtest(6, 7, 0.5).pvalue)
    assert got["ci_low"] < got["delta"] < got["ci_high"]
    assert stats.paired_comparison([1, 2], [2, 1], lower_is_better=True)["wins"] == 1


def test_wilson_matches_scipy():
    ci = sps.binomtest(7, 10).proportion_ci(method="wilson")
    got = stats.wilson(7, 10)
    assert got["rate"] == 0.7 and (got["ci_low"], got["ci_high"]) == pytest.approx((ci.low, ci.high))


def test_bundled_sets_have_facts_found_in_their_references():
    sets = bundled_sets()
    assert {s["language"] for s in sets} == {"en", "pt-BR"}
    for entry in sets:
        examples = load_examples(resolve_set(entry["id"]))
        assert len(examples) >= 30
        for example in examples:
            assert example.facts and M.fact_recall(example.reference, example.facts) == 1.0


def test_bad_files_name_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    path.write_text(json.dumps(good) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_examples(path)
    assert "2" in err.value.message("en")
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "q"}]}) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_examples(path)
    assert err.value.key == "eval.err_line_no_reference"
    with pytest.raises(InputError):
        resolve_set(tmp_path / "missing.jsonl")


def test_reports_escape_model_text_and_keep_per_example_scores(tmp_path):
    import csv
    import io

    from core.evaluation.dataset import EvalExample
    from core.evaluation.report import text_report, to_csv, to_html, verdicts, write_report
    from core.evaluation.run import EvalConfig, summarise

    examples = [EvalExample(line=i, prompt=[{"role": "user", "content": f"Price {i}?"}],
                            reference="A day rental costs R$ 89.", facts=["R$ 89"]) for i in range(1, 5)]
    answers = {"base": {e.line: {"text": "<script>alert(1)</script> $63", "cost_usd": 0.0} for e in examples},
               "rag": {e.line: {"text": "It costs R$ 89.", "cost_usd": 0.001} for e in examples}}
    config = EvalConfig(data="demo", contestants=["base", "rag"], metrics=["chrf", "fact_recall"])
    results = summarise(config, examples, answers)
    page = to_html(results, "en")
    assert "<script>" not in page and "&lt;script&gt;" in page
    rows = list(csv.DictReader(io.StringIO(to_csv(results))))
    assert len(rows) == 8 and {r["fact_recall"] for r in rows} == {"0.0", "1.0"}
    [line] = verdicts(results, "en")
    assert line.startswith("rag vs base: +1.00 fact recall") and "+$10.00 per month" in line
    assert "fact_recall" in text_report(results, "en")
    assert json.loads(write_report(results, tmp_path / "r.json").read_text())["n_examples"] == 4
    with pytest.raises(InputError):
        write_report(results, tmp_path / "r.txt")


def test_arena_votes_become_a_win_rate_with_wilson_interval():
    from core import votes
    from core.evaluation.run import human_preference

    for winner in ("B", "B", "A", "tie", "B"):
        votes.record_vote("How much is a day rental?", {"A": "base", "B": "rag"}, winner)
    votes.record_vote("Other pair", {"A": "base", "B": "run:x"}, "B")
    got = human_preference("base", "rag")
    ci = sps.binomtest(3, 4).proportion_ci(method="wilson")
    assert (got["b_wins"], got["a_wins"], got["ties"], got["n"]) == (3, 1, 1, 4)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((ci.low, ci.high))
