"""RagProvider: the retrieved passages travel to the inner provider under COPY_FROM, the copy bias
reaches local models only, and complete_batch retrieves for every question then makes ONE inner
complete_batch call (so local batching applies), with the sources on each Answer."""
from __future__ import annotations

from core.providers.base import Answer, ChatSettings, Provider
from core.providers.rag import RagProvider
from core.rag.copy_bias import COPY_FROM
from core.rag.grounded import SMALL_MODEL_SENTENCES


class Recorder(Provider):
    """An inner contestant that answers with the last prompt's length and records its calls."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.spec = kind
        self.calls: list[tuple[str, list, ChatSettings]] = []

    def stream(self, messages, settings):
        self.calls.append(("stream", [messages], settings))
        yield "ok"
        yield Answer(contestant=self.spec, text="ok", latency_s=0.5, ttft_s=0.1)

    def complete_batch(self, conversations, settings):
        self.calls.append(("batch", conversations, settings))
        return [Answer(contestant=self.spec, text=f"answer {i}", latency_s=1.0) for i in range(len(conversations))]


QUESTIONS = ["How much is a day rental?", "Quanto custa o plano Básico por mês?"]


def test_complete_batch_is_one_inner_call_with_sources_attached():
    inner = Recorder("local")
    rag = RagProvider(inner, spec="rag")
    conversations = [[{"role": "user", "content": q}] for q in QUESTIONS] + [[{"role": "assistant", "content": "no question"}]]
    answers = rag.complete_batch(conversations, ChatSettings(temperature=0, copy_bias=3.5, rag_k=2))

    assert [call[0] for call in inner.calls] == ["batch"]  # one batch, not one call per question
    kind, prompts, settings = inner.calls[0]
    assert len(prompts) == 2 and settings.copy_bias == 3.5 and settings.system_prompt is None
    for question, prompt in zip(QUESTIONS, prompts):
        last = prompt[-1]
        assert last["role"] == "user" and question in last["content"]
        # the embedded model is shown the sentences nearest the question across the 2 chunks
        assert len(last[COPY_FROM]) == SMALL_MODEL_SENTENCES
        assert all(passage.strip() and passage in last["content"] for passage in last[COPY_FROM])
    assert "89" in " ".join(prompts[0][-1][COPY_FROM])  # the day-rental price came with the passages
    assert "Básico" in " ".join(prompts[1][-1][COPY_FROM])  # Portuguese question, Portuguese documents

    assert [a.text for a in answers[:2]] == ["answer 0", "answer 1"]
    assert all(a.contestant == "rag" and a.latency_s >= 1.0 for a in answers[:2])
    for answer, prompt in zip(answers[:2], prompts):  # listed as numbered in the prompt, sentence = evidence
        assert [s["n"] for s in answer.sources] == list(range(1, SMALL_MODEL_SENTENCES + 1))
        assert [s["evidence"] for s in answer.sources] == prompt[-1][COPY_FROM]
    assert answers[2].error and not answers[2].text  # the conversation without a question says why


def test_hosted_inner_gets_no_copy_bias_and_stream_matches():
    inner = Recorder("openai")
    rag = RagProvider(inner, spec="rag:openai:gpt-4o-mini")
    items = list(rag.stream([{"role": "user", "content": QUESTIONS[0]}], ChatSettings(copy_bias=4.0)))
    assert items[0] == "ok" and isinstance(items[-1], Answer)
    final = items[-1]
    assert final.contestant == "rag:openai:gpt-4o-mini" and final.sources and final.latency_s >= 0.5
    _, prompts, settings = inner.calls[0]
    assert settings.copy_bias == 0.0
    assert prompts[0][-1][COPY_FROM]  # passages still attached; hosted providers drop the key
