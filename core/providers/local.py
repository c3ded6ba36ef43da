"""Local transformers models: ONE copy of each base model in memory, LoRA adapters switched on it.

Why this shape:
- A base model is loaded once per base id (`loaded_base`). Fine-tuned runs are LoRA adapters that
  peft injects into that same module tree (PeftModel.from_pretrained for the first, load_adapter for
  the next); the base object is never copied or reloaded. The base itself answers with the adapter
  layers disabled — what peft's `disable_adapter()` context manager does — so it is bit-for-bit
  the original model.
- Generation runs `model.generate` on a worker thread and streams through a TextIteratorStreamer.
- Concurrency (measured in bench/bench_provider.py): the adapter state is global to the module tree,
  so two columns on the same base must not switch it under each other. Instead of one lock around a
  whole `generate` (columns would fill one after another), a forward pre-hook takes the base's lock
  and applies the calling thread's adapter (or "base"), and a forward hook releases it. Columns on the
  same base therefore interleave token by token — all three fill at once — and each forward pass runs
  with exactly its own adapter. Each generate keeps its own KV cache, so nothing else is shared.
  Cost: one lock round-trip per token and an adapter switch (a walk over the LoRA layers, ~1 ms for
  SmolLM2's 210 linear layers) only when consecutive steps belong to different adapters.
- Evaluation answers many questions: `complete_batch` left-pads them into ONE `generate` call (the
  attention mask hides the padding and positions follow the mask, so greedy answers match the
  one-at-a-time ones; bench/bench_eval.py reports the share identical and the speed-up).
- Both paths honour `settings.stop` (generate's stop_strings; the stop string itself is cut from
  the answer, as hosted APIs do) and the RAG copy bias (core.rag.copy_bias, read from the
  conversation's `copy_from` key before the messages are reduced to role/content).
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Iterator

from core.errors import InputError, LabError, UnavailableError
from core.i18n import t
from core.providers.base import Answer, ChatSettings, Provider, Stopwatch, StreamItem, with_system_prompt

log = logging.getLogger(__name__)

_KEEP = object()  # thread-local marker: "this forward is not one of ours, leave the adapters alone"


def canonical_base(model: str | None) -> str:
    """One key per base model: 'embedded' for every alias of the embedded model (including its cached
    folder, which is what adapter_config.json records), a resolved path for folders, else the hub id."""
    from core.models import embedded_cache_path, is_embedded

    if is_embedded(model):
        return "embedded"
    path = Path(str(model)).expanduser()
    if path.is_dir():
        resolved = path.resolve()
        if resolved == embedded_cache_path().resolve():
            return "embedded"
        return str(resolved)
    return str(model)


def base_label(model: str | None) -> str:
    """What to call a base model on screen: the embedded model's name, a folder's name, a hub id."""
    from core.models import EMBEDDED_MODEL

    key = canonical_base(model)
    if key == "embedded":
        return EMBEDDED_MODEL
    path = Path(key)
    if path.is_dir() and is_full_model(path) and path.name == "adapter":  # a full run: name the run
        return f"{path.parent.name} (full)"
    return path.name if path.is_dir() else key


def _device() -> str | None:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return None  # CPU: load_model's default


class LoadedBase:
    """A base model in memory plus the adapters loaded onto it, shared by every local contestant."""

    # True: concurrent generations interleave token by token (every column streams at once).
    # False: one whole generate at a time (columns fill one after another). bench/bench_provider.py
    # measures both.
    interleave: bool = True

    def __init__(self, model_id: str) -> None:
        from core.models import load_model

        self.model_id = model_id
        self.model, self.tokenizer = load_model(model_id, device=_device())
        self.peft = None  # PeftModel wrapping self.model, created with the first adapter
        self.adapters: dict[str, str] = {}  # resolved adapter folder -> adapter name in peft
        self.lock = threading.RLock()  # guards the adapter state, adapter loading and each forward
        self._current: object = None  # what the LoRA layers do now: None = base, or an adapter name
        self._local = threading.local()
        self.model.register_forward_pre_hook(self._before_forward)
        self.model.register_forward_hook(self._after_forward, always_call=True)

    # -- adapter state, applied per forward pass -------------------------------------------------
    def _apply(self, wanted: object) -> None:
        if wanted is _KEEP or wanted == self._current or self.peft is None:
            return
        if wanted is None:
            self.peft.base_model.disable_adapter_layers()  # = inside peft's disable_adapter()
        else:
            self.peft.set_adapter(wanted)
            self.peft.base_model.enable_adapter_layers()
        self._current = wanted

    def _before_forward(self, module, args):
        self.lock.acquire()
        try:
            self._apply(getattr(self._local, "adapter", _KEEP))
        except BaseException:
            self.lock.release()
            raise

    def _after_forward(self, module, args, output):
        self.lock.release()

    def ensure_adapter(self, adapter_dir: str | Path) -> str:
        """Load a LoRA adapter folder onto this base once; return its peft adapter name."""
        folder = Path(adapter_dir).expanduser().resolve()
        key = str(folder)
        with self.lock:
            if key in self.adapters:
                return self.adapters[key]
            if not (folder / "adapter_config.json").is_file():
                raise UnavailableError("arena.err_adapter_missing", "arena.err_adapter_missing_hint", path=key)
            name = f"adapter{len(self.adapters)}"
            try:
                if self.peft is None:
                    from peft import PeftModel

                    # Injects LoRA layers into self.model's own modules: the base object stays the same.
                    self.peft = PeftModel.from_pretrained(self.model, key, adapter_name=name)
                else:
                    self.peft.load_adapter(key, adapter_name=name)
            except (OSError, ValueError, RuntimeError, KeyError) as exc:
                log.warning("adapter %s failed to load: %s", key, exc)
                raise UnavailableError("arena.err_adapter_load", "arena.err_adapter_load_hint",
                                       path=key, detail=str(exc)[:200]) from exc
            self.peft.eval()
            self._current = object()  # unknown: re-apply before the next forward
            self.adapters[key] = name
            return name

    def encode(self, messages: list[dict], max_new_tokens: int):
        """Chat template -> input tensors, dropping the oldest turns when the prompt plus the answer
        would not fit the model's context window (the system message and the last turn stay)."""
        limit = int(getattr(self.model.config, "max_position_embeddings", 0) or 2048)
        msgs = list(messages)
        with self.lock:  # the fast tokenizer is not safe to call from two threads at once
            while True:
                inputs = self.tokenizer.apply_chat_template(
                    msgs, add_generation_prompt=True, return_tensors="pt", return_dict=True)
                n = int(inputs["input_ids"].shape[1])
                if n + max_new_tokens <= limit:
                    break
                first = 1 if msgs and msgs[0]["role"] == "system" else 0
                if len(msgs) - first <= 1:
                    raise InputError("arena.err_prompt_too_long", "arena.err_prompt_too_long_hint",
                                     tokens=n, limit=limit)
                del msgs[first]
        return inputs.to(self.model.device), n

    def generate(self, adapter: str | None, **kwargs):
        """model.generate with this thread's adapter choice applied at every forward pass."""
        import torch

        self._local.adapter = adapter
        try:
            with torch.inference_mode():
                if self.interleave:
                    return self.model.generate(**kwargs)
                with self.lock:  # re-entrant: the per-forward hooks take it again in this thread
                    return self.model.generate(**kwargs)
        finally:
            self._local.adapter = _KEEP


