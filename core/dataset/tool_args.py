"""Tool-call arguments checked against the called tool's `parameters` (a JSON Schema), with the
jsonschema library, and calls to tools the example does not declare.

Validators are built once per distinct `tools` list (files repeat the same definitions on every
line) and kept in a small cache keyed by the tools' compact JSON.
"""
from __future__ import annotations

import json
from typing import Any, Callable

import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match
from jsonschema.validators import validator_for

Emit = Callable[..., None]
JSON_TYPES = {dict: "object", list: "array", str: "string", int: "integer", float: "number", bool: "boolean",
              type(None): "null"}
CACHE_MAX = 256
_cache: dict[str, tuple[dict[str, Any], list[str]]] = {}


def declared_tools(tools_text: str, tools: list) -> tuple[dict[str, Any], list[str]]:
    """({function name: validator or None}, [fields whose schema is invalid]) for a valid tools list."""
    hit = _cache.get(tools_text)
    if hit is not None:
        return hit
    validators: dict[str, Any] = {}
    bad: list[str] = []
    for i, tool in enumerate(tools):
        function = tool["function"]
        schema = function.get("parameters")
        validator = None
        if isinstance(schema, dict):
            cls = validator_for(schema, default=Draft202012Validator)
            try:
                cls.check_schema(schema)
                validator = cls(schema)
            except SchemaError:
                bad.append(f"tools[{i + 1}].function.parameters")
        elif schema is not None:
            bad.append(f"tools[{i + 1}].function.parameters")
        validators[function["name"]] = validator
    if len(_cache) >= CACHE_MAX:
        _cache.clear()
    _cache[tools_text] = (validators, bad)
    return validators, bad


def json_path(parts) -> str:
    """deque(["items", 0, "sku"]) -> "items[0].sku"; the arguments object itself is "arguments"."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "arguments"


def _schema_problem(error) -> dict[str, Any]:
    """Catalogue key and parameters for the most relevant jsonschema error (the path names where)."""
    path = list(error.absolute_path)
    kind, extra = error.validator, {}
    if kind == "required":
        missing = [p for p in error.validator_value if isinstance(error.instance, dict) and p not in error.instance]
        path.append(missing[0] if missing else "?")
    elif kind == "type":
        expected = error.validator_value
        extra = {"expected": " | ".join(expected) if isinstance(expected, list) else str(expected),
                 "found": JSON_TYPES.get(type(error.instance), "value")}
    elif kind == "enum":
        extra = {"allowed": ", ".join(json.dumps(v, ensure_ascii=False) for v in error.validator_value)[:200],
                 "value": json.dumps(error.instance, ensure_ascii=False)[:80]}
    elif kind == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = {"extra": ", ".join(str(k) for k in error.instance if k not in known)[:200]}
    else:
        kind = "other"
        extra = {"rule": str(error.validator), "limit": json.dumps(error.validator_value, ensure_ascii=False)[:80]}
    return {"problem_key": f"inspect.schema.{kind}", "path": json_path(path), **extra}


def check_arguments(arguments: str, name: str, tools: dict[str, Any] | None, index: int, emit: Emit) -> None:
    """Findings for one call's arguments: not JSON, JSON but not an object (double-encoded), not
    matching the schema; and a name that `tools` does not declare (tools None: the example has no
    tools, so only the JSON is checked)."""
    try:
        value = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        try:  # what orjson refuses but Python accepts (NaN, huge integers) is still JSON
            value = json.loads(arguments)
        except (ValueError, RecursionError):
            emit("tool_arguments_invalid_json", "error", index=index, name=name)
            return
    if not isinstance(value, dict):
        double = isinstance(value, str) and value.lstrip()[:1] in ("{", "[")
        emit("tool_arguments_not_object", "error", index=index, name=name, found=JSON_TYPES.get(type(value), "value"),
             reason_key="inspect.reason.double_encoded" if double else "inspect.reason.not_object")
        return
    if tools is None:  # the example declares no tools: nothing to check the call against
        return
    if name not in tools:
        emit("unknown_tool", "error", index=index, name=name[:60], declared=", ".join(sorted(tools))[:200])
        return
    validator = tools[name]
    if validator is not None:
        error = best_match(validator.iter_errors(value))
        if error is not None:
            emit("tool_arguments_schema", "error", index=index, name=name, **_schema_problem(error))


def tools_text(tools: Any) -> str:
    """Compact JSON of an example's tool definitions (what the estimate counts for them)."""
    return json.dumps(tools, separators=(",", ":"), ensure_ascii=False, sort_keys=False)


def check_tool_calls(calls: Any, index: int, emit: Emit, declared: dict | None) -> list[str] | None:
    """Validate an assistant's tool_calls and their arguments; return their ids (None when malformed)."""
    if not isinstance(calls, list) or not calls:
        emit("invalid_tool_calls", "error", index=index, reason="list")
        return None
    ids = []
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if (not isinstance(call, dict) or not isinstance(call.get("id"), str) or not call["id"]
                or call.get("type", "function") != "function" or not isinstance(function, dict)
                or not isinstance(function.get("name"), str) or not function["name"]
                or not isinstance(function.get("arguments"), str)):
            emit("invalid_tool_calls", "error", index=index, reason="shape")
            return None
        check_arguments(function["arguments"], function["name"], declared, index, emit)
        ids.append(call["id"])
    return ids


def check_tools(example: dict, emit: Emit, parts) -> dict | None:
    """Validate tools / parallel_tool_calls; return {name: validator} of the declared tools."""
    found = None
    tools = example.get("tools")
    if tools is not None:
        ok = isinstance(tools, list) and all(
            isinstance(tool, dict) and tool.get("type", "function") == "function"
            and isinstance(tool.get("function"), dict) and isinstance(tool["function"].get("name"), str)
            for tool in tools)
        if not ok:
            emit("invalid_tools", "error", field="tools")
        elif tools:
            parts.tools = tools
            text = tools_text(tools)
            parts.shared.append(text)
            found, bad = declared_tools(text, tools)
            for field in bad:
                emit("invalid_tools", "error", field=field)
    if "parallel_tool_calls" in example and not isinstance(example["parallel_tool_calls"], bool):
        emit("invalid_tools", "error", field="parallel_tool_calls")
    return found
