"""Providers: the real embedded model streaming, LoRA adapters switched on ONE base model, an
OpenAI-compatible endpoint on loopback, RAG over it, and unavailable contestants failing alone."""
from __future__ import annotations

import pytest

from core.errors import InputError, ProviderError, UnavailableError
from core.providers import Answer, ChatSettings, Column, collect, get_provider, list_contestants, stream_columns
from core.providers.local import LocalProvider, loaded_base, loaded_bases
from core.providers.openai_compat import OpenAICompatProvider
from core.providers.rag import RagProvider, guess_language
from tests.arena_support import FAKE_KEY, FakeOpenAI, fake_openai, tiny_run  # noqa: F401

GREEDY = ChatSettings(temperature=0, max_tokens=6)
QUESTION = [{"role": "user", "content": "Name one colour."}]


def drain(stream) -> tuple[list[str], Answer]:
    items = list(stream)
    assert isinstance(items[-1], Answer) and all(isinstance(i, str) for i in items[:-1])
    return items[:-1], items[-1]


def test_local_base_streams_deltas_then_one_answer(embedded_model_path):
    deltas, answer = drain(get_provider("base").stream(QUESTION, GREEDY.with_(gpu_usd_per_hour=3600.0)))
    assert deltas and answer.text == "".join(deltas) and answer.text.strip()
    assert answer.error is None and answer.contestant == "base"
    assert answer.tokens_in > 5 and 1 <= answer.tokens_out <= 6
    assert 0 < answer.ttft_s <= answer.latency_s
    assert answer.cost_usd == pytest.approx(answer.latency_s, rel=1e-3)  # $3600/h = $1 per second


def test_adapters_switch_on_one_base_and_columns_interleave_safely(tiny_run):
    base_before = loaded_base("embedded").model
    base_text = collect(get_provider("base").stream(QUESTION, GREEDY)).text
    run_answer = collect(get_provider(f"run:{tiny_run.id}").stream(QUESTION, GREEDY))
    assert run_answer.error is None and run_answer.contestant == f"run:{tiny_run.id}"
    assert run_answer.text != base_text  # the adapter really changes the model

    shared = loaded_base("embedded")
    assert shared.model is base_before  # never reloaded or copied
    assert shared.peft.base_model.model is base_before  # peft injected LoRA into the same module tree
    assert [key for key in loaded_bases() if key == "embedded"] == ["embedded"]

    # Three columns on the same base at once (base, adapter, base): each forward pass runs with its
    # own adapter (base = adapter layers disabled), so concurrent answers equal the sequential ones
    # token for token.
    specs = ["base", f"run:{tiny_run.id}", "base"]
    columns = [Column(get_provider(s), QUESTION, GREEDY, s) for s in specs]
    finals = {i: item for i, item in stream_columns(columns) if isinstance(item, Answer)}
    assert [finals[i].text for i in range(3)] == [base_text, run_answer.text, base_text]
    assert loaded_base("embedded").model is base_before


