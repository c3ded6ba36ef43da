"""Batched local generation and a real small evaluation of the embedded model through the CLI."""
from __future__ import annotations

import json

import pytest

from core.providers import ChatSettings, collect, get_provider
from core.rag.copy_bias import COPY_FROM, source_token_ids

QUESTIONS = ["How much is a day rental?", "Quanto custa o plano Plus?", "Where is the hub in Curitiba?"]


def _conv(text: str) -> list[dict]:
    return [{"role": "system", "content": "You are Pia, Pedala's support assistant."},
            {"role": "user", "content": text}]


def test_complete_batch_equals_one_at_a_time():
    provider = get_provider("base")
    settings = ChatSettings(temperature=0.0, max_tokens=12)
    # Prompts of different lengths, so left padding really happens.
    conversations = [_conv(q) for q in QUESTIONS] + [[{"role": "user", "content": "Hi"}]]
    batch = provider.complete_batch(conversations, settings)
    single = [provider.complete(c, settings) for c in conversations]
    assert [a.text for a in batch] == [a.text for a in single]
    assert [a.tokens_out for a in batch] == [a.tokens_out for a in single]
    assert all(a.ok and a.text for a in batch)


def test_stop_strings_end_answers_in_both_paths():
    provider = get_provider("base")
    settings = ChatSettings(temperature=0.0, max_tokens=12)
    free = provider.complete(_conv(QUESTIONS[0]), settings).text
    words = free.split()
    assert len(words) >= 3
    stop = words[2]
    stopped = settings.with_(stop=(stop,))
    expected = free[:free.index(stop)]
    assert collect(provider.stream(_conv(QUESTIONS[0]), stopped)).text == expected
    assert provider.complete_batch([_conv(QUESTIONS[0]), _conv(QUESTIONS[1])], stopped)[0].text == expected


def test_copy_bias_reaches_generate_in_both_paths():
    """A huge bias leaves only the sources' tokens possible: every generated token comes from them."""
    from core.providers.local import loaded_base

    provider = get_provider("base")
    tokenizer = loaded_base("embedded").tokenizer
    source = "Day rental: R$ 89 for 24 hours."
    allowed = source_token_ids(tokenizer, [source]) | {tokenizer.eos_token_id}
    conv = _conv(QUESTIONS[0])
    conv[-1] = dict(conv[-1], **{COPY_FROM: [source]})
    settings = ChatSettings(temperature=0.0, max_tokens=8, copy_bias=1000.0, repetition_penalty=1.0)
    for answer in (collect(provider.stream(conv, settings)), provider.complete_batch([conv, _conv(QUESTIONS[1])], settings)[0]):
        ids = tokenizer(answer.text, add_special_tokens=False)["input_ids"]
        assert ids and set(ids) <= allowed, answer.text
    plain = provider.complete_batch([_conv(QUESTIONS[1])], settings)[0]  # no sources: no bias
    assert not set(tokenizer(plain.text, add_special_tokens=False)["input_ids"]) <= allowed


def test_cli_eval_json_on_the_bundled_set(capsys):
    from lab.cli import main

    code = main(["eval", "pedala_en", "-c", "base", "-c", "rag", "--limit", "2", "--max-tokens", "10",
                 "--metrics", "chrf,rouge_l,fact_recall", "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    results = json.loads(out.out)
    assert results["n_examples"] == 2
    assert [c["spec"] for c in results["contestants"]] == ["base", "rag"]
    for c in results["contestants"]:
        assert set(c["metrics"]) >= {"chrf", "rouge_l", "fact_recall", "latency_s", "cost_per_1k"}
        chrf = c["metrics"]["chrf"]
        assert chrf["ci_low"] <= chrf["mean"] <= chrf["ci_high"]
    pair = next(p for p in results["pairs"] if p["metric"] == "chrf")
    assert pair["a"] == "base" and pair["b"] == "rag" and pair["wins"] + pair["ties"] + pair["losses"] == 2
    example = results["examples"][0]
    assert example["line"] == 1 and example["answers"]["base"] and "R$ 89" in example["reference"]
    assert "example 4 of 4, contestant rag" in out.err


@pytest.mark.parametrize("argv", [["eval", "nowhere.jsonl", "-c", "base"],
                                  ["eval", "pedala_en", "-c", "base", "--metrics", "vibes"],
                                  ["eval", "pedala_en", "-c", "base", "-c", "base"]])
def test_cli_eval_bad_input_exits_2(argv, capsys):
    from lab.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error:") and "Traceback" not in err
