"""Comparison export (Markdown/HTML, escaped) and arena questions (samples + a run's held-out split)."""
from __future__ import annotations

import json

import pytest

from core import comparison
from core.arena import questions
from core.errors import InputError
from core.providers import Answer

EVIL = "<script>alert('x')</script> & <b>bold</b>"


def sample_comparison() -> comparison.Comparison:
    rag = Answer(contestant="rag", text="The Plus plan costs R$ 219/month [1].", ttft_s=0.5, latency_s=2.0,
                 tokens_per_s=12.5, tokens_in=420, tokens_out=20, cost_usd=0.0,
                 sources=[{"n": 1, "doc_id": "en/plans.md", "title": "Plans <and> prices", "snippet": EVIL}])
    bad = Answer(contestant="openai:gpt-4o-mini", error="No OpenAI API key is set.")
    evil = Answer(contestant="base", text=EVIL, ttft_s=0.2, latency_s=1.0, tokens_per_s=8.0, tokens_in=30,
                  tokens_out=9, tokens_estimated=True, cost_usd=0.000123)
    return comparison.Comparison(question=f"How much is Plus? {EVIL}", columns=[
        comparison.ComparisonColumn("RAG", "rag", rag), comparison.ComparisonColumn("B", "openai:gpt-4o-mini", bad),
        comparison.ComparisonColumn("base", "base", evil)])


def test_html_export_escapes_every_model_and_user_string():
    page = comparison.to_html(sample_comparison(), "en")
    assert page.startswith("<!DOCTYPE html>") and "<script>" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "Plans &lt;and&gt; prices" in page and "R$ 219/month [1]." in page
    assert "No OpenAI API key is set." in page and "$0.000123" in page and "~30 → ~9" in page


def test_markdown_export_has_question_answers_sources_and_metrics():
    text = comparison.to_markdown(sample_comparison(), "en")
    assert "## Question" in text and "<script>" not in text and "&lt;script&gt;" in text
    assert "## RAG — `rag`" in text and "1. **Plans &lt;and&gt; prices**" in text
    assert "| ⏱️ first token | 0.50 s |" in text and "| ⚡ | 12.5 tok/s |" in text
    assert "> ⚠️ No OpenAI API key is set." in text
    portuguese = comparison.to_markdown(sample_comparison(), "pt-BR")
    assert "## Pergunta" in portuguese and "| ⏱️ primeiro token | 0,50 s |" in portuguese


def test_save_writes_under_lab_home_exports(lab_home):
    path = comparison.save(sample_comparison(), "html")
    assert path.parent == lab_home / "exports" and path.suffix == ".html"
    assert path.read_text(encoding="utf-8") == comparison.to_html(sample_comparison())
    assert not list(path.parent.glob(".*.tmp"))
    with pytest.raises(ValueError):
        comparison.save(sample_comparison(), "pdf")


def test_sample_questions_cover_both_languages():
    samples = questions.sample_questions("pt-BR")
    langs = [q["lang"] for q in samples]
    assert langs.count("en") >= 8 and langs.count("pt-BR") >= 8 and langs[0] == "pt-BR"
    assert all(q["question"].strip() and q["expected"].strip() for q in samples)


def test_held_out_questions_come_from_the_runs_own_validation_split(lab_home):
    from core.jobs import registry
    from core.training.config import LocalTrainConfig
    from core.training.data import training_conversations

    folder = lab_home / "datasets"
    folder.mkdir()
    rows = [{"messages": [{"role": "system", "content": "You are Pia."}, {"role": "user", "content": f"Question {i}?"},
                          {"role": "assistant", "content": f"Answer {i}."}]} for i in range(30)]
    path = folder / "support.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    cfg = LocalTrainConfig.from_dict({"dataset": str(path), "preset": "custom", "val_fraction": 0.2, "seed": 7})
    job = registry.create_job("local", cfg.to_dict(), lane="cpu", status="succeeded")
    train, _val = training_conversations(cfg, job.run_dir / "data")  # what the run saves in its folder
    trained = {m["content"] for conversation in train for m in conversation if m["role"] == "user"}

    held = questions.held_out_questions(job.id)
    assert len(held.questions) == 6  # 20% of 30 lines: the run's own share, not a fixed 10%
    assert all(h["question"].startswith("Question ") for h in held.questions)
    assert all(h["reference"] == h["question"].replace("Question", "Answer").replace("?", ".") for h in held.questions)
    assert not trained & {h["question"] for h in held.questions}  # held out means held out
    assert held.note("en") == ("Run " + job.id + " kept 20% of support.jsonl aside (seed 7) and never trained "
                               "on it: these questions come from that part.")
    assert questions.run_for_dataset(str(path)) == job.id
    assert [j.id for j in questions.runs_with_held_out()] == [job.id]


def test_a_run_without_a_validation_split_says_so(lab_home):
    from core.jobs import registry

    job = registry.create_job("local", {"dataset": "x.jsonl", "val_fraction": 0}, lane="cpu", status="succeeded")
    for missing in (job.id, "no-such-run"):
        with pytest.raises(InputError):
            questions.held_out_questions(missing)
    assert questions.runs_with_held_out() == [] and questions.run_for_dataset(None) is None
