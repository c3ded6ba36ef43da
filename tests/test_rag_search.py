"""Lexical tokens, the BM25 index and reciprocal rank fusion (no embedding model needed)."""
import numpy as np
import pytest

from core.rag.lexical import Lexical, fold, tokenize
from core.rag.search import fuse, top_rows

CHUNKS = ["Diária: R$ 89 por 24 horas. Capacete e cadeado inclusos.",
          "A caução de R$ 500 é liberada em até 5 dias úteis.",
          "Day rental: R$ 89. The deposit is R$ 500.",
          "O plano Básico custa R$ 149 por mês."]


def test_tokens_fold_accents_drop_stopwords_and_keep_numbers_whole():
    assert fold("Básico, CAUÇÃO") == "basico, caucao"
    assert tokenize("Quanto custa o plano Básico?") == ["quanto", "custa", "plano", "basico"]
    assert tokenize("R$ 6.490 ou 10,4 Ah") == ["r", "6.490", "10,4", "ah"]
    assert tokenize("the deposit of a bike") == ["deposit", "bike"]
    assert tokenize("") == []


def test_bm25_scores_the_chunk_with_the_rare_words_first_and_survives_a_round_trip():
    index = Lexical.build(CHUNKS)
    scores = index.scores("quanto custa o basico")  # typed without the accent
    assert scores.shape == (4,) and int(np.argmax(scores)) == 3
    assert index.scores("zebra unicornio").tolist() == [0.0] * 4  # no shared word, no score
    again = Lexical.from_bytes(index.to_bytes())
    assert np.allclose(again.scores("caução liberada"), index.scores("caução liberada"))
    with pytest.raises((ValueError, KeyError, OSError)):
        Lexical.from_bytes(b"not an index")


def test_an_empty_collection_still_builds_an_index():
    assert Lexical.build([]).scores("anything").shape == (1,)


def test_rank_fusion_rewards_chunks_both_rankings_like():
    allowed = np.arange(4)
    dense = np.array([0.80, 0.05, 0.79, 0.10])  # dense order: 0, 2, 3, 1
    lexical = np.array([0.0, 3.0, 2.5, 0.0])  # lexical order: 1, 2 (0 and 3 share no word)
    assert top_rows(dense, lexical, allowed, 4, mode="dense") == [0, 2, 3, 1]
    assert top_rows(dense, lexical, allowed, 4, mode="lexical") == [1, 2, 0, 3]
    # 2 is second in both rankings: 1/62 + 1/62 = 0.03226 beats 1's 1/61 + 1/64 = 0.03202 and
    # 0's 1/61 = 0.01639 alone.
    assert top_rows(dense, lexical, allowed, 3) == [2, 1, 0]
    assert top_rows(dense, lexical, np.array([0, 3]), 5) == [0, 3]  # only the allowed rows
    assert fuse([np.array([2, 0])], 3, k=60).tolist() == pytest.approx([1 / 62, 0.0, 1 / 61])
    with pytest.raises(ValueError):
        top_rows(dense, lexical, allowed, 1, mode="other")
