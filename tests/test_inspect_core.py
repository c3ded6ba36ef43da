"""Unit tests of core.dataset: every check on a tiny file, the reader's edge cases, token counts
against a literal copy of the OpenAI cookbook's function, epochs/limits, clean, split, convert."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.dataset import (Finding, auto_epochs, clean_file, csv_columns, csv_to_chat, detect_format,
                          droppable_codes, inspect_file, iter_examples, plan_clean, prompt_completion_to_chat,
                          split_file, token_limit)
from core.errors import InputError
from core.tokenizers import get_encoding

SYS = {"role": "system", "content": "You are Pia, Pedala's support assistant."}
U = {"role": "user", "content": "How long does a full charge take?"}
A = {"role": "assistant", "content": "4–5 hours. — Pia, Pedala Support 🚲"}
GOOD = {"messages": [SYS, U, A]}


def write_lines(path: Path, lines: list, newline: bytes = b"\n") -> Path:
    """Lines may be dicts (dumped as JSON), str or raw bytes."""
    with open(path, "wb") as handle:
        for line in lines:
            if isinstance(line, (dict, list)):
                line = json.dumps(line, ensure_ascii=False)
            handle.write((line.encode("utf-8") if isinstance(line, str) else line) + newline)
    return path


def filler(n: int, start: int = 0) -> list[dict]:
    """n distinct valid chat examples (so too_few_examples and duplicates stay quiet)."""
    return [{"messages": [U | {"content": f"Question number {start + i}?"}, A]} for i in range(n)]


def codes_at(report, line: int) -> list[str]:
    return [f.code for f in report.findings if f.line == line]


def inspect_one(tmp_path, example, model="gpt-4o-mini-2024-07-18"):
    """Inspect a file whose line 1 is `example`, followed by 50 good examples."""
    path = write_lines(tmp_path / "one.jsonl", [example] + filler(50))
    return inspect_file(path, model=model)


# ---- the cookbook's codes, corrected where the cookbook is wrong ---------------------------------
@pytest.mark.parametrize("example, code, severity", [
    ([1, 2], "data_type", "error"),
    ({"messages": "hello"}, "missing_messages_list", "error"),
    ({"messages": []}, "missing_messages_list", "error"),
    ({"messages": [{"content": "hi"}, A]}, "message_missing_key", "error"),
    ({"messages": [{"role": "user"}, A]}, "message_missing_key", "error"),
    ({"messages": [U | {"timestamp": "x"}, A]}, "message_unrecognized_key", "error"),
    ({"messages": [{"role": "customer", "content": "hi"}, A]}, "unrecognized_role", "error"),
    ({"messages": [U | {"content": "  "}, A]}, "missing_content", "error"),
    ({"messages": [U | {"content": 42}, A]}, "missing_content", "error"),
    ({"messages": [SYS, U]}, "example_missing_assistant_message", "error"),
    ({"messages": ["just text", A]}, "data_type", "error"),
    # the lab's additions
    ({"messages": [U, A, U]}, "last_not_assistant", "warning"),
    ({"messages": [U, A | {"weight": 2}]}, "invalid_weight", "error"),
    ({"messages": [U, A | {"weight": True}]}, "invalid_weight", "error"),
    ({"messages": [U | {"weight": 1}, A]}, "invalid_weight", "error"),
    ({"messages": [U, A | {"weight": 0}]}, "nothing_to_train", "warning"),
    ({"messages": [U | {"name": 7}, A]}, "invalid_name", "error"),
    ({"messages": [U, A], "id": 3}, "example_unrecognized_key", "warning"),
    ({"messages": [U, A], "tools": {"name": "f"}}, "invalid_tools", "error"),
    ({"messages": [U, A], "parallel_tool_calls": "yes"}, "invalid_tools", "error"),
    ({"messages": [U, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"arguments": "{}"}}]}]},
     "invalid_tool_calls", "error"),
    ({"messages": [U | {"tool_calls": []}, A]}, "invalid_tool_calls", "error"),
    ({"messages": [U, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "x=1"}}]}]},
     "tool_arguments_invalid_json", "error"),
    ({"messages": [U, {"role": "tool", "tool_call_id": "nope", "content": "{}"}, A]}, "unmatched_tool_call_id", "error"),
    ({"messages": [U, {"role": "tool", "content": "{}"}, A]}, "message_missing_key", "error"),
    ({"messages": [U, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, U, A]},
     "unanswered_tool_call", "warning"),
    ({"input": {"messages": [U]}, "preferred_output": [A], "non_preferred_output": [A | {"content": "No."}]},
     "format_mismatch", "error"),
])
def test_each_check_reports_its_code_on_its_line(tmp_path, example, code, severity):
    report = inspect_one(tmp_path, example)
    found = [f for f in report.findings if f.line == 1 and f.code == code]
    assert found, (code, [(f.line, f.code) for f in report.findings])
    assert found[0].severity == severity
    assert found[0].message and found[0].hint and "inspect." not in found[0].message + found[0].hint
    assert report.error_counts[code] >= 1


@pytest.mark.parametrize("example", [
    {"messages": [SYS, U, A]},
    {"messages": [U | {"name": "ana"}, A]},
    # the cookbook rejects the tool role and tool_calls, and crashes on a numeric weight: all valid
    {"messages": [U, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"a\": 1}"}}]},
                  {"role": "tool", "tool_call_id": "c1", "content": "{\"ok\": true}"}, A],
     "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}],
     "parallel_tool_calls": False},
    {"messages": [U, A | {"weight": 0}, U, A | {"weight": 1.0}]},
    {"messages": [U, {"role": "assistant", "content": None, "tool_calls": [{"id": "c9", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]},
    {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this bike?"}]}, A]},
])
def test_valid_examples_have_no_findings(tmp_path, example):
    report = inspect_one(tmp_path, example)
    assert codes_at(report, 1) == []
    assert not report.has_errors


def test_reader_reports_physical_lines_blank_bom_crlf_and_bad_bytes(tmp_path):
    path = tmp_path / "raw.jsonl"
    good = json.dumps(GOOD).encode()
    lines = [b"\xef\xbb\xbf" + good, b"", b"   ", b'{"messages": [', b"caf\xe9 au lait", good.replace(b"4", b"5")]
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    report = inspect_file(path)
    assert codes_at(report, 1) == ["bom", "crlf"]
    assert codes_at(report, 2) == ["blank_line"] and codes_at(report, 3) == ["blank_line"]
    invalid = [f for f in report.findings if f.line == 4][0]
    assert invalid.code == "invalid_json" and invalid.params["column"] == 15
    non_utf8 = [f for f in report.findings if f.line == 5][0]
    assert non_utf8.code == "non_utf8" and non_utf8.params["column"] == 4
    assert report.n_lines == 6 and report.n_blank == 2 and report.n_examples == 2
    assert list(report.example_lines) == [1, 6]
    assert report.bom and report.crlf_lines == 6
    assert [f for f in report.findings if f.code == "crlf"][0].params["count"] == 6
    assert [f.code for f in report.findings if f.line == 0] == ["too_few_examples"]
    assert report.has_errors


def test_too_few_examples_is_an_error_below_10_and_a_warning_below_50(tmp_path):
    assert inspect_file(write_lines(tmp_path / "a.jsonl", filler(9))).error_counts == {"too_few_examples": 1}
    nine = inspect_file(tmp_path / "a.jsonl").findings[0]
    assert (nine.line, nine.severity, nine.params["count"]) == (0, "error", 9)
    ten = inspect_file(write_lines(tmp_path / "b.jsonl", filler(10)))
    assert [(f.code, f.severity) for f in ten.findings] == [("too_few_examples", "warning")]
    assert not ten.has_errors
    assert inspect_file(write_lines(tmp_path / "c.jsonl", filler(50))).findings == []


def test_duplicates_are_grouped_whatever_the_key_order(tmp_path):
    reordered = '{"messages": [' + ", ".join(json.dumps(dict(reversed(list(m.items())))) for m in GOOD["messages"]) + "]}"
    path = write_lines(tmp_path / "d.jsonl", [GOOD] + filler(50) + [reordered, GOOD])
    report = inspect_file(path)
    assert report.duplicate_groups == [[1, 52, 53]]
    dups = [f for f in report.findings if f.code == "duplicate_example"]
    assert [(f.line, f.params["first"]) for f in dups] == [(52, 1), (53, 1)]


def test_examples_over_the_model_limit(tmp_path):
    long = {"messages": [U, A | {"content": "bike" + " bike" * 17_000}]}
    path = write_lines(tmp_path / "long.jsonl", filler(50) + [long])
    small_limit = inspect_file(path, model="gpt-3.5-turbo-0125")
    finding = [f for f in small_limit.findings if f.code == "too_many_tokens"][0]
    assert finding.line == 51 and finding.params["limit"] == 16_385 and finding.params["tokens"] > 16_385
    assert small_limit.examples_over_limit == 1
    assert small_limit.billed_tokens_per_epoch == sum(min(16_385, n) for n in small_limit.example_tokens)
    assert "too_many_tokens" not in inspect_file(path).error_counts  # 65,536 for gpt-4o-mini


def test_dpo_rules(tmp_path):
    good = {"input": {"messages": [U]}, "preferred_output": [A], "non_preferred_output": [A | {"content": "Dunno."}]}
    cases = [
        good,
        {"input": {"messages": []}, "preferred_output": [A], "non_preferred_output": [A | {"content": "x"}]},
        {"input": {"messages": [U]}, "preferred_output": [A, A], "non_preferred_output": [A | {"content": "x"}]},
        {"input": {"messages": [U]}, "preferred_output": [A], "non_preferred_output": [U]},
        {"input": {"messages": [U]}, "preferred_output": [A], "non_preferred_output": [A]},
        {"input": {"messages": [{"role": "robot", "content": "x"}]}, "preferred_output": [A], "non_preferred_output": [A | {"content": "x"}]},
        GOOD,
    ]
    variants = [good | {"preferred_output": [A | {"content": f"Answer {i}."}]} for i in range(50)]
    report = inspect_file(write_lines(tmp_path / "dpo.jsonl", cases + variants))
    assert report.format == "dpo"
    assert codes_at(report, 1) == []
    assert codes_at(report, 2) == ["dpo_invalid_input"]
    assert codes_at(report, 3) == ["dpo_invalid_output"]
    assert codes_at(report, 4) == ["dpo_invalid_output"]
    assert codes_at(report, 5) == ["dpo_same_outputs"]
    assert codes_at(report, 6) == ["unrecognized_role"]
    assert codes_at(report, 7) == ["format_mismatch"]
    enc = get_encoding("o200k_base")
    # prompt + both answers, cookbook rule: 3 per message + strings + 3
    expected = 3 + sum(3 + len(enc.encode(m["role"])) + len(enc.encode(m["content"]))
                       for m in [U, A, A | {"content": "Dunno."}])
    assert report.example_tokens[0] == expected


def test_prompt_completion_is_detected_counted_and_converted(tmp_path):
    lines = [{"prompt": f"Question {i}?", "completion": f" Answer {i}."} for i in range(12)] + [{"prompt": "x"}]
    path = write_lines(tmp_path / "pc.jsonl", lines)
    assert detect_format(path) == "prompt_completion"
    report = inspect_file(path)
    assert [f.code for f in report.findings if f.line == 0][0] == "prompt_completion_format"
    assert codes_at(report, 13) == ["prompt_completion_invalid"]
    summary = prompt_completion_to_chat(path, tmp_path / "chat.jsonl", system_prompt="Be brief.")
    assert (summary["written"], summary["skipped"], summary["skipped_lines"]) == (12, 1, [13])
    first = next(iter_examples(tmp_path / "chat.jsonl"))[1]
    assert first == {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Question 0?"},
                                  {"role": "assistant", "content": "Answer 0."}]}
    # counted as the chat it converts to (without the system prompt)
    enc = get_encoding("o200k_base")
    assert report.example_tokens[0] == 3 + 2 * 3 + sum(len(enc.encode(s)) for s in ["user", "Question 0?", "assistant", " Answer 0."])


# ---- token counts: exactly the cookbook's -------------------------------------------------------
def cookbook_num_tokens_from_messages(messages, encoding, tokens_per_message=3, tokens_per_name=1):
    """Verbatim from the OpenAI cookbook (Chat_finetuning_data_prep), encoding passed in."""
    num_tokens = 0
    for message in messages:
        num_tokens += tokens_per_message
        for key, value in message.items():
            num_tokens += len(encoding.encode(value))
            if key == "name":
                num_tokens += tokens_per_name
    num_tokens += 3
    return num_tokens


def cookbook_num_assistant_tokens_from_messages(messages, encoding):
    num_tokens = 0
    for message in messages:
        if message["role"] == "assistant":
            num_tokens += len(encoding.encode(message["content"]))
    return num_tokens


@pytest.mark.parametrize("model, encoding_name", [("gpt-4o-mini-2024-07-18", "o200k_base"),
                                                  ("gpt-3.5-turbo-0125", "cl100k_base")])
def test_token_counts_equal_the_cookbook_method(tmp_path, model, encoding_name):
    texts = ["Olá! Quanto custa o plano Plus?", "R$ 219/mês — Pia, Suporte Pedala 🚲", "  spaces  \n\nnew lines\t",
             "日本語のテキスト", "code: `print('hi')` {\"json\": [1, 2]}", "a" * 3000, "emoji 👩‍👩‍👧‍👦 and ZWJ", "x"]
    examples = []
    for i in range(60):  # vary length, names, repeated system prompts
        messages = [SYS] if i % 3 else []
        for j in range(1 + i % 4):
            user = {"role": "user", "content": texts[(i + j) % len(texts)] + f" #{i}"}
            if (i + j) % 5 == 0:
                user["name"] = f"user_{j}"
            messages += [user, {"role": "assistant", "content": texts[(i * 3 + j) % len(texts)]}]
        examples.append({"messages": messages})
    report = inspect_file(write_lines(tmp_path / "tok.jsonl", examples), model=model)
    encoding = get_encoding(encoding_name)
    assert report.encoding == encoding_name
    expected = [cookbook_num_tokens_from_messages(ex["messages"], encoding) for ex in examples]
    assert list(report.example_tokens) == expected
    assert report.tokens_total == sum(expected)
    assert report.trained_tokens_total == sum(cookbook_num_assistant_tokens_from_messages(ex["messages"], encoding)
                                              for ex in examples)
    assert report.epochs_auto == 3 and report.billed_tokens == 3 * sum(expected)
    assert report.to_json()["billed_tokens_per_epoch"] == sum(expected)


def test_tool_calls_and_tools_count_their_strings_and_json(tmp_path):
    call = {"id": "c1", "type": "function", "function": {"name": "get_order_status", "arguments": "{\"order_id\": \"PD-1\"}"}}
    tools = [{"type": "function", "function": {"name": "get_order_status", "parameters": {"type": "object"}}}]
    example = {"messages": [U, {"role": "assistant", "tool_calls": [call]},
                            {"role": "tool", "tool_call_id": "c1", "content": "shipped"}, A | {"weight": 0}], "tools": tools}
    report = inspect_one(tmp_path, example)
    enc = get_encoding("o200k_base")
    n = lambda s: len(enc.encode(s))  # noqa: E731
    call_strings = ["c1", "function", "get_order_status", call["function"]["arguments"]]
    expected = (3 + 4 * 3 + n("user") + n(U["content"]) + n("assistant") + sum(map(n, call_strings))
                + n("tool") + n("c1") + n("shipped") + n("assistant") + n(A["content"])
                + n(json.dumps(tools, separators=(",", ":"), ensure_ascii=False)))
    assert report.example_tokens[0] == expected
    # trained: the tool call (weight 1 by default); the weight-0 answer is not trained
    trained_filler = sum(n(A["content"]) for _ in range(50))
    assert report.trained_tokens_total - trained_filler == sum(map(n, call_strings))


def test_local_model_counts_with_the_chat_template(tmp_path, embedded_model_path):
    from core.models import load_tokenizer

    path = write_lines(tmp_path / "l.jsonl", [GOOD] + filler(10))
    report = inspect_file(path, model="local")
    tokenizer = load_tokenizer("embedded")
    ids = tokenizer.apply_chat_template(GOOD["messages"], tokenize=True)
    ids = ids["input_ids"] if hasattr(ids, "keys") else ids
    assert report.example_tokens[0] == len(ids)
    config = json.loads((embedded_model_path / "config.json").read_text())
    assert report.token_limit == token_limit("local") == config["max_position_embeddings"]
    assert "chat template" in report.encoding


# ---- epochs, limits, memory-friendly report -------------------------------------------------------
@pytest.mark.parametrize("n, epochs", [(0, 0), (1, 25), (3, 25), (10, 10), (33, 3), (34, 3), (100, 3),
                                       (8_333, 3), (8_334, 2), (12_500, 2), (25_001, 1), (1_000_000, 1)])
def test_auto_epochs_follows_openai(n, epochs):
    assert auto_epochs(n) == epochs


def test_token_limits():
    assert token_limit("gpt-4o-mini-2024-07-18") == 65_536
    assert token_limit("ft:gpt-4o-2024-08-06:org:support:abc") == 65_536
    assert token_limit("gpt-4.1-2025-04-14") == 65_536
    assert token_limit("gpt-3.5-turbo-0125") == 16_385


def test_max_findings_keeps_counts_and_progress_reaches_one(tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", ["{oops"] * 10_000)
    seen = []
    report = inspect_file(path, max_findings=100, progress=seen.append)
    assert len(report.findings) == 100 and report.findings_dropped == 9_901
    assert report.error_counts == {"invalid_json": 10_000, "too_few_examples": 1}
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 3


def test_unreadable_inputs_raise_input_errors(tmp_path):
    with pytest.raises(InputError):
        inspect_file(tmp_path / "missing.jsonl")
    with pytest.raises(InputError):
        inspect_file(tmp_path)
    (tmp_path / "x.csv").write_text("q,a\n")
    with pytest.raises(InputError) as info:
        inspect_file(tmp_path / "x.csv")
    assert "--question-column" in info.value.message("en")
    write_lines(tmp_path / "ok.jsonl", filler(3))
    with pytest.raises(InputError):
        inspect_file(tmp_path / "ok.jsonl", model="no-such-model")


def test_findings_render_in_portuguese(tmp_path):
    report = inspect_file(write_lines(tmp_path / "pt.jsonl", [{"messages": [SYS, U]}] + filler(50)), lang="pt-BR")
    finding = report.findings[0]
    assert finding.code == "example_missing_assistant_message"
    assert "assistente" in finding.message
    english = finding.localized("en")
    assert "assistant message" in english.message and english.line == 1
    assert isinstance(english, Finding)


def test_hint_with_json_example_keeps_single_braces(tmp_path):
    report = inspect_one(tmp_path, {"messages": "x"})
    hint = [f for f in report.findings if f.code == "missing_messages_list"][0].hint
    assert '{"messages": [{"role": "user"' in hint and "{{" not in hint


# ---- clean, split, convert ----------------------------------------------------------------------
def test_clean_drops_only_what_was_chosen_and_fixes_bom_crlf_blank(tmp_path):
    path = tmp_path / "dirty.jsonl"
    lines = [json.dumps(GOOD).encode(), b"", b"{broken", json.dumps(GOOD).encode()] + \
            [json.dumps(x).encode() for x in filler(3)]
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\r\n")
    report = inspect_file(path)
    assert droppable_codes(report) == {"duplicate_example": 1, "invalid_json": 1}
    nothing = plan_clean(report, set())
    assert nothing.drop_lines == [] and nothing.bom and nothing.crlf_lines == 7 and nothing.blank_lines == 1
    plan = plan_clean(report, {"invalid_json", "duplicate_example"})
    assert plan.drop_lines == [3, 4] and plan.by_code == {"duplicate_example": 1, "invalid_json": 1}
    assert plan.kept_examples == 4
    summary = clean_file(path, tmp_path / "out.jsonl", {"invalid_json"}, report=report)
    out = (tmp_path / "out.jsonl").read_bytes()
    assert not out.startswith(b"\xef\xbb\xbf") and b"\r" not in out and b"\n\n" not in out
    assert out.count(b"\n") == 5 and b"{broken" not in out  # the duplicate stays: it was not chosen
    assert summary["dropped_by_code"] == {"invalid_json": 1} and summary["blank_removed"] == 1
    again = inspect_file(tmp_path / "out.jsonl")
    assert again.error_counts.keys() == {"duplicate_example", "too_few_examples"}
    with pytest.raises(InputError):
        clean_file(path, path, set())


def test_split_is_seeded_complete_and_disjoint(tmp_path):
    path = write_lines(tmp_path / "all.jsonl", filler(40) + ["not json", ""])
    train, val = split_file(path, tmp_path / "out", val_fraction=0.25, seed=7)
    train_lines, val_lines = train.read_text().splitlines(), val.read_text().splitlines()
    assert (len(train_lines), len(val_lines)) == (30, 10)
    assert sorted(train_lines + val_lines) == sorted(json.dumps(x, ensure_ascii=False) for x in filler(40))
    again = split_file(path, tmp_path / "again", val_fraction=0.25, seed=7)
    assert again[1].read_text() == val.read_text()
    other = split_file(path, tmp_path / "other", val_fraction=0.25, seed=8)
    assert other[1].read_text() != val.read_text()
    with pytest.raises(InputError):
        split_file(path, tmp_path, val_fraction=1.5)
    with pytest.raises(InputError):
        split_file(write_lines(tmp_path / "one.jsonl", filler(1)), tmp_path)


def test_iter_examples_yields_objects_with_line_numbers(tmp_path):
    path = write_lines(tmp_path / "it.jsonl", [GOOD, "", "[1]", "{bad", GOOD])
    assert [(n, ex == GOOD) for n, ex in iter_examples(path)] == [(1, True), (5, True)]


def test_csv_conversion_picks_columns_delimiter_and_encoding(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_bytes("id;pergunta;resposta\n1;Qual o preço?;\"R$ 219; mensal\nsem taxa\"\n2;;vazia\n3;Tem loja?;Sim\n"
                     .encode("cp1252"))
    info = csv_columns(path)
    assert info["columns"] == ["id", "pergunta", "resposta"] and info["delimiter"] == ";" and info["encoding"] == "cp1252"
    summary = csv_to_chat(path, tmp_path / "faq.jsonl", "pergunta", "resposta", system_prompt="Você é a Pia.")
    assert (summary["written"], summary["skipped"], summary["skipped_lines"]) == (2, 1, [4])
    examples = [ex for _, ex in iter_examples(tmp_path / "faq.jsonl")]
    assert examples[0]["messages"][2]["content"] == "R$ 219; mensal\nsem taxa"
    assert examples[0]["messages"][0] == {"role": "system", "content": "Você é a Pia."}
    with pytest.raises(InputError):
        csv_to_chat(path, tmp_path / "x.jsonl", "question", "resposta")
    with pytest.raises(InputError):
        csv_to_chat(path, tmp_path / "x.jsonl", "resposta", "resposta")
