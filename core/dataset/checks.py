"""The checks of one example, and what its token count is made of.

Codes follow the OpenAI cookbook's pre-flight notebook (data_type, missing_messages_list,
message_missing_key, message_unrecognized_key, unrecognized_role, missing_content,
example_missing_assistant_message) but fix where it is wrong: the tool role, tool_calls and
tool_call_id are valid, weight may be numeric (0 or 1), and an assistant message with tool_calls
needs no content. The lab adds the codes listed in CODES below: tool-call arguments are checked
against the tools' JSON Schemas (tool_args.py), long messages for repetition (quality.py); file-level
checks (duplicates, length outliers, system prompts, personal data) run after the pass (inspector.py).

Each check function receives `emit(code, severity, **params)` for the current line and returns an
ExampleParts (the strings to count) or None when the example is too broken to count.

Token estimate (the cookbook method, extended): 3 per message + the tokens of every string value of
the message + 1 per `name` + 3 per example. Extensions, because the cookbook ignores them:
tool_calls count the tokens of every string inside them (id, type, function name, arguments);
content given as a list of parts counts the text of its text parts; an example's `tools` count the
tokens of their compact JSON (parameter names are keys, so only the JSON carries them).
"""
from __future__ import annotations

from typing import Any, Callable

from core.dataset.quality import MIN_CHARS, repeated_phrase
from core.dataset.tool_args import check_tool_calls, check_tools

Emit = Callable[..., None]

# code -> default severity (some codes also use another severity, e.g. too_few_examples).
CODES: dict[str, str] = {
    # file and line level
    "non_utf8": "error", "invalid_json": "error", "blank_line": "info", "bom": "info", "crlf": "info",
    "too_few_examples": "error", "format_mismatch": "error",
    "prompt_completion_format": "error", "prompt_completion_invalid": "error",
    "duplicate_example": "warning", "too_many_tokens": "warning",
    # cookbook codes
    "data_type": "error", "missing_messages_list": "error", "message_missing_key": "error",
    "message_unrecognized_key": "error", "unrecognized_role": "error", "missing_content": "error",
    "example_missing_assistant_message": "error",
    # chat additions
    "example_unrecognized_key": "warning", "invalid_name": "error", "invalid_weight": "error",
    "nothing_to_train": "warning", "last_not_assistant": "warning", "invalid_tool_calls": "error",
    "tool_arguments_invalid_json": "error", "tool_arguments_not_object": "error",
    "tool_arguments_schema": "error", "unknown_tool": "error", "unmatched_tool_call_id": "error",
    "unanswered_tool_call": "warning", "invalid_tools": "error",
    # evaluation files (facts a correct answer contains, a class label)
    "invalid_facts": "error", "invalid_label": "error",
    # content quality
    "missing_user_message": "warning", "repetitive_text": "warning", "length_outlier": "warning",
    "inconsistent_system_prompt": "warning",
    # personal data (inspect_file(pii=False) turns these off)
    "pii_email": "warning", "pii_phone": "warning", "pii_cpf": "warning", "pii_cnpj": "warning",
    "pii_card": "warning", "pii_shared": "info",
    # DPO
    "dpo_invalid_input": "error", "dpo_invalid_output": "error", "dpo_same_outputs": "error",
}

ROLES = frozenset({"system", "user", "assistant", "tool", "function"})
SIMPLE_ROLES = frozenset({"system", "user", "assistant"})  # roles whose plain text message needs no other key
MESSAGE_KEYS = frozenset({"role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call"})
CHAT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions", "facts", "label"})
DPO_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})
MAX_DEPTH = 32  # nesting we follow inside tool_calls (deeper JSON is not a real tool call)


