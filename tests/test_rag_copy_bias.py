"""The copy-bias logits processor on a toy vocabulary (a real word-level fast tokenizer), and on the
embedded model's own tokenizer for the leading-space spelling of numbers."""
from __future__ import annotations

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from core.rag.copy_bias import COPY_FROM, START_SHARE, CopyBiasProcessor, copy_bias_processor, source_token_ids, sources_of

WORDS = ["<pad>", "<unk>", "the", "day", "rental", "costs", "R$", "89", "500", "deposit", "is", "week", "159"]


@pytest.fixture(scope="module")
def toy():
    vocab = {word: i for i, word in enumerate(WORDS)}
    core_tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core_tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=core_tok, pad_token="<pad>", unk_token="<unk>")


def ids(tok, text: str) -> list[int]:
    return tok(text, add_special_tokens=False)["input_ids"]


def conv(*sources: str) -> list[dict]:
    return [{"role": "user", "content": "question", COPY_FROM: list(sources)}]


def test_flat_bias_reaches_only_source_tokens_row_by_row(toy):
    processors = copy_bias_processor(toy, [conv("day rental costs R$ 89"), conv("deposit is R$ 500")], 3.0,
                                     follow=0.0)
    scores = torch.zeros((2, len(WORDS)))
    out = processors[0](torch.zeros((2, 1), dtype=torch.long), scores.clone())
    boosted = [{WORDS[i] for i in torch.nonzero(row).flatten().tolist()} for row in out]
    assert boosted[0] == {"day", "rental", "costs", "R$", "89"}
    assert boosted[1] == {"deposit", "is", "R$", "500"}
    assert torch.all(out[out != 0] == 3.0)


def test_follow_bonus_continues_the_stretch_being_copied(toy):
    source = "the day rental costs R$ 89 the week rental costs R$ 159"
    processor = CopyBiasProcessor([ids(toy, source)], bias=0.0, sequences=[[ids(toy, source)]], follow=4.0)
    processor(torch.tensor([ids(toy, "is")]), torch.zeros((1, len(WORDS))))  # step 1: the prompt "is"
    # The answer so far ends with "day rental costs R$": only "89" continues that stretch fully.
    tail = torch.tensor([ids(toy, "day rental costs R$")])
    out = processor(tail, torch.zeros((1, len(WORDS))))
    assert out[0, WORDS.index("89")] == 4.0
    assert out[0, WORDS.index("159")] == 4.0  # "costs R$" also precedes 159: a 2-token match too
    tail = torch.tensor([ids(toy, "week rental costs R$")])
    assert processor(tail, torch.zeros((1, len(WORDS))))[0, WORDS.index("159")] == 4.0
    # A one-token match ("R$" after an unrelated word) earns half the bonus.
    tail = torch.tensor([ids(toy, "deposit R$")])
    out = processor(tail, torch.zeros((1, len(WORDS))))
    assert out[0, WORDS.index("89")] == 2.0 and out[0, WORDS.index("day")] == 0.0


def test_bias_changes_the_greedy_choice_but_a_strong_preference_survives(toy):
    processors = copy_bias_processor(toy, [conv("costs R$ 89")], 3.0, follow=0.0)
    scores = torch.full((1, len(WORDS)), -10.0)
    scores[0, WORDS.index("500")] = 2.0  # the model's guess
    scores[0, WORDS.index("89")] = 0.0  # what the source says
    assert int(processors(torch.zeros((1, 1), dtype=torch.long), scores.clone()).argmax()) == WORDS.index("89")
    scores[0, WORDS.index("500")] = 5.0  # a much stronger preference is not overruled by +3
    assert int(processors(torch.zeros((1, 1), dtype=torch.long), scores.clone()).argmax()) == WORDS.index("500")


def test_nothing_to_do_returns_none(toy):
    assert copy_bias_processor(toy, [conv("R$ 89")], 0.0) is None
    assert copy_bias_processor(toy, [[{"role": "user", "content": "hi"}]], 3.0) is None
    assert sources_of([{"role": "user", "content": "q", COPY_FROM: ["  ", "R$ 89"]}]) == ["R$ 89"]


def test_embedded_tokenizer_spells_numbers_both_ways(embedded_model_path):
    from core.models import load_tokenizer

    tokenizer = load_tokenizer("embedded")
    found = source_token_ids(tokenizer, ["Day rental: R$ 89"])
    assert set(ids(tokenizer, " 89")) <= found | set(ids(tokenizer, "89"))
    assert not found & set(tokenizer.all_special_ids)


def test_end_of_text_gets_its_bonus_only_after_a_sentence_closes():
    """The eos bonus starts once the ANSWER (not the prompt) ends a sentence; "9 ." inside a
    number does not count."""
    words = ["<pad>", "<unk>", "</s>", "costs", "R$", "9", ".", "890", "[1]."]
    vocab = {word: i for i, word in enumerate(words)}
    core_tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core_tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(tokenizer_object=core_tok, pad_token="<pad>", unk_token="<unk>", eos_token="</s>")
    processors = copy_bias_processor(tok, [conv("costs R$ 9 . 890")], 2.0, follow=0.0, eos=5.0)
    eos = words.index("</s>")

    def eos_score(text: str) -> float:
        return float(processors(torch.tensor([ids(tok, text)]), torch.zeros((1, len(words))))[0, eos])

    assert eos_score("costs [1].") == 0.0  # first call: the prompt, even one ending a sentence
    assert eos_score("costs [1]. costs") == 0.0
    assert eos_score("costs [1]. costs R$ 9 .") == 0.0  # a decimal point, not a sentence end
    assert eos_score("costs [1]. costs R$ 9 . 890 [1].") == 5.0
    assert eos_score("costs [1]. costs R$ 9 . 890 [1]. costs") == 5.0  # remembered once seen
    assert copy_bias_processor(tok, [conv("costs R$ 9")], 2.0, eos=0.0)[0].eos == 0.0


