"""OpenAI, Azure OpenAI and any OpenAI-compatible server (Ollama, vLLM, LM Studio) by base URL.

All three speak POST {base}/chat/completions with `stream=True`; we ask for a final usage chunk
(`stream_options={"include_usage": True}`) and, when a server does not send one, count the tokens
ourselves with tiktoken (flagged `tokens_estimated`). Keys come in as arguments; they never appear in
errors (`core.secrets.scrub`) and are never stored.
"""
from __future__ import annotations

from typing import Iterator
from urllib.parse import urlparse

from core.costs import inference_cost_usd
from core.errors import LabError, UnavailableError
from core.openai_edge import DEFAULT_AZURE_API_VERSION, Credentials, chat_error, make_client
from core.providers.base import Answer, ChatSettings, Provider, Stopwatch, StreamItem, with_system_prompt
from core.tokenizers import get_encoding

LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


def estimate_tokens(texts: list[str], per_message: int = 3) -> int:
    """Approximate OpenAI token count (o200k_base + ~3 tokens of chat framing per message)."""
    enc = get_encoding("o200k_base")
    return sum(len(enc.encode(text)) + per_message for text in texts)


def hosted_cost(model: str, tokens_in: int | None, tokens_out: int | None) -> float | None:
    """Price of one answer from the pricing data (core.costs); None when the model is unknown."""
    if tokens_in is None or tokens_out is None:
        return None
    try:
        return float(inference_cost_usd(model, tokens_in, tokens_out, fine_tuned=model.startswith("ft:")))
    except (LabError, KeyError, ValueError, TypeError):
        return None


class OpenAICompatProvider(Provider):
    """kind: 'openai' (api.openai.com or OPENAI_BASE_URL), 'azure' (a deployment), 'endpoint' (any URL)."""

    def __init__(self, kind: str, model: str, *, spec: str, api_key: str | None = None,
                 base_url: str | None = None, azure_endpoint: str | None = None,
                 api_version: str | None = None, timeout_s: float = 60.0) -> None:
        self.kind = kind
        self.model = model
        self.spec = spec
        self._api_key = api_key
        self.base_url = base_url
        self.azure_endpoint = azure_endpoint
        self.timeout_s = timeout_s
        # The key goes into the one Credentials shape the OpenAI edge builds clients from.
        self._credentials = Credentials(
            openai_api_key=api_key if kind == "openai" else None, azure_api_key=api_key if kind == "azure" else None,
            azure_endpoint=azure_endpoint, azure_api_version=api_version or DEFAULT_AZURE_API_VERSION,
            endpoint_api_key=api_key if kind == "endpoint" else None)

    def __repr__(self) -> str:  # never the key
        return f"OpenAICompatProvider(kind={self.kind!r}, model={self.model!r}, base_url={self.base_url!r})"

    @property
    def where(self) -> str:
        return self.azure_endpoint or self.base_url or "https://api.openai.com/v1"

    def check(self) -> None:
        if self.kind == "openai" and not self._api_key:
            raise UnavailableError("arena.err_no_openai_key", "arena.err_no_openai_key_hint")
        if self.kind == "azure" and not (self._api_key and self.azure_endpoint):
            raise UnavailableError("arena.err_no_azure", "arena.err_no_azure_hint")

    def client(self):
        return make_client(self._credentials, self.kind, base_url=self.base_url, max_retries=0,
                           timeout=self.timeout_s)

    def _request(self, messages: list[dict], settings: ChatSettings, usage: bool) -> dict:
        request = {"model": self.model, "messages": messages, "stream": True,
                   "temperature": settings.temperature, "top_p": settings.top_p}
        # OpenAI's own API prefers max_completion_tokens (required by its reasoning models);
        # Azure's GA api-version and the compatible servers know max_tokens.
        request["max_completion_tokens" if self.kind == "openai" else "max_tokens"] = settings.max_tokens
        if settings.seed is not None:
            request["seed"] = settings.seed
        if settings.stop:
            request["stop"] = list(settings.stop)
        if usage:
            request["stream_options"] = {"include_usage": True}
        return request

    def _error(self, exc: Exception) -> LabError:
        """The OpenAI edge's reading of an SDK exception, in the arena's words; the key is scrubbed."""
        return chat_error(exc, where=self.where, model=self.model, secrets=(self._api_key,))

    def stream(self, messages: list[dict], settings: ChatSettings) -> Iterator[StreamItem]:
        import openai  # lazy: the SDK loads only when a hosted contestant answers

        self.check()
        messages = with_system_prompt(messages, settings)
        watch = Stopwatch()
        client = self.client()
        try:
            try:
                chunks = client.chat.completions.create(**self._request(messages, settings, usage=True))
            except openai.BadRequestError as exc:
                if "stream_options" not in str(exc):
                    raise
                # Some older compatible servers reject stream_options: ask again, count tokens ourselves.
                chunks = client.chat.completions.create(**self._request(messages, settings, usage=False))
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc

        parts: list[str] = []
        answer = Answer(contestant=self.spec, model=self.model)
        try:
            for chunk in chunks:
                if getattr(chunk, "usage", None):
                    answer.tokens_in = chunk.usage.prompt_tokens
                    answer.tokens_out = chunk.usage.completion_tokens
                for choice in chunk.choices or []:
                    delta = getattr(choice.delta, "content", None) if choice.delta else None
                    if delta:
                        watch.token()
                        parts.append(delta)
                        yield delta
        except openai.OpenAIError as exc:  # the connection broke mid-answer: keep what arrived
            answer.error = self._error(exc).message(settings.lang)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        watch.stop()
        answer.text = "".join(parts)
        if answer.tokens_in is None:
            answer.tokens_in = estimate_tokens([m["content"] for m in messages])
            answer.tokens_out = estimate_tokens([answer.text], per_message=0)
            answer.tokens_estimated = True
        watch.fill(answer)
        host = urlparse(self.where).hostname or ""
        if self.kind == "endpoint":
            # A server on this machine costs the user's own hardware time; a remote one is unknown.
            answer.cost_usd = (round(settings.gpu_usd_per_hour * (answer.latency_s or 0) / 3600, 6)
                               if host in LOOPBACK else None)
        else:
            answer.cost_usd = hosted_cost(self.model, answer.tokens_in, answer.tokens_out)
        yield answer
