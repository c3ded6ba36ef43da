"""`python -m lab ask`: the answer streams to stdout; --json prints answer, contestant, sources,
latency and token counts."""
from __future__ import annotations

import json

from lab.cli import main
from tests.arena_support import FakeOpenAI, fake_openai  # noqa: F401


def test_ask_base_json(capsys, embedded_model_path):
    code = main(["ask", "--contestant", "base", "--json", "--max-tokens", "5", "--temperature", "0",
                 "What is an e-bike?"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["contestant"] == "base" and out["answer"].strip() and out["sources"] == []
    assert out["question"] == "What is an e-bike?" and out["error"] is None
    assert out["tokens_in"] > 5 and 1 <= out["tokens_out"] <= 5
    assert 0 < out["ttft_s"] <= out["latency_s"] and out["cost_usd"] == 0.0


def test_ask_endpoint_streams_text_and_reports_unavailable(capsys, fake_openai):
    code = main(["ask", "-c", f"endpoint:{fake_openai.url}#pia-echo", "Plus?"])
    captured = capsys.readouterr()
    assert code == 0 and captured.out.strip() == FakeOpenAI.reply_for("Plus?")
    assert "first token" in captured.err
    code = main(["ask", "-c", "openai:gpt-4o-mini", "Plus?"])
    assert code == 2 and "No OpenAI API key" in capsys.readouterr().err
    code = main(["ask", "-c", "openai:gpt-4o-mini", "--json", "Plus?"])
    failed = json.loads(capsys.readouterr().out)
    assert code == 2 and failed["answer"] == "" and "No OpenAI API key" in failed["error"]
    code = main(["--lang", "pt-BR", "ask", "-c", "nonsense", "Oi?"])
    assert code == 2 and "não é um competidor" in capsys.readouterr().err


def test_ask_list_json(capsys):
    assert main(["ask", "--list", "--json"]) == 0
    rows = {row["spec"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["base"]["available"] and not rows["openai:gpt-4o-mini"]["available"]


def test_ask_flags_come_from_chat_settings_with_their_bounds(capsys):
    from core.providers import ChatSettings

    assert main(["--lang", "pt-BR", "ask", "--temperature", "5", "Oi?"]) == 2  # lab.cli turns usage errors into 2
    assert "5 está fora do intervalo permitido 0.0 … 2.0" in capsys.readouterr().err
    assert main(["ask", "--help"]) == 0
    help_text = capsys.readouterr().out
    for spec in ChatSettings.control_specs():  # every user setting is a flag, named after its field
        assert "--" + spec["name"].replace("_", "-") in help_text
    assert "--system" in help_text and "--k" in help_text  # the short historic spellings still work
