"""Split a document into overlapping chunks that end on sentence (preferably paragraph) boundaries.

Sizes are counted in tokens of the embedding model's own WordPiece tokenizer (core.rag.embeddings.
count_tokens), not in words. Why: all-MiniLM-L6-v2 silently truncates its input at 256 tokens, and
the words-to-tokens ratio varies a lot with the language (~1.3 tokens a word for English, ~1.8 for
Portuguese, whose accented words the English vocabulary splits into pieces). Counting real tokens
is the only way to promise that no chunk loses its end to truncation in either language.

Defaults: 160 tokens a chunk (+ ~15 for the title/section line prepended when embedding, well under
256), 32 tokens of overlap (one or two sentences carried into the next chunk, so a fact that sits on
a boundary is still whole in one of them).

How: the text becomes a list of units (sentences; list items and other lines; a run of words when a
single sentence is longer than a chunk), each remembering whether it opens a paragraph and which
Markdown heading it sits under. Units are packed greedily; a chunk is closed early at a paragraph
break once it is 75 % full (at a new heading once 50 % full), and never ends with a dangling
heading.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

CHUNK_TOKENS = 160
OVERLAP_TOKENS = 32
SOFT_FILL = 0.75  # close a chunk at a paragraph break once it holds this share of CHUNK_TOKENS
SECTION_FILL = 0.5  # ... and at a new Markdown heading once it holds this share

_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
# A sentence ends with . ! ? … (optionally followed by a closing quote/bracket) then whitespace.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_HEADING = re.compile(r"^#{1,6}\s+(.*\S)\s*$")


@dataclass(frozen=True)
class Chunk:
    text: str
    section: str  # the Markdown heading the chunk starts under ("" when none)
    n_tokens: int


@dataclass
class _Unit:
    text: str
    joiner: str  # how it attaches to the previous unit: "\n\n" new paragraph, "\n" new line, " "
    n_tokens: int
    section: str
    heading: bool = False


def _word_windows(text: str, max_tokens: int, count: Callable[[str], int]) -> list[tuple[str, int]]:
    """A sentence longer than a chunk: consecutive runs of whole words, each within max_tokens.
    A single word longer than max_tokens (a URL, a hash) becomes a unit of its own."""
    windows: list[tuple[str, int]] = []
    words: list[str] = []
    used = 0
    for word in text.split():
        n = count(word)
        if words and used + n > max_tokens:
            windows.append((" ".join(words), used))
            words, used = [], 0
        words.append(word)
        used += n
    if words:
        windows.append((" ".join(words), used))
    return windows


def _units(text: str, max_tokens: int, count: Callable[[str], int]) -> list[_Unit]:
    units: list[_Unit] = []
    section = ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for paragraph in _PARAGRAPHS.split(text):
        joiner = "\n\n"
        for line in paragraph.split("\n"):
            line = line.strip()
            if not line:
                continue
            match = _HEADING.match(line)
            if match:
                section = match.group(1).strip()
                units.append(_Unit(line, joiner, count(line), section, heading=True))
                joiner = "\n"
                continue
            for sentence in _SENTENCE_END.split(line):
                sentence = sentence.strip()
                if not sentence:
                    continue
                n = count(sentence)
                pieces = [(sentence, n)] if n <= max_tokens else _word_windows(sentence, max_tokens, count)
                for piece, size in pieces:
                    units.append(_Unit(piece, joiner, size, section))
                    joiner = " "
            joiner = "\n"
    return units


def _join(units: list[_Unit]) -> str:
    return "".join((u.joiner if i else "") + u.text for i, u in enumerate(units))


def chunk_text(text: str, max_tokens: int = CHUNK_TOKENS, overlap_tokens: int = OVERLAP_TOKENS,
               count: Callable[[str], int] | None = None) -> list[Chunk]:
    """Chunks of at most max_tokens (except a single word longer than that), consecutive chunks
    sharing up to overlap_tokens of whole sentences. count(text) -> tokens; default: the embedding
    model's tokenizer. Never returns an empty chunk; an empty text gives []."""
    if max_tokens < 1 or overlap_tokens < 0 or overlap_tokens >= max_tokens:
        raise ValueError("need max_tokens >= 1 and 0 <= overlap_tokens < max_tokens")
    if count is None:
        from core.rag.embeddings import count_tokens as count
    chunks: list[Chunk] = []
    current: list[_Unit] = []

    def size(units: list[_Unit]) -> int:
        return sum(u.n_tokens for u in units)

    def close() -> list[_Unit]:
        """Emit the current chunk; return the units it hands on (a trailing heading + overlap)."""
        body = list(current)
        tail: list[_Unit] = []
        while body and body[-1].heading:  # a heading belongs with the text that follows it
            tail.insert(0, body.pop())
        if not any(not u.heading for u in body):  # only headings: keep them, there is no text yet
            return current
        chunks.append(Chunk(_join(body), body[0].section, size(body)))
        carry: list[_Unit] = []
        if not tail:
            for unit in reversed(body[1:]):  # never carry the whole chunk over
                if unit.heading or size(carry) + unit.n_tokens > overlap_tokens:
                    break
                carry.insert(0, unit)
        return carry + tail

    for unit in _units(text, max_tokens, count):
        used = size(current)
        fresh = current and not all(u.heading for u in current)
        full = used + unit.n_tokens > max_tokens
        paragraph_break = unit.joiner == "\n\n" and used >= SOFT_FILL * max_tokens
        section_break = unit.heading and used >= SECTION_FILL * max_tokens
        if fresh and (full or paragraph_break or section_break):
            current = close()
            while current and size(current) + unit.n_tokens > max_tokens:
                current.pop(0)  # drop overlap first, oldest sentence first, to make room
        current.append(unit)
    if current and any(not u.heading for u in current):
        chunks.append(Chunk(_join(current), current[0].section, size(current)))
    return chunks