class ExampleParts:
    """What one example contributes to the counts and the statistics (kept only until counted).

    Every string value whose tokens count is in exactly one of three lists: `trained` (what the
    model learns from: content and tool calls of assistant messages without weight 0), `shared`
    (strings that usually repeat across examples: system prompts, tool definitions, so the counter
    encodes each once) or `strings` (everything else). Known role names are not in the lists:
    `roles` has one entry per message (a known role, or "other", whose role string is then in
    `strings`) and the counter adds their tokens, because they repeat on every message.
    base: 3 per message + 1 per name + 3; conv/tools: the conversation, for local chat templates.
    declared: {tool name: its arguments' validator or None} from the example's tools (None: no tools).
    """

    __slots__ = ("strings", "trained", "shared", "base", "roles", "conv", "tools", "line", "offset", "system")

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.trained: list[str] = []
        self.shared: list[str] = []
        self.base = 3
        self.roles: list[str] = []
        self.conv: list[dict] = []
        self.tools: Any = None
        self.system: str | None = None  # the first system prompt (for the consistency check)
        self.line = 0
        self.offset = 0

    def all_strings(self) -> list[str]:
        return self.shared + self.strings + self.trained


def _leaf_strings(value: Any, out: list[str], depth: int = 0) -> None:
    """Every string inside a JSON value (dict values and list items), depth-limited."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _leaf_strings(item, out, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _leaf_strings(item, out, depth + 1)


def _content_texts(content: list) -> list[str] | None:
    """Texts of a list of content parts, or None when the list is not valid parts."""
    texts = []
    for part in content:
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            return None
        if part["type"] == "text":
            if not isinstance(part.get("text"), str):
                return None
            texts.append(part["text"])
    return texts


def check_messages(messages: list, emit: Emit, parts: ExampleParts, prefix: str = "",
                   declared: dict | None = None) -> tuple[bool, bool, str | None, bool]:
    """Check a list of messages, adding their strings to `parts`.

    Returns (has_assistant, has_trainable_assistant, last_role, has_user); has_user is also true when
    a message has an unknown role (already reported; it may be the user's turn). `prefix` names where the
    list lives in DPO ("input.") so messages read "input.messages[2]". declared: see _check_tools.
    """
    has_assistant = trainable = has_user = bad_role = False
    last_role = None
    open_calls: dict[str, int] = {}  # tool_call id -> index of the assistant message that made it
    last_index = len(messages)
    strings = parts.strings
    roles = parts.roles
    for index, message in enumerate(messages, 1):
        if type(message) is dict and len(message) == 2:  # fast path: {"role": known, "content": "text"}
            role = message.get("role")
            content = message.get("content")
            if type(content) is str and type(role) is str and role in SIMPLE_ROLES and content and not content.isspace():
                parts.base += 3
                roles.append(role)
                if role == "assistant":
                    if not has_assistant and not has_user and not bad_role:
                        emit("missing_user_message", "warning", index=index)
                    has_assistant = trainable = True
                    parts.trained.append(content)
                elif role == "system":
                    if parts.system is None:
                        parts.system = content
                    parts.shared.append(content)
                else:
                    has_user = True
                    strings.append(content)
                if len(content) >= MIN_CHARS:
                    _repetition(content, index, emit)
                last_role = role
                continue
        if not isinstance(message, dict):
            emit("data_type", "error", what=f"{prefix}messages[{index}]")
            last_role = None
            continue
        parts.base += 3
        role = message.get("role")
        if not message.keys() <= MESSAGE_KEYS:
            for key in sorted(k for k in message if k not in MESSAGE_KEYS):
                emit("message_unrecognized_key", "error", index=index, field=key)
        if "name" in message:
            if isinstance(message["name"], str) and message["name"]:
                parts.base += 1
            else:
                emit("invalid_name", "error", index=index)
        if role is None:
            emit("message_missing_key", "error", index=index, field="role")
        elif not isinstance(role, str) or role not in ROLES:
            emit("unrecognized_role", "error", index=index, role=str(role)[:40])
        roles.append(role if isinstance(role, str) and role in ROLES else "other")
        is_assistant = role == "assistant"
        if role == "user":
            has_user = True
        elif not isinstance(role, str) or role not in ROLES:
            bad_role = True  # reported above; it may well be the user's turn
        elif is_assistant and not has_assistant and not has_user and not bad_role:
            emit("missing_user_message", "warning", index=index)
        # weight (assistant only, 0 or 1; numbers such as 1.0 are fine, booleans are not)
        weight = message.get("weight", 1)
        if "weight" in message:
            if not is_assistant:
                emit("invalid_weight", "error", index=index, value=str(weight)[:20], reason="role")
            elif type(weight) not in (int, float) or weight not in (0, 1):
                emit("invalid_weight", "error", index=index, value=str(weight)[:20], reason="value")
                weight = 1
        trained_here = is_assistant and weight != 0
        if is_assistant:
            has_assistant = True
            trainable = trainable or trained_here
        content_target = parts.trained if trained_here else parts.shared if role == "system" else strings
        for key, value in message.items():  # the cookbook: tokens of every string value
            if type(value) is str and not (key == "role" and value in ROLES):
                (content_target if key == "content" else strings).append(value)
        calls = message.get("tool_calls")
        call_ids = None
        if calls is not None:
            if not is_assistant:
                emit("invalid_tool_calls", "error", index=index, reason="role")
            else:
                call_ids = check_tool_calls(calls, index, emit, declared)
            _leaf_strings(calls, parts.trained if trained_here else strings)
        acts = is_assistant and (calls is not None or message.get("function_call") is not None)
        # content
        content = message.get("content")
        if "content" not in message:
            if not acts:
                emit("message_missing_key", "error", index=index, field="content")
        elif isinstance(content, str):
            if not content.strip() and not acts:
                emit("missing_content", "error", index=index)
            elif len(content) >= MIN_CHARS:
                _repetition(content, index, emit)
            if role == "system" and parts.system is None and content.strip():
                parts.system = content
        elif isinstance(content, list):
            texts = _content_texts(content)
            if texts is None or not content:
                emit("missing_content", "error", index=index)
            else:
                content_target.extend(texts)
        elif not (content is None and acts):
            emit("missing_content", "error", index=index)
        # tool_call ids: every tool answer needs an earlier call with its id
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id is None:
                emit("message_missing_key", "error", index=index, field="tool_call_id")
            elif not isinstance(call_id, str) or call_id not in open_calls:
                emit("unmatched_tool_call_id", "error", index=index, id=str(call_id)[:60])
            else:
                del open_calls[call_id]
        if call_ids:
            for call_id in call_ids:
                open_calls[call_id] = index
        last_role = role
    for call_id, index in open_calls.items():
        if index != last_index:  # a call in the final message teaches calling; earlier ones need answers
            emit("unanswered_tool_call", "warning", index=index, id=call_id[:60])
    parts.conv = messages
    return has_assistant, trainable, last_role, has_user or bad_role


def _repetition(content: str, index: int, emit: Emit) -> None:
    found = repeated_phrase(content)
    if found is not None:
        phrase, times = found
        emit("repetitive_text", "warning", index=index, phrase=" ".join(phrase.split())[:60], times=times)


def _check_eval_fields(example: dict, emit: Emit) -> None:
    """Evaluation files: facts (short texts a correct answer contains) and label (a class name)."""
    if "facts" in example:
        facts = example["facts"]
        if not isinstance(facts, list) or not all(isinstance(f, str) and f.strip() for f in facts):
            emit("invalid_facts", "error")
    if "label" in example and (not isinstance(example["label"], str) or not example["label"].strip()):
        emit("invalid_label", "error")


def check_chat(example: Any, emit: Emit) -> ExampleParts | None:
    """One chat SFT example."""
    if not isinstance(example, dict):
        emit("data_type", "error", what=type(example).__name__)
        return None
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        emit("missing_messages_list", "error")
        return None
    if not example.keys() <= CHAT_KEYS:
        for key in sorted(k for k in example if k not in CHAT_KEYS):
            emit("example_unrecognized_key", "warning", field=str(key)[:40])
    parts = ExampleParts()
    declared_tools = None
    if len(example) > 1:  # tools / parallel_tool_calls / facts / label
        declared_tools = check_tools(example, emit, parts)
        _check_eval_fields(example, emit)
    has_assistant, trainable, last_role, _ = check_messages(messages, emit, parts, declared=declared_tools)
    if not has_assistant:
        emit("example_missing_assistant_message", "error")
    elif not trainable:
        emit("nothing_to_train", "warning")
    if has_assistant and last_role != "assistant":
        emit("last_not_assistant", "warning", role=str(last_role)[:40])
    return parts


def _dpo_output(value: Any) -> dict | None:
    """The single assistant message of a DPO output, or None when malformed."""
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        return None
    message = value[0]
    if message.get("role") != "assistant":
        return None
    content = message.get("content")
    if isinstance(content, str) and content.strip():
        return message
    if message.get("tool_calls") and content in (None, ""):
        return message
    return None


def check_dpo(example: Any, emit: Emit) -> ExampleParts | None:
    """One DPO example: input.messages (a valid conversation), and preferred / non-preferred outputs,
    each a list with exactly one assistant message, different from each other."""
    if not isinstance(example, dict):
        emit("data_type", "error", what=type(example).__name__)
        return None
    if not example.keys() <= DPO_KEYS:
        for key in sorted(k for k in example if k not in DPO_KEYS):
            emit("example_unrecognized_key", "warning", field=str(key)[:40])
    parts = ExampleParts()
    source = example.get("input")
    messages = source.get("messages") if isinstance(source, dict) else None
    countable = True
    if not isinstance(messages, list) or not messages:
        emit("dpo_invalid_input", "error")
        countable = False
    else:
        declared_tools = check_tools(source, emit, parts)
        _, _, _, has_user = check_messages(messages, emit, parts, prefix="input.", declared=declared_tools)
        if not has_user:
            emit("missing_user_message", "warning", index=1)
    outputs = []
    for key in ("preferred_output", "non_preferred_output"):
        message = _dpo_output(example.get(key))
        if message is None:
            emit("dpo_invalid_output", "error", field=key)
            countable = False
        outputs.append(message)
    if outputs[0] is not None and outputs[1] is not None and outputs[0] == outputs[1]:
        emit("dpo_same_outputs", "error")
    if not countable:
        return None
    conv = list(messages)
    for message in outputs:  # both answers are in the file, so both count (3 + strings each)
        parts.base += 3
        parts.roles.append("assistant")
        for key, value in message.items():
            if type(value) is str and key != "role":  # the role ("assistant") is counted from parts.roles
                (parts.trained if key == "content" else parts.strings).append(value)
        if isinstance(message.get("name"), str):
            parts.base += 1
        if message.get("tool_calls") is not None:
            _leaf_strings(message["tool_calls"], parts.trained)
        conv = conv + [message]
    parts.conv = conv
    return parts


def check_prompt_completion(example: Any, emit: Emit) -> ExampleParts | None:
    """A legacy {"prompt", "completion"} line; counted as the chat it converts to (user + assistant)."""
    if not isinstance(example, dict):
        emit("data_type", "error", what=type(example).__name__)
        return None
    prompt, completion = example.get("prompt"), example.get("completion")
    if not isinstance(prompt, str) or not isinstance(completion, str) or not completion.strip():
        emit("prompt_completion_invalid", "error")
        return None
    parts = ExampleParts()
    conv = [{"role": "user", "content": prompt}, {"role": "assistant", "content": completion}]
    parts.base += 6
    parts.strings.append(prompt)
    parts.trained.append(completion)
    parts.roles.extend(["user", "assistant"])
    parts.conv = conv
    return parts


CHECKERS = {"chat": check_chat, "unknown": check_chat, "dpo": check_dpo,
            "prompt_completion": check_prompt_completion}