_pool: dict[str, LoadedBase] = {}
_pool_lock = threading.Lock()


def loaded_base(model: str | None = "embedded") -> LoadedBase:
    """The one in-memory copy of a base model (loaded on first use)."""
    key = canonical_base(model)
    with _pool_lock:
        if key not in _pool:
            _pool[key] = LoadedBase(key)
        return _pool[key]


def loaded_bases() -> dict[str, LoadedBase]:
    return dict(_pool)


def _make_streamer(tokenizer, watch: Stopwatch):
    from transformers import TextIteratorStreamer

    class TimedStreamer(TextIteratorStreamer):
        """A TextIteratorStreamer that also notes when the first generated token arrived."""

        def put(self, value):
            if not self.next_tokens_are_prompt:
                watch.token()
            super().put(value)

    return TimedStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)


def _stopping(stop: threading.Event):
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StopWhenAsked(StoppingCriteria):
        """Ends generation when the reader went away (column cleared, request cancelled)."""

        def __call__(self, input_ids, scores, **kwargs):
            import torch

            return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([StopWhenAsked()])


def cut_at_stop(text: str, stops: tuple[str, ...]) -> tuple[str, bool]:
    """The text before the first stop string (excluded, as the OpenAI API does) and whether one hit."""
    found = [i for i in (text.find(stop) for stop in stops) if i >= 0]
    return (text[:min(found)], True) if found else (text, False)


