"""The inspector's checks of issue 14: tool-call arguments (against jsonschema's own verdicts),
content quality, personal data (check digits decide), evaluation fields, translated JSON parser
messages, binary files, grouped output, and the parallel scan giving exactly the sequential result."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from core.dataset import clean_file, group_findings, inspect_file, line_ranges_text, replace_line
from core.dataset.pii import find_pii, mask_pii
from core.errors import InputError
from lab.cli import main

U = {"role": "user", "content": "Where is my order PD-48213?"}
A = {"role": "assistant", "content": "It ships today. — Pia, Pedala Support 🚲"}
SCHEMA = {"type": "object", "properties": {"order_id": {"type": "string"}, "speed": {"enum": ["fast", "slow"]},
                                            "items": {"type": "array", "items": {"type": "object", "properties": {
                                                "qty": {"type": "integer"}}, "required": ["qty"]}}},
          "required": ["order_id"], "additionalProperties": False}
TOOLS = [{"type": "function", "function": {"name": "get_order", "parameters": SCHEMA}}]


def call(arguments: str, name: str = "get_order", tools: list | None = TOOLS) -> dict:
    example = {"messages": [U, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {
        "name": name, "arguments": arguments}}]}, {"role": "tool", "tool_call_id": "c1", "content": "ok"}, A]}
    if tools is not None:
        example["tools"] = tools
    return example


def write(path: Path, examples: list) -> Path:
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e, ensure_ascii=False)) + "\n" for e in examples),
                    encoding="utf-8")
    return path


def findings_of(tmp_path: Path, example, lang: str = "en", **kwargs) -> list:
    report = inspect_file(write(tmp_path / "one.jsonl", [example]), lang=lang, **kwargs)
    return [f for f in report.findings if f.line == 1]


@pytest.mark.parametrize("arguments, name, code, words", [
    (json.dumps(json.dumps({"order_id": "PD-1"})), "get_order", "tool_arguments_not_object", "encoded twice"),
    ("[1, 2]", "get_order", "tool_arguments_not_object", "a array"),
    ("order PD-1", "get_order", "tool_arguments_invalid_json", "not valid JSON"),
    ('{"order_id": 5}', "get_order", "tool_arguments_schema", "order_id should be of type string, not integer"),
    ('{"order_id": "x", "speed": "warp"}', "get_order", "tool_arguments_schema", 'speed is "warp", which is not one of "fast", "slow"'),
    ("{}", "get_order", "tool_arguments_schema", "the required property order_id is missing"),
    ('{"order_id": "x", "items": [{"qty": 1}, {}]}', "get_order", "tool_arguments_schema", "items[1].qty is missing"),
    ('{"order_id": "x", "color": "red"}', "get_order", "tool_arguments_schema", "properties the schema does not allow: color"),
    ('{"order_id": "x"}', "cancel_order", "unknown_tool", "Declared here: get_order"),
])
def test_tool_argument_checks_name_the_problem(tmp_path, arguments, name, code, words):
    found = findings_of(tmp_path, call(arguments, name))
    assert [f.code for f in found] == [code] and found[0].severity == "error"
    assert words in f"{found[0].message} {found[0].hint}"


def test_valid_tool_calls_and_calls_without_tools_pass(tmp_path):
    assert findings_of(tmp_path, call('{"order_id": "PD-1", "items": [{"qty": 2}]}')) == []
    assert findings_of(tmp_path, call('{"anything": 1}', tools=None)) == []  # nothing declared to check against
    pt = findings_of(tmp_path, call('{"order_id": 5}'), lang="pt-BR")[0]
    assert "order_id deveria ser do tipo string, não integer" in pt.message


SIMPLE_TYPES = {"string": st.text(max_size=5), "integer": st.integers(-5, 5), "boolean": st.booleans(),
                "number": st.floats(allow_nan=False, allow_infinity=False, width=32)}
prop_schema = st.one_of(st.sampled_from(list(SIMPLE_TYPES)).map(lambda t: {"type": t}),
                        st.lists(st.sampled_from(["a", "b", 1, True, None]), min_size=1, max_size=3, unique=True)
                        .map(lambda values: {"enum": values}))
schemas = st.dictionaries(st.sampled_from(["a", "b", "c"]), prop_schema, min_size=1).flatmap(
    lambda props: st.builds(lambda required, closed: {"type": "object", "properties": props, "required": required,
                                                      "additionalProperties": not closed},
                            st.lists(st.sampled_from(sorted(props)), unique=True), st.booleans()))
values = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.one_of(*SIMPLE_TYPES.values(), st.none(),
                                                                          st.sampled_from(["a", "b"])), max_size=4)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schema=schemas, value=values)
def test_schema_verdict_is_jsonschemas(tmp_path, schema, value):
    tools = [{"type": "function", "function": {"name": "f", "parameters": schema}}]
    found = findings_of(tmp_path, call(json.dumps(value), "f", tools), pii=False)
    assert bool(found) == (not Draft202012Validator(schema).is_valid(value)), found
    assert all(f.code == "tool_arguments_schema" for f in found)


def test_content_quality_checks(tmp_path):
    assistant_first = {"messages": [{"role": "system", "content": "Be Pia."}, A, U, A]}
    assert [f.code for f in findings_of(tmp_path, assistant_first)] == ["missing_user_message"]
    looped = {"messages": [U, {"role": "assistant", "content": "Intro line. " + "Thank you for contacting us! " * 2000}]}
    found = findings_of(tmp_path, looped)
    assert [f.code for f in found] == ["repetitive_text"]
    assert 'repeats "Thank you for contacting us!" 2000 times' in found[0].message
    prose = " ".join(f"Sentence number {i} talks about battery {i * 7} and range {i % 13}." for i in range(80))
    twice = prose + " The deposit is released in 5 days. " * 2
    for text in (prose, twice):
        assert findings_of(tmp_path, {"messages": [U, {"role": "assistant", "content": text}]}) == []


def test_length_outliers_and_system_prompt_variants(tmp_path):
    def chat(i: int, system: str | None = "You are Pia.", words: int = 30) -> dict:
        head = [{"role": "system", "content": system}] if system else []
        return {"messages": head + [{"role": "user", "content": f"Question {i}?"},
                                    {"role": "assistant", "content": " ".join(f"w{i}x{k}" for k in range(words))}]}
    lines = [chat(i) for i in range(20)] + [chat(20, "You are a bot."), chat(21, None), chat(22, words=3000)]
    report = inspect_file(write(tmp_path / "mix.jsonl", lines), lang="en")
    variants = {f.line: f.message for f in report.findings if f.code == "inconsistent_system_prompt"}
    assert sorted(variants) == [21, 22]
    assert "“You are a bot.”, 1 examples" in variants[21] and "no system prompt" in variants[22]
    assert "(“You are Pia.”, 21 of 23)" in variants[21]
    outliers = [f for f in report.findings if f.code == "length_outlier"]
    assert [f.line for f in outliers] == [23] and "times the file's median" in outliers[0].message
    even = [chat(i, "Prompt A" if i % 2 else "Prompt B") for i in range(20)]  # no prompt dominates: by design
    assert "inconsistent_system_prompt" not in inspect_file(write(tmp_path / "even.jsonl", even)).error_counts


@pytest.mark.parametrize("text, kinds", [
    ("meu CPF é 529.982.247-25", ["cpf"]), ("CPF 52998224725", ["cpf"]), ("CPF 529.982.247-26", []),
    ("CNPJ 11.222.333/0001-81", ["cnpj"]), ("CNPJ 11.222.333/0001-80", []),
    ("card 4111 1111 1111 1111", ["card"]), ("card 4111-1111-1111-1112", []), ("4111111111111111", ["card"]),
    ("amex 3782 822463 10005", ["card"]), ("x = 5.086660765155328e+16", []),
    ("ligue (41) 98765-4321", ["phone"]), ("+55 11 3456-7890", ["phone"]), ("call +1 415 555 2671", ["phone"]),
    ("WhatsApp +55 41 4000-7325", []), ("central 4004-0001", []),
    ("+44 20 7946 0958", ["phone"]), ("ana.souza@gmail.com", ["email"]), ("write to ajuda@pedala.com.br", []),
    ("order PD-104233 on 07/05/2026, R$ 1.299,00, 10 30 48 149 km", []), ("protocol 123.456.789-00", []),
])
def test_personal_data_only_when_it_is_what_it_looks_like(text, kinds):
    assert [kind for kind, _a, _b in find_pii(text)] == kinds


def test_personal_data_findings_shared_contacts_switch_and_masking(tmp_path):
    phone = "call (41) 3333-7325"  # on every line: the shop's own landline
    lines = [{"messages": [{"role": "user", "content": f"Q{i}?"}, {"role": "assistant", "content": f"A{i}. {phone}"}]}
             for i in range(3)]
    lines.append({"messages": [{"role": "user", "content": "CPF 529.982.247-25, ana@gmail.com"},
                               {"role": "assistant", "content": f"Thanks! {phone}"}]})
    path = write(tmp_path / "pii.jsonl", lines)
    report = inspect_file(path, lang="pt-BR")
    codes = {(f.line, f.code) for f in report.findings if f.code.startswith("pii")}
    assert codes == {(4, "pii_cpf"), (4, "pii_email"), (0, "pii_shared")}  # the support number is on 4 lines
    cpf = next(f for f in report.findings if f.code == "pii_cpf")
    assert "CPF(s) com dígitos verificadores válidos" in cpf.message and "529" not in cpf.message
    assert not any(f.code.startswith("pii") for f in inspect_file(path, pii=False).findings)
    summary = clean_file(path, tmp_path / "masked.jsonl", report=report, mask_pii=True)
    masked = (tmp_path / "masked.jsonl").read_text(encoding="utf-8").splitlines()
    assert summary["masked_lines"] == 1 and masked[:3] == path.read_text(encoding="utf-8").splitlines()[:3]
    last = json.loads(masked[3])["messages"]
    assert last[0]["content"] == "CPF [CPF], [EMAIL]" and last[1]["content"] == f"Thanks! {phone}"
    assert mask_pii("tel (11) 98765-4321") == "tel [PHONE]"


def test_evaluation_fields_are_accepted_and_checked(tmp_path):
    assert findings_of(tmp_path, {"messages": [U, A], "facts": ["R$ 89"], "label": "refund"}) == []
    bad = findings_of(tmp_path, {"messages": [U, A], "facts": ["ok", ""], "label": ""})
    assert [f.code for f in bad] == ["invalid_facts", "invalid_label"]


@pytest.mark.parametrize("line, en, pt", [
    ('{"a" 1}', "a colon (:) is missing", "falta dois-pontos"),
    ('{"a": 1 "b": 2}', "a comma (,) or a closing bracket is missing", "falta uma vírgula"),
    ('{"a": 1,}', "a key in double quotes was expected", "era esperada uma chave"),
    ('{"a": "x', "its closing quote is missing", "falta a aspa de fechamento"),
    ('{"a": 1}}', "something follows the end", "há algo depois do fim"),
    ('{"a": tru}', "a value was expected here", "era esperado um valor"),
    ('{"a": "\\q"}', "invalid backslash escape", "escape inválida"),
])
def test_json_parser_messages_are_translated_with_line_and_column(tmp_path, line, en, pt):
    path = write(tmp_path / "bad.jsonl", [{"messages": [U, A]}, line])
    for lang, words in (("en", en), ("pt-BR", pt)):
        finding = next(f for f in inspect_file(path, lang=lang).findings if f.code == "invalid_json")
        assert finding.line == 2 and words in finding.message and "Expecting" not in finding.message
        assert finding.params["column"] >= 1


def test_binary_and_utf16_files_are_said_once(tmp_path):
    binary = tmp_path / "sheet.jsonl"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 40)
    with pytest.raises(InputError) as err:
        inspect_file(binary)
    assert "not a text file" in err.value.message("en") and "não é um arquivo de texto" in err.value.message("pt-BR")
    utf16 = tmp_path / "utf16.jsonl"
    utf16.write_bytes(json.dumps({"messages": [U, A]}).encode("utf-16"))
    with pytest.raises(InputError) as err:
        inspect_file(utf16)
    assert "UTF-16" in err.value.message("en")


def mixed_file(path: Path, n: int = 400) -> Path:
    """Every kind of line, duplicates and system-prompt variants on both sides of any cut."""
    lines: list = []
    for i in range(n):
        kind = i % 10
        if kind == 0:
            lines.append({"messages": [{"role": "system", "content": "You are Pia."}, U, A]})  # duplicates everywhere
        elif kind == 1:
            lines.append("{broken")
        elif kind == 2:
            lines.append("")
        elif kind == 3:
            lines.append(call('{"order_id": 5}'))
        elif kind == 4:
            lines.append({"messages": [{"role": "system", "content": "You are Pia."},
                                       {"role": "user", "content": f"CPF 529.982.247-25 n{i}"}, A], "id": i})
        else:
            system = "You are Pia." if i % 7 else "Other prompt."
            lines.append({"messages": [{"role": "system", "content": system}, {"role": "user", "content": f"Q{i}"},
                                       {"role": "assistant", "content": f"Answer {i} " * (1 + i % 9)}]})
    return write(path, lines)


def test_parallel_scan_gives_exactly_the_sequential_report(tmp_path):
    path = mixed_file(tmp_path / "mixed.jsonl")
    one, two, three = (inspect_file(path, lang="en", workers=w) for w in (1, 2, 3))
    assert one.to_json() == two.to_json() == three.to_json()
    for other in (two, three):
        assert [(f.line, f.code, f.message) for f in one.findings] == [(f.line, f.code, f.message) for f in other.findings]
        assert (list(one.example_tokens), list(one.example_offsets)) == (list(other.example_tokens), list(other.example_offsets))
    assert {"invalid_json", "duplicate_example", "tool_arguments_schema", "inconsistent_system_prompt"} <= set(one.error_counts)
    capped = inspect_file(path, lang="en", workers=2, max_findings=50)
    assert len(capped.findings) == 50 and capped.findings_dropped == len(one.findings) - 50


def test_grouped_text_output_and_json_one_entry_per_line(tmp_path, capsys):
    example = {"messages": [U, A], "id": 1}
    path = write(tmp_path / "ids.jsonl", [dict(example, id=i) for i in range(19)] + ["{bad"])
    assert main(["--lang", "en", "inspect", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(": warning [example_unrecognized_key] on 19 lines: 1–19 — Unknown key \"id\"" in line for line in out)
    assert out[0].endswith("[invalid_json] This line is not valid JSON: a key in double quotes was expected "
                           "(a trailing comma, or a key without quotes?) (column 2). Look near that column for a "
                           "missing comma, quote or closing bracket. Each line must be one complete JSON object.")
    assert any(": whole file: warning [too_few_examples]" in line for line in out)
    assert main(["inspect", str(path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert sum(e["code"] == "example_unrecognized_key" for e in data["errors"]) == 19
    groups = group_findings(inspect_file(path, lang="en").findings)
    assert [g.severity for g in groups] == sorted((g.severity for g in groups), key=["error", "warning", "info"].index)
    assert line_ranges_text([0, 2, 3, 4, 9, 11, 12]) == "whole file, 2–4, 9, 11–12"


def test_fix_one_line_writes_a_checked_copy(tmp_path):
    path = write(tmp_path / "src.jsonl", [{"messages": [U, A]}, "{broken", {"messages": [U, A]}])
    before = path.read_bytes()
    fixed = replace_line(path, 2, json.dumps({"messages": [U, A]}), tmp_path / "src_fixed.jsonl")
    assert inspect_file(fixed).n_examples == 3 and path.read_bytes() == before
    with pytest.raises(InputError):
        replace_line(path, 2, '{"messages": [', tmp_path / "other.jsonl")
    with pytest.raises(InputError):
        replace_line(path, 9, "{}", tmp_path / "other.jsonl")
    assert not (tmp_path / "other.jsonl").exists()
    replace_line(fixed, 1, '{"messages": []}', fixed)  # the lab's own copy is replaced in place
    assert fixed.read_text().splitlines()[0] == '{"messages": []}'
