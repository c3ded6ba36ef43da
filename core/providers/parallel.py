"""Several contestants answering at once: one thread per column, one merged stream of events.

`stream_columns` yields (column index, item) where item is a text delta (str) or the column's final
Answer, in arrival order. A column that cannot start (unavailable contestant, bad spec) or that
crashes ends with an Answer whose `error` is the reason; the other columns are not affected. Closing
the generator (the user pressed Clear, the request was cancelled) closes every column's stream, which
stops local generation at its next token.
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Iterator

from core.errors import LabError
from core.i18n import t
from core.providers.base import Answer, ChatSettings, Provider, StreamItem

log = logging.getLogger(__name__)


@dataclass
class Column:
    """One column's work: who answers (a provider, or the LabError that says why nobody can),
    the conversation so far, and its settings."""

    provider: Provider | LabError
    messages: list[dict]
    settings: ChatSettings
    spec: str = ""


def _run(index: int, column: Column, out: queue.Queue, stop: threading.Event) -> None:
    lang = column.settings.lang
    if isinstance(column.provider, LabError):
        out.put((index, Answer(contestant=column.spec, error=column.provider.message(lang))))
        return
    stream = None
    final = False
    try:
        stream = column.provider.stream(column.messages, column.settings)
        for item in stream:
            if stop.is_set():
                break
            final = final or isinstance(item, Answer)
            out.put((index, item))
    except LabError as err:
        out.put((index, Answer(contestant=column.spec, error=err.message(lang))))
        final = True
    except Exception as exc:  # noqa: BLE001 - one broken column must not take the others down
        log.exception("column %s (%s) failed", index, column.spec)
        out.put((index, Answer(contestant=column.spec,
                               error=t("arena.err_generation", lang, detail=f"{type(exc).__name__}: {exc}"[:300]))))
        final = True
    finally:
        if stream is not None:
            stream.close()
        if not final:  # stopped early: still tell the reader this column is over
            out.put((index, Answer(contestant=column.spec, error=t("arena.stopped", lang))))


# transformers resolves its top-level names lazily, and that is not safe on first use from two threads
# at once: `from transformers import X` racing in two threads fails with "cannot import name"
# (reproduced with two plain threads; in the arena a RAG column lost its answer to it).
_LAZY_NAMES = ("AutoModelForCausalLM", "AutoTokenizer", "LogitsProcessor", "LogitsProcessorList",
               "StoppingCriteria", "StoppingCriteriaList", "TextIteratorStreamer")


def _resolve_lazy_imports(columns: list[Column]) -> None:
    """Resolve the names local contestants import, once, before any column thread starts."""
    if any(getattr(c.provider, "kind", "") in ("local", "rag") for c in columns):
        import transformers  # heavy: only when a local model is about to answer

        for name in _LAZY_NAMES:
            getattr(transformers, name)


def stream_columns(columns: list[Column]) -> Iterator[tuple[int, StreamItem]]:
    """Run every column at once; yield (index, delta or Answer) until each column sent its Answer."""
    _resolve_lazy_imports(columns)
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    threads = [threading.Thread(target=_run, args=(i, c, out, stop), name=f"column-{i}", daemon=True)
               for i, c in enumerate(columns)]
    for thread in threads:
        thread.start()
    pending = set(range(len(columns)))
    try:
        while pending:
            index, item = out.get()
            if isinstance(item, Answer):
                if index not in pending:
                    continue
                pending.discard(index)
            yield index, item
    finally:
        stop.set()