def test_openai_compatible_endpoint_streams_with_usage(fake_openai):
    fake_openai.delay_s = 0.01
    provider = get_provider(f"endpoint:{fake_openai.url}#pia-echo")
    deltas, answer = drain(provider.stream([{"role": "user", "content": "Plus?"}],
                                           ChatSettings(temperature=0.2, max_tokens=50, system_prompt="Be Pia.")))
    assert len(deltas) > 3 and answer.text == FakeOpenAI.reply_for("Plus?")
    assert (answer.tokens_in, answer.tokens_out, answer.tokens_estimated) == (11, len(deltas), False)
    assert answer.ttft_s > 0 and answer.tokens_per_s > 0 and answer.cost_usd == 0.0  # loopback, no GPU price
    body = fake_openai.requests[-1]["body"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == 50 and body["messages"][0] == {"role": "system", "content": "Be Pia."}


def test_server_without_usage_gets_counted_tokens(fake_openai):
    fake_openai.send_usage = False
    answer = collect(get_provider(f"endpoint:{fake_openai.url}#pia-echo").stream(QUESTION, GREEDY))
    assert answer.tokens_estimated and answer.tokens_out > 0 and answer.tokens_in > 0


def test_openai_provider_sends_key_and_never_leaks_it(fake_openai):
    good = OpenAICompatProvider("openai", "needs-key", spec="openai:needs-key", api_key=FAKE_KEY,
                                base_url=fake_openai.url)
    assert collect(good.stream(QUESTION, GREEDY)).text
    assert fake_openai.requests[-1]["auth"] == f"Bearer {FAKE_KEY}"
    assert fake_openai.requests[-1]["body"]["max_completion_tokens"] == GREEDY.max_tokens  # OpenAI's own parameter name
    wrong = "sk-wrong-key-abcdefghijklmnop"
    bad = OpenAICompatProvider("openai", "needs-key", spec="openai:needs-key", api_key=wrong, base_url=fake_openai.url)
    with pytest.raises(ProviderError) as caught:
        collect(bad.stream(QUESTION, GREEDY))
    assert "refused the API key" in caught.value.message("en") and wrong not in caught.value.message("en")
    with pytest.raises(UnavailableError, match="was not found"):
        collect(get_provider(f"endpoint:{fake_openai.url}#no-such-model").stream(QUESTION, GREEDY))


def test_unavailable_contestants_show_their_reason_while_the_other_answers(fake_openai):
    specs = ["openai:gpt-4o-mini", "endpoint:http://127.0.0.1:9/v1#llama3.2", f"endpoint:{fake_openai.url}#pia-echo",
             "run:run-does-not-exist"]
    columns = []
    for spec in specs:
        try:
            provider = get_provider(spec)
        except InputError as err:
            provider = err
        columns.append(Column(provider, QUESTION, GREEDY, spec))
    finals = {i: item for i, item in stream_columns(columns) if isinstance(item, Answer)}
    assert "No OpenAI API key" in finals[0].error
    assert "Nothing answered at http://127.0.0.1:9/v1" in finals[1].error
    assert finals[2].error is None and finals[2].text.startswith("Pia here")
    assert "no training run called run-does-not-exist" in finals[3].error


def test_rag_contestant_retrieves_cites_and_lists_sources(fake_openai, lab_home, tmp_path_factory):
    from tests.rag_support import bundled_index_template, install_template

    install_template(bundled_index_template(tmp_path_factory), lab_home)  # shared with the RAG tests
    provider = get_provider(f"rag:endpoint:{fake_openai.url}#pia-echo")
    assert isinstance(provider, RagProvider) and provider.spec == f"rag:endpoint:{fake_openai.url}#pia-echo"
    question = "How much does the Pedala Plus subscription cost per month?"
    answer = collect(provider.stream([{"role": "user", "content": question}], GREEDY.with_(max_tokens=64, rag_k=3)))
    assert answer.error is None and len(answer.sources) == 3
    assert {"n", "title", "snippet", "doc_id"} <= set(answer.sources[0]) and answer.sources[0]["n"] == 1
    prompt = fake_openai.requests[-1]["body"]["messages"][-1]["content"]
    assert "[1]" in prompt and "219" in prompt and question in prompt  # the Plus price came from the documents


def test_contestant_specs_and_list(tiny_run):
    assert isinstance(get_provider("base"), LocalProvider)
    assert isinstance(get_provider("rag"), RagProvider)
    assert get_provider("ft:gpt-4o-mini-2024-07-18:org::abc").model == "ft:gpt-4o-mini-2024-07-18:org::abc"
    azure = get_provider("azure:my-deploy")
    assert (azure.kind, azure.model) == ("azure", "my-deploy")
    for bad in ("", "gpt-4o", "endpoint:no-url#m", "endpoint:http://x/v1"):
        with pytest.raises(InputError):
            get_provider(bad)
    listed = {c.spec: c for c in list_contestants()}
    assert listed["base"].available and f"run:{tiny_run.id}" in listed and f"rag:run:{tiny_run.id}" in listed
    assert not listed["openai:gpt-4o-mini"].available and "OPENAI_API_KEY" in listed["openai:gpt-4o-mini"].reason


def test_question_language_guess():
    assert guess_language("Quanto custa o plano Plus por mês?") == "pt-BR"
    assert guess_language("How much does the Plus plan cost?") == "en"
    assert guess_language("Pedala Trilha", default="en") == "en"
