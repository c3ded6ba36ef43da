"""Chunking: sizes, overlap on sentence boundaries, headings kept with their text, nothing empty."""
import re

import pytest

from core.rag.chunking import chunk_text
from core.rag.embeddings import MAX_SEQ_TOKENS, count_tokens


def words(text: str) -> int:
    """A deterministic token counter for the unit tests: one token a word."""
    return len(text.split())


SENTENCES = [f"Sentence number {i} talks about topic {i % 7} in some detail." for i in range(40)]
TEXT = "# Policies\n\n" + "\n\n".join(" ".join(SENTENCES[i:i + 4]) for i in range(0, 40, 4))


def test_chunks_respect_the_size_and_are_never_empty():
    chunks = chunk_text(TEXT, max_tokens=30, overlap_tokens=10, count=words)
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.text.strip()
        assert chunk.n_tokens == words(chunk.text) <= 30


def test_chunks_end_on_sentence_boundaries_and_cover_every_sentence():
    chunks = chunk_text(TEXT, max_tokens=30, overlap_tokens=10, count=words)
    body = [c.text.replace("# Policies", "").strip() for c in chunks]
    for text in body:
        assert text.endswith("."), text  # no sentence cut in half
        assert re.match(r"^Sentence number \d+", text), text
    joined = " ".join(body)
    for sentence in SENTENCES:
        assert sentence in joined


def test_consecutive_chunks_overlap_by_whole_sentences_within_the_budget():
    chunks = chunk_text(TEXT, max_tokens=30, overlap_tokens=10, count=words)
    overlaps = 0
    for before, after in zip(chunks, chunks[1:]):
        first_sentence = re.match(r"Sentence number \d+[^.]*\.", after.text).group(0)
        if first_sentence in before.text:
            overlaps += 1
            assert before.text.rstrip().endswith(first_sentence)  # the tail of the previous chunk
            assert words(first_sentence) <= 10
    assert overlaps >= len(chunks) - 2  # all but paragraph-aligned starts carry an overlap


def test_no_overlap_means_each_sentence_exactly_once():
    chunks = chunk_text(TEXT, max_tokens=30, overlap_tokens=0, count=words)
    joined = " ".join(c.text for c in chunks)
    for sentence in SENTENCES:
        assert joined.count(sentence) == 1


def test_a_heading_stays_with_the_text_below_it_and_names_the_section():
    text = "# Guide\n\nIntro sentence one. Intro sentence two.\n\n## Theft\n\nReport it within 24 hours."
    chunks = chunk_text(text, max_tokens=8, overlap_tokens=0, count=words)
    assert not any(c.text.rstrip().endswith(("# Guide", "## Theft")) for c in chunks)
    theft = [c for c in chunks if "24 hours" in c.text][0]
    assert theft.text.startswith("## Theft") and theft.section == "Theft"


def test_an_overlong_sentence_is_split_by_words_and_only_headings_give_nothing():
    long = " ".join(f"w{i}" for i in range(95))
    chunks = chunk_text(long, max_tokens=20, overlap_tokens=5, count=words)
    assert [c.n_tokens for c in chunks] == [20, 20, 20, 20, 15]
    assert chunk_text("", count=words) == [] and chunk_text("\n\n  \n", count=words) == []
    assert chunk_text("# Only a title", count=words) == []


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        chunk_text("x", max_tokens=10, overlap_tokens=10, count=words)


def test_default_sizes_fit_the_embedding_model_in_both_languages():
    """Real WordPiece counts: Portuguese needs more tokens per word, chunks still fit in 256."""
    pt = ("A garantia do quadro é de cinco anos; motor e bateria têm dois anos de cobertura. "
          "Danos por imersão em água não são cobertos pela garantia. ") * 30
    for text in (pt, " ".join(SENTENCES)):
        chunks = chunk_text(text)
        assert len(chunks) > 1
        assert all(count_tokens(c.text) <= 160 for c in chunks)
        assert all(count_tokens(c.text) + 20 < MAX_SEQ_TOKENS for c in chunks)
