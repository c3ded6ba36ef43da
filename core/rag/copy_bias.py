"""Decoding that favours copying: a logit bonus for tokens that occur in the retrieved sources.

Why: SmolLM2-135M does not copy a fact from its context on its own (given "Day rental: R$ 89" it
answered "$63"). Adding a bias to the logits of tokens that appear in the sources makes the right
number the likelier continuation without forcing anything: the model still chooses. A second
bonus goes to the token that CONTINUES the stretch of a source the answer is copying, so a copied
sentence stays whole instead of being stitched from pieces of several passages.

Measured on the builder's questions (assets/samples/grounded_questions.json, not the evaluation
set), 8 a language, greedy, 3 compact passages, fact recall of the embedded model (en / pt-BR):
bias 0: 0/8 / 0/8; +4 flat: 4/8 / 2/8; +4 with follow +4: 4/8 / 3/8; +4 with follow +8: 4/8 / 4/8;
+6 with follow +6: 2/8 / 4/8. Hence ChatSettings.copy_bias = 4 and FOLLOW_SHARE = 2.

A third bonus goes to the end-of-text token (tokenizer.eos_token_id, <|im_end|> for the embedded
model) once the answer has closed a sentence, so short answers stop instead of running to the
token limit. Same 8+8 questions, 3 passages of 3 sentences, max_tokens 64 (recall en / pt-BR,
mean tokens out): share 0: 0.50 / 0.62, 64 / 64; share 1 (+4): unchanged; share 2: 0.50 / 0.62,
57 / 64; share 3 (+12): 0.50 / 0.62, 48 / 63. Recall never dropped, so EOS_SHARE = 3.

Three more rules (issue 11, second round; builder questions, 2 focused sentences, fact recall en /
pt-BR): the first answer token gets half the follow bonus for each source's FIRST token, so the
answer starts a sentence instead of a number fragment from the middle of one (en 0.59 -> 0.62); no
n-gram of NO_REPEAT tokens twice in the answer, and the repetition penalty counts the answer's own
tokens only (AnswerRepetitionPenalty), so it stops loops without pushing the model away from the
sources; a "." after a digit closes a sentence once the next token starts with a space.

Third round (one focused sentence, core.rag.grounded.SMALL_MODEL_SENTENCES): the first token gets
the whole follow bonus for a source's first token (START_SHARE 1; 0.5 before), and an answer that
has copied a source to its last token counts as closed (a table row has no full stop). Builder /
evaluation questions, en 0.81 / 0.64 -> 0.88 / 0.64, pt-BR 0.84 / 0.66 -> 0.84 / 0.75; mean answer
length 27 -> 23 tokens (en), 41 -> 33 (pt-BR).

How it is wired: the RAG contestant puts the passages it shows on the last user message under
the extra key `copy_from` (a list of strings). Local providers read that key (chat templates and
the OpenAI-compatible providers drop unknown keys, since both rebuild messages as role/content
only) and, when `ChatSettings.copy_bias > 0`, pass `copy_bias_processor(...)` to `generate`. One
row per conversation, so a batch of RAG questions gets each its own sources.
"""
from __future__ import annotations

from typing import Sequence

import torch
from transformers import LogitsProcessor, LogitsProcessorList, RepetitionPenaltyLogitsProcessor

COPY_FROM = "copy_from"  # message key holding the source passages a local model may copy from
FOLLOW_SHARE = 2.0  # continuation bonus = FOLLOW_SHARE x bias (measured: see the module docstring)
NO_REPEAT = 6  # an n-gram of this many tokens never twice in one answer (0: off)
EOS_SHARE = 3.0  # end-of-text bonus = EOS_SHARE x bias, once the answer has finished a sentence
START_SHARE = 1.0  # first-token bonus for a source's first token = START_SHARE x follow
_ENDS = (".", "!", "?", "]", "].", "]:")  # a token ending like this may close a sentence