def eos_bonus_after(tokenizer, processor, prompt):
    """answer -> the end-of-text bonus the processor gives after `prompt` + that answer."""
    def eos_bonus(answer: str) -> float:
        processor._start = None  # a fresh generation: the first call sees the prompt only
        processor(torch.tensor([prompt]), torch.zeros((1, len(tokenizer))))
        row = torch.tensor([prompt + ids(tokenizer, answer)])
        return float(processor(row, torch.zeros((1, len(tokenizer))))[0, tokenizer.eos_token_id])
    return eos_bonus


def test_a_number_ending_a_sentence_closes_it_at_the_next_spaced_word(embedded_model_path):
    """"R$ 1.590." is no end yet (it could be "R$ 1.590.000"); the space of the next word is."""
    from core.models import load_tokenizer

    tokenizer = load_tokenizer("embedded")
    processors = copy_bias_processor(tokenizer, [conv("A spare battery costs R$ 1.590. It charges in 4 hours.")],
                                     2.0, eos=5.0)
    processor = processors[0]
    prompt = ids(tokenizer, "Question: battery?")

    eos_bonus = eos_bonus_after(tokenizer, processor, prompt)

    assert eos_bonus("It costs R$ 1.590") == 0.0
    assert eos_bonus("It costs R$ 1.590.") == 0.0
    assert eos_bonus("It costs R$ 1.590. A") == 5.0


def test_an_answer_that_copied_a_source_to_its_end_may_stop(embedded_model_path):
    """A table row has no full stop: copying it to its last word is the end of the answer."""
    from core.models import load_tokenizer

    tokenizer = load_tokenizer("embedded")
    processors = copy_bias_processor(tokenizer, [conv("Day rental | R$ 89 | 24 hours from pick-up")], 2.0, eos=5.0)
    processor = processors[0]
    prompt = ids(tokenizer, "Question: day rental?")

    eos_bonus = eos_bonus_after(tokenizer, processor, prompt)

    assert eos_bonus("Day rental | R$ 89 | 24 hours") == 0.0
    assert eos_bonus("Day rental | R$ 89 | 24 hours from pick-up") == 5.0


def test_the_answer_never_repeats_an_ngram_but_may_copy_the_prompt(toy):
    source = "the day rental costs R$ 89"
    processor = CopyBiasProcessor([ids(toy, source)], bias=1.0, sequences=[[ids(toy, source)]], follow=4.0,
                                  no_repeat=3)
    prompt = ids(toy, source)  # the sources are in the prompt: copying them is allowed
    processor(torch.tensor([prompt]), torch.zeros((1, len(WORDS))))
    answer = ids(toy, "day rental costs R$ 89 day rental")
    out = processor(torch.tensor([prompt + answer]), torch.zeros((1, len(WORDS))))
    assert out[0, WORDS.index("costs")] == float("-inf")  # "day rental costs" again: banned
    assert torch.isfinite(out[0, WORDS.index("is")])
    fresh = ids(toy, "day rental")
    out = processor(torch.tensor([prompt + fresh]), torch.zeros((1, len(WORDS))))
    assert torch.isfinite(out[0, WORDS.index("costs")])  # the prompt's "day rental costs" does not count


def test_repetition_penalty_spares_the_sources_in_the_prompt(toy):
    processors = copy_bias_processor(toy, [conv("costs R$ 89")], 1.0, follow=0.0, eos=0.0,
                                     repetition_penalty=2.0)
    prompt = ids(toy, "the deposit is R$ 89")
    scores = torch.ones((1, len(WORDS)))
    out = processors(torch.tensor([prompt]), scores.clone())  # first step: nothing answered yet
    assert out[0, WORDS.index("89")] == out[0, WORDS.index("costs")] == 2.0  # bias only, no penalty
    out = processors(torch.tensor([prompt + ids(toy, "89")]), scores.clone())
    assert out[0, WORDS.index("89")] == 1.0  # (1 + 1) / 2: now the ANSWER has said it


def test_the_first_answer_token_is_drawn_to_the_beginning_of_a_source(toy):
    """At the first step the answer can only "continue" a source by starting it: START_SHARE of the
    follow bonus goes to each source's first token, so the answer begins with a whole sentence
    instead of a number fragment picked from the middle of one."""
    sources = ["day rental costs R$ 89", "deposit is R$ 500"]
    processor = CopyBiasProcessor([ids(toy, " ".join(sources))], bias=1.0,
                                  sequences=[[ids(toy, text) for text in sources]], follow=4.0)
    first = processor(torch.tensor([ids(toy, "the week")]), torch.zeros((1, len(WORDS))))
    start = 1.0 + 4.0 * START_SHARE  # the flat bias + the start share of follow
    assert first[0, WORDS.index("day")] == first[0, WORDS.index("deposit")] == start
    assert first[0, WORDS.index("89")] == first[0, WORDS.index("rental")] == 1.0  # the flat bias only
    later = processor(torch.tensor([ids(toy, "the week the")]), torch.zeros((1, len(WORDS))))
    assert later[0, WORDS.index("deposit")] == 1.0  # from the second token on: the stretch rules only