def generation_kwargs(base: "LoadedBase", settings: ChatSettings, conversations: list[list[dict]]) -> dict:
    """What stream() and complete_batch() both pass to generate: greedy or sampling, repetition
    penalty, stop strings, and the copy-bias logits processor for these conversations."""
    from core.rag.copy_bias import copy_bias_processor

    sampling = settings.temperature > 0
    kwargs: dict = dict(max_new_tokens=settings.max_tokens, do_sample=sampling,
                        pad_token_id=base.tokenizer.pad_token_id)
    if settings.stop:
        kwargs.update(stop_strings=list(settings.stop), tokenizer=base.tokenizer)
    processors = copy_bias_processor(base.tokenizer, conversations, settings.copy_bias,
                                     repetition_penalty=settings.repetition_penalty)
    if processors is not None:  # the copy bias, and the repetition penalty on the answer only
        kwargs["logits_processor"] = processors
    elif settings.repetition_penalty != 1.0:
        kwargs["repetition_penalty"] = settings.repetition_penalty
    if sampling:
        kwargs.update(temperature=settings.temperature, top_p=settings.top_p)
        if settings.seed is not None:
            import torch

            torch.manual_seed(settings.seed)  # global RNG: reproducible when one column samples
    return kwargs


def left_pad(rows: list, pad_id: int, device):
    """input_ids and attention_mask for prompts of different lengths, padded on the LEFT so every
    row's last prompt token sits in the last column and generation continues from there."""
    import torch

    width = max(int(r.shape[-1]) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        n = int(row.shape[-1])
        ids[i, width - n:] = row.reshape(-1)
        mask[i, width - n:] = 1
    return ids.to(device), mask.to(device)


def is_full_model(folder: Path) -> bool:
    """A run folder from full fine-tuning: a model's config.json, no adapter_config.json."""
    return (folder / "config.json").is_file() and not (folder / "adapter_config.json").is_file()


class LocalProvider(Provider):
    """A local transformers model, optionally with a LoRA adapter (a finished local run)."""

    kind = "local"

    def __init__(self, base_model: str = "embedded", adapter_dir: str | Path | None = None,
                 spec: str = "base", default_system_prompt: str | None = None) -> None:
        self.base_model = base_model
        self.adapter_dir = Path(adapter_dir) if adapter_dir else None
        self.spec = spec
        if self.adapter_dir and is_full_model(self.adapter_dir):
            # A method=full run saved a whole model where the adapter goes: it IS the base to load.
            self.base_model, self.adapter_dir = str(self.adapter_dir), None
        # A fine-tuned run answers best with the system prompt it was trained with (else the
        # chat template's default "You are SmolLM..." makes it sign as SmolLM).
        self.default_system_prompt = default_system_prompt

    def check(self) -> None:
        """Cheap availability check (no model load): raises UnavailableError with the reason."""
        from core.models import embedded_gguf_path, embedded_ready, is_embedded

        if is_embedded(self.base_model) and not embedded_ready():
            embedded_gguf_path()  # raises the 'not installed' error when the package is missing
        if self.adapter_dir and not (self.adapter_dir / "adapter_config.json").is_file():
            raise UnavailableError("arena.err_adapter_missing", "arena.err_adapter_missing_hint",
                                   path=str(self.adapter_dir))

    def stream(self, messages: list[dict], settings: ChatSettings) -> Iterator[StreamItem]:
        self.check()
        base = loaded_base(self.base_model)
        # After the one-time base load, before anything that may wait for another column's turn:
        # ttft includes queueing behind other columns (and an adapter's first load), as the user sees it.
        watch = Stopwatch()
        adapter = base.ensure_adapter(self.adapter_dir) if self.adapter_dir else None
        if settings.system_prompt is None and self.default_system_prompt:
            settings = settings.with_(system_prompt=self.default_system_prompt)
        inputs, tokens_in = base.encode(with_system_prompt(messages, settings), settings.max_tokens)
        stop = threading.Event()
        streamer = _make_streamer(base.tokenizer, watch)
        kwargs = dict(inputs, streamer=streamer, stopping_criteria=_stopping(stop),
                      **generation_kwargs(base, settings, [messages]))
        result: dict = {}

        def work() -> None:
            try:
                result["ids"] = base.generate(adapter, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - reported to the reader, never swallowed
                result["error"] = exc
                streamer.end()

        worker = threading.Thread(target=work, name=f"generate-{self.spec}", daemon=True)
        worker.start()
        parts: list[str] = []
        sent = 0  # characters already yielded
        try:
            for delta in streamer:
                if not delta:
                    continue
                parts.append(delta)
                text, hit = cut_at_stop("".join(parts), settings.stop)
                if len(text) > sent:
                    yield text[sent:]
                    sent = len(text)
                if hit:
                    parts = [text]
                    break
        finally:
            stop.set()  # a reader that left early stops the worker at its next token
        worker.join()
        watch.stop()
        answer = Answer(contestant=self.spec, text="".join(parts), tokens_in=tokens_in,
                        model=base_label(self.base_model) + (f" + {self.adapter_dir.name}" if self.adapter_dir else ""))
        if "ids" in result:
            answer.tokens_out = int(result["ids"].shape[1]) - tokens_in
        watch.fill(answer)
        answer.cost_usd = round(settings.gpu_usd_per_hour * (answer.latency_s or 0) / 3600, 6)
        if "error" in result:
            exc = result["error"]
            log.error("local generation failed", exc_info=exc)
            answer.error = exc.message(settings.lang) if isinstance(exc, LabError) else t(
                "arena.err_generation", settings.lang, detail=f"{type(exc).__name__}: {exc}"[:300])
        yield answer

    def complete_batch(self, conversations: list[list[dict]], settings: ChatSettings) -> list[Answer]:
        """All conversations in ONE generate call (left padding), same greedy answers as stream().
        A conversation that cannot be encoded (too long) gets an Answer with its error; the rest go
        on. Each Answer's latency is the batch's wall time (what the caller waited); its cost is
        the batch's GPU time shared equally; ttft/tokens_per_s stay None (nothing streams)."""
        if not conversations:
            return []
        self.check()
        base = loaded_base(self.base_model)
        started = time.perf_counter()
        adapter = base.ensure_adapter(self.adapter_dir) if self.adapter_dir else None
        if settings.system_prompt is None and self.default_system_prompt:
            settings = settings.with_(system_prompt=self.default_system_prompt)
        label = base_label(self.base_model) + (f" + {self.adapter_dir.name}" if self.adapter_dir else "")
        answers: list[Answer | None] = [None] * len(conversations)
        rows, kept = [], []
        for i, messages in enumerate(conversations):
            try:
                inputs, _ = base.encode(with_system_prompt(messages, settings), settings.max_tokens)
            except LabError as err:
                answers[i] = Answer(contestant=self.spec, error=err.message(settings.lang), model=label)
                continue
            rows.append(inputs["input_ids"][0])
            kept.append(i)
        if kept:
            pad = base.tokenizer.pad_token_id if base.tokenizer.pad_token_id is not None else base.tokenizer.eos_token_id
            ids, mask = left_pad(rows, pad, base.model.device)
            kwargs = generation_kwargs(base, settings, [conversations[i] for i in kept])
            try:
                output = base.generate(adapter, input_ids=ids, attention_mask=mask, **kwargs)
                error = None
            except Exception as exc:  # noqa: BLE001 - reported per answer, like stream() does
                log.error("local batch generation failed", exc_info=exc)
                output = None
                error = t("arena.err_generation", settings.lang, detail=f"{type(exc).__name__}: {exc}"[:300])
            elapsed = time.perf_counter() - started
            ends = {base.tokenizer.eos_token_id, pad} - {None}
            for row, i in enumerate(kept):
                answer = Answer(contestant=self.spec, model=label, tokens_in=int(rows[row].shape[-1]),
                                latency_s=elapsed, error=error,
                                cost_usd=round(settings.gpu_usd_per_hour * elapsed / len(kept) / 3600, 6))
                if output is not None:
                    new = output[row, ids.shape[1]:].tolist()
                    # Finished rows are padded with pad (= eos here) after their end: count up to it.
                    n = next((k + 1 for k, tok in enumerate(new) if tok in ends), len(new))
                    text = base.tokenizer.decode(new[:n], skip_special_tokens=True)
                    answer.text = cut_at_stop(text, settings.stop)[0]
                    answer.tokens_out = n
                answers[i] = answer
        return [a for a in answers if a is not None]