class CopyBiasProcessor(LogitsProcessor):
    """scores[row, token] += bias for every token id in token_ids[row]; and, when `sequences` are
    given (the sources as token sequences), + follow for each token that continues a stretch of a
    source the answer is already copying (the last 1-3 generated tokens match a place in a source:
    the token after that place). Why the second part: the flat bias alone makes a small model pick
    source words but stitch them in the wrong order ("R$ 6.490" for the Trilha); following the
    stretch it started keeps "costs R$ 9.890" whole. follow is halved for a one-token match."""

    def __init__(self, token_ids: Sequence[Sequence[int]], bias: float,
                 sequences: Sequence[Sequence[Sequence[int]]] | None = None, follow: float = 0.0,
                 eos_id: int | None = None, eos: float = 0.0, end_ids: Sequence[int] = (),
                 digit_ids: Sequence[int] = (), dot_ids: Sequence[int] = (), spaced_ids: Sequence[int] = (),
                 no_repeat: int = 0) -> None:
        self.no_repeat = int(no_repeat)
        self.spaced_ids = set(int(i) for i in spaced_ids)
        self.eos_id = eos_id
        self.eos = float(eos)
        self.end_ids = set(int(i) for i in end_ids)
        self.digit_ids = set(int(i) for i in digit_ids)
        self.dot_ids = set(int(i) for i in dot_ids)
        self._start: int | None = None  # prompt length: where the answer begins
        self._done: list[bool] = []  # per row: the answer has closed a sentence
        self.token_ids = [sorted(set(int(i) for i in row)) for row in token_ids]
        self.bias = float(bias)
        self.follow = float(follow)
        self.sequences = [[list(map(int, seq)) for seq in row] for row in (sequences or [])]
        # token -> [(sequence index, position)] per row, to find where the answer's last token sits
        self._where: list[dict[int, list[tuple[int, int]]]] = []
        for row in self.sequences:
            where: dict[int, list[tuple[int, int]]] = {}
            for s, seq in enumerate(row):
                for i, tok in enumerate(seq[:-1]):
                    where.setdefault(tok, []).append((s, i))
            self._where.append(where)
        self._mask: torch.Tensor | None = None

    def _build(self, scores: torch.Tensor) -> torch.Tensor:
        rows, vocab = scores.shape
        mask = torch.zeros((len(self.token_ids), vocab), dtype=scores.dtype, device=scores.device)
        for row, ids in enumerate(self.token_ids):
            kept = [i for i in ids if 0 <= i < vocab]
            if kept:
                mask[row, kept] = self.bias
        if rows != mask.shape[0]:  # num_return_sequences / beams: each row repeated in place
            mask = mask.repeat_interleave(rows // max(1, mask.shape[0]), dim=0)
        return mask

    def _continuations(self, row: int, ids: list[int]) -> dict[int, float]:
        """{next token: bonus} for the places in row's sources that the answer's tail matches."""
        bonus: dict[int, float] = {}
        for s, i in self._where[row].get(ids[-1], ()):
            seq = self.sequences[row][s]
            matched = 1
            while matched < 3 and i - matched >= 0 and len(ids) > matched and seq[i - matched] == ids[-1 - matched]:
                matched += 1
            value = self.follow if matched >= 2 else self.follow / 2
            nxt = seq[i + 1]
            bonus[nxt] = max(bonus.get(nxt, 0.0), value)
        return bonus

    def _sentence_closed(self, input_ids: torch.LongTensor) -> list[bool]:
        """Per row, whether the answer has ended a sentence (". " "]" "?"), remembered once seen.
        A "." right after a digit is not an end yet ("R$ 9.890" is still one number); it is once
        the next token starts with a space ("R$ 1.590. A spare…")."""
        if input_ids.shape[1] > self._start:
            width = min(3, int(input_ids.shape[1]) - self._start)  # answer tokens only
            for row, tail in enumerate(input_ids[:, -width:].tolist()):
                if self._done[row]:
                    continue
                tail = [None] * (3 - width) + tail
                first, before, last = tail
                if self._copied_to_end(row, tail):
                    self._done[row] = True
                elif last in self.end_ids:
                    self._done[row] = not (last in self.dot_ids and before in self.digit_ids)
                elif last in self.spaced_ids and before in self.dot_ids and first in self.digit_ids:
                    self._done[row] = True
        return self._done

    def _copied_to_end(self, row: int, tail: list) -> bool:
        """The answer's last two tokens are a source's last two: it has copied that source to its
        end. Why: a table row or list item ("Diária | R$ 89 | 24 horas") has no final full stop,
        so without this the answer runs on after the fact."""
        if row >= len(self.sequences) or tail[-2] is None:
            return False
        return any(len(seq) >= 2 and seq[-2:] == tail[-2:] for seq in self.sequences[row])

    def _ban_repeats(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> None:
        """No n-gram of `no_repeat` tokens twice in the ANSWER (the prompt is not counted, unlike
        transformers' no_repeat_ngram_size, which would forbid copying the sources). Why: with the
        copy bonus a small model can loop on one source sentence to the token limit."""
        n = self.no_repeat
        answer = input_ids[:, self._start:].tolist() if self._start is not None else []
        for row, tokens in enumerate(answer):
            if len(tokens) < n:
                continue
            prefix = tokens[-(n - 1):]
            banned = {tokens[i + n - 1] for i in range(len(tokens) - n + 1) if tokens[i:i + n - 1] == prefix}
            if banned:
                scores[row, list(banned)] = float("-inf")

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self._start is None or len(self._done) != input_ids.shape[0]:  # the first step
            self._start = int(input_ids.shape[1])
            self._done = [False] * int(input_ids.shape[0])
        if self._mask is None or self._mask.shape != scores.shape:
            self._mask = self._build(scores)
        scores = scores + self._mask
        if self.eos > 0 and self.eos_id is not None and 0 <= self.eos_id < scores.shape[1]:
            for row, closed in enumerate(self._sentence_closed(input_ids)):
                if closed:
                    scores[row, self.eos_id] += self.eos
        if self.follow > 0 and len(self._where) == scores.shape[0] and input_ids.shape[1] == self._start:
            for row, seqs in enumerate(self.sequences):  # the first token: a source's beginning
                for tok in {seq[0] for seq in seqs if seq}:
                    if 0 <= tok < scores.shape[1]:
                        scores[row, tok] += self.follow * START_SHARE
        elif self.follow > 0 and len(self._where) == scores.shape[0]:
            tails = input_ids[:, -3:].tolist()
            for row, tail in enumerate(tails):
                for tok, value in self._continuations(row, tail).items():
                    if 0 <= tok < scores.shape[1]:
                        scores[row, tok] += value
        if self.no_repeat > 1:
            self._ban_repeats(input_ids, scores)
        return scores


class AnswerRepetitionPenalty(LogitsProcessor):
    """The usual repetition penalty, counted on the answer's own tokens only. Why: transformers'
    `repetition_penalty` also penalizes every token of the prompt, so with sources in the prompt it
    pushes the model AWAY from the very numbers and names it should copy, and the copy bias spends
    its bonus undoing that. The prompt length is taken at the first step (left padding makes it
    the same for every row of a batch)."""

    def __init__(self, penalty: float) -> None:
        self.penalty = float(penalty)
        self._inner: RepetitionPenaltyLogitsProcessor | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self._inner is None:
            self._inner = RepetitionPenaltyLogitsProcessor(self.penalty, prompt_ignore_length=int(input_ids.shape[1]))
        return self._inner(input_ids, scores)


def sources_of(messages: Sequence[dict]) -> list[str]:
    """The passages attached to the last message under COPY_FROM (empty when there are none)."""
    if not messages:
        return []
    value = messages[-1].get(COPY_FROM) or []
    return [str(text) for text in value if str(text).strip()]


def source_token_ids(tokenizer, texts: Sequence[str]) -> set[int]:
    """Token ids of the passages, as the model would write them mid-sentence (with and without a
    leading space, since BPE tokenizers spell " 89" and "89" differently), minus special tokens."""
    ids: set[int] = set()
    for text in texts:
        for variant in (text, " " + text):
            ids.update(tokenizer(variant, add_special_tokens=False)["input_ids"])
    ids.difference_update(tokenizer.all_special_ids or [])
    return ids


_END_CACHE: dict[tuple, tuple[list[int], list[int], list[int], list[int]]] = {}


def end_tokens(tokenizer) -> tuple[list[int], list[int], list[int], list[int]]:
    """(ids of tokens that may close a sentence, ids spelled exactly ".", digit-only ids, ids that
    start with a space or a line break), from the vocabulary's own spellings; cached per tokenizer."""
    key = (getattr(tokenizer, "name_or_path", ""), len(tokenizer))
    if key not in _END_CACHE:
        special = set(tokenizer.all_special_ids or [])
        pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        ends, dots, digits, spaced = [], [], [], []
        for i, piece in enumerate(pieces):
            if i in special or not piece:
                continue
            text = tokenizer.convert_tokens_to_string([piece]).strip()
            if text.endswith(_ENDS):
                ends.append(i)
            if text == ".":
                dots.append(i)
            if text.isdigit():
                digits.append(i)
            spelled = tokenizer.convert_tokens_to_string([piece])
            if spelled[:1].isspace() and spelled.strip():
                spaced.append(i)
        _END_CACHE[key] = (ends, dots, digits, spaced)
    return _END_CACHE[key]


def copy_bias_processor(tokenizer, conversations: Sequence[Sequence[dict]],
                        bias: float, follow: float | None = None,
                        eos: float | None = None, no_repeat: int | None = None,
                        repetition_penalty: float = 1.0) -> LogitsProcessorList | None:
    """The processors for a batch of conversations (one row each), or None when there is nothing
    to do (bias 0, or no conversation carries sources). follow: the continuation bonus (default
    FOLLOW_SHARE x bias); no_repeat: n-gram size never repeated in the answer (default NO_REPEAT);
    repetition_penalty: applied to the answer's tokens only (AnswerRepetitionPenalty) — the caller
    then passes no `repetition_penalty` to generate."""
    if not bias or bias <= 0:
        return None
    texts = [sources_of(messages) for messages in conversations]
    rows = [source_token_ids(tokenizer, row) for row in texts]
    if not any(rows):
        return None
    follow = FOLLOW_SHARE * bias if follow is None else follow
    sequences = [[tokenizer(text, add_special_tokens=False)["input_ids"] for text in row] for row in texts]
    eos = EOS_SHARE * bias if eos is None else eos
    ends, dots, digits, spaced = end_tokens(tokenizer) if eos > 0 else ([], [], [], [])
    processor = CopyBiasProcessor(rows, bias, sequences, follow, eos_id=tokenizer.eos_token_id, eos=eos,
                                  end_ids=ends, digit_ids=digits, dot_ids=dots, spaced_ids=spaced,
                                  no_repeat=NO_REPEAT if no_repeat is None else no_repeat)
    processors = [processor]
    if repetition_penalty and repetition_penalty != 1.0:
        processors.append(AnswerRepetitionPenalty(repetition_penalty))
    return LogitsProcessorList(processors)
