"""One evaluation: generate every contestant's answers, score them, summarise with statistics.

Two halves that the job (job.py) and the CLI share:
- `generate(...)` asks each contestant through the provider interface (`complete_batch`: local
  models answer a whole batch in one `generate` call; hosted ones a few at a time in threads, a
  429 retried with exponential backoff) and hands every answer to a callback, so a job can append
  it to its predictions file and a resumed job can skip what is already there;
- `summarise(...)` turns answers into per-example scores (metrics.py) and the report: per contestant
  and metric a mean with a bootstrap CI, per pair the paired difference, p-values and
  wins/ties/losses (stats.py), the arena's blind votes as a win rate, and the cost per 1,000 answers.
The output follows the JSON shape of issue 10 (`python -m lab eval --format json`).
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Callable

from core.costs import UsageSpec
from core.errors import InputError, LabError
from core.evaluation import metrics as M
from core.evaluation import stats
from core.evaluation.dataset import EvalExample, load_examples, resolve_set
from core.providers import ChatSettings, get_provider
from core.providers.base import Answer, Provider

HOSTED_CONCURRENCY = 4  # hosted contestants: requests in flight at once
RATE_LIMIT_KEY = "arena.err_rate_limit"  # what the OpenAI edge raises for HTTP 429
RATE_LIMIT_RETRIES, BACKOFF_S = 3, 2.0  # waits 2, 4, 8 s before giving up on one answer
MAX_CONTESTANTS = 4


@dataclass
class EvalConfig:
    """What to evaluate and how. Saved as the job's params (no secrets: keys travel in env)."""

    data: str = "pedala_en"  # a bundled set id, "run:ID" (held-out split) or a file path
    contestants: list[str] = field(default_factory=lambda: ["base", "rag"])
    metrics: list[str] | None = None  # None = every metric that applies to the file
    limit: int | None = None  # first N examples only (quick looks)
    max_tokens: int = 256
    temperature: float = 0.0  # greedy: the same answers on a rerun
    batch_size: int = 8  # local models: conversations per generate call
    copy_bias: float = ChatSettings.copy_bias  # local models: logit bonus for tokens of RAG sources (core.rag.copy_bias)
    rag_k: int = 3
    gpu_usd_per_hour: float = 0.0  # local models: the machine's price, for the cost per 1,000 answers
    judge: str | None = None  # an OpenAI-compatible contestant spec that grades the answers
    rubric: str | None = None  # the judge's instructions (None = the default in judge.py)
    lang: str | None = None
    tracking: list[str] = field(default_factory=list)  # trackers that receive each contestant's means

    def settings(self) -> ChatSettings:
        return ChatSettings(temperature=self.temperature, max_tokens=self.max_tokens, lang=self.lang,
                            copy_bias=self.copy_bias, rag_k=self.rag_k,
                            gpu_usd_per_hour=self.gpu_usd_per_hour)

    def to_params(self) -> dict:
        return asdict(self)

    def validate(self) -> None:
        specs = [s.strip() for s in self.contestants if s and s.strip()]
        if not 1 <= len(specs) <= MAX_CONTESTANTS:
            raise InputError("eval.err_contestant_count", "eval.err_contestant_count_hint", n=len(specs))
        if len(set(specs)) != len(specs):
            raise InputError("eval.err_contestant_twice", "eval.err_contestant_count_hint")
        self.contestants = specs
        unknown = [m for m in self.metrics or () if m not in M.QUALITY]
        if unknown:
            raise InputError("eval.err_metric_unknown", "eval.err_metric_unknown_hint",
                             metric=", ".join(unknown), known=", ".join(M.QUALITY))
        if self.metrics and "judge" in self.metrics and not self.judge:
            raise InputError("eval.err_judge_needed", "eval.err_judge_needed_hint")
        if self.limit is not None and self.limit < 1:
            raise InputError("eval.err_limit", "eval.err_limit_hint", limit=self.limit)
        from core.training.tracking import known

        self.tracking = list(known(self.tracking))  # installed or not: checked where a run starts


def default_metrics(examples: list[EvalExample], judge: str | None = None) -> list[str]:
    """Metrics that apply to this file: text overlap and similarity always; fact recall with facts;
    exact match for labels or short references (<= 3 words); JSON metrics for JSON references."""
    chosen = ["chrf", "bleu", "rouge_l", "similarity"]
    if any(e.label for e in examples) or all(len(e.reference.split()) <= 3 for e in examples):
        chosen.append("exact_match")
    if any(e.facts for e in examples):
        chosen.append("fact_recall")
    if any(M.reference_json(e.reference) is not None for e in examples):
        chosen += ["json_valid", "json_keys", "json_fields"]
    if judge:
        chosen.append("judge")
    return chosen


def is_local(provider: Provider) -> bool:
    """Local models (and RAG over one) generate on this machine's CPU/GPU lane."""
    inner = getattr(provider, "inner", None)
    return provider.kind == "local" or (inner is not None and is_local(inner))


def load(config: EvalConfig) -> list[EvalExample]:
    config.validate()
    return load_examples(resolve_set(config.data), limit=config.limit)


# -------------------------------------------------------------------------------------- generate
AnswerCallback = Callable[[EvalExample, str, dict], None]
ProgressCallback = Callable[[int, int, str], None]


def answer_record(answer: Answer) -> dict:
    """What the predictions file keeps of an Answer (sources trimmed to their ids and scores)."""
    record = answer.to_dict()
    record["sources"] = [{k: s.get(k) for k in ("n", "doc_id", "title", "chunk_id", "score")}
                         for s in answer.sources or []]
    return record


def _ask_hosted(provider: Provider, messages: list[dict], settings: ChatSettings) -> Answer:
    """One hosted answer; a 429 (the provider's rate-limit error) waits 2, 4, 8 s and asks again.
    The arena's client does not retry (a column should fail fast), an evaluation should not."""
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            return provider.complete(messages, settings)
        except LabError as err:
            if err.key != RATE_LIMIT_KEY or attempt == RATE_LIMIT_RETRIES:
                return Answer(contestant=provider.spec, error=err.message(settings.lang))
            time.sleep(BACKOFF_S * 2 ** attempt)
    raise AssertionError("unreachable")


def _ask(provider: Provider, conversations: list[list[dict]], settings: ChatSettings) -> list[Answer]:
    if is_local(provider):
        return provider.complete_batch(conversations, settings)
    with ThreadPoolExecutor(max_workers=HOSTED_CONCURRENCY) as pool:
        return list(pool.map(lambda c: _ask_hosted(provider, c, settings), conversations))


def generate(config: EvalConfig, examples: list[EvalExample], on_answer: AnswerCallback,
             done: set[tuple[int, str]] | None = None, progress: ProgressCallback | None = None,
             providers: dict[str, Provider] | None = None) -> None:
    """Answer every (example, contestant) not in `done`; call on_answer(example, spec, record)
    for each as soon as its batch is back; progress(i, n, spec) counts answered pairs."""
    done = set(done or ())
    settings = config.settings()
    providers = providers or {spec: get_provider(spec) for spec in config.contestants}
    total = len(examples) * len(config.contestants)
    count = len(done)
    for spec in config.contestants:
        provider = providers[spec]
        todo = [e for e in examples if (e.line, spec) not in done]
        size = max(1, config.batch_size if is_local(provider) else HOSTED_CONCURRENCY)
        for start in range(0, len(todo), size):
            batch = todo[start:start + size]
            if progress:
                progress(count + 1, total, spec)
            answers = _ask(provider, [e.prompt for e in batch], settings)
            for example, answer in zip(batch, answers):
                on_answer(example, spec, answer_record(answer))
                count += 1
            if progress:
                progress(count, total, spec)


# -------------------------------------------------------------------------------------- summarise
def score_examples(examples: list[EvalExample], specs: list[str], answers: dict[str, dict[int, dict]],
                   chosen: list[str], judge_scores: dict | None = None) -> dict[str, dict[int, dict]]:
    """scores[spec][line][metric] for the chosen metrics and every operational one."""
    scores: dict[str, dict[int, dict]] = {}
    for spec in specs:
        per_line: dict[int, dict] = {}
        texts = [(answers[spec].get(e.line) or {}).get("text") or "" for e in examples]
        sims = M.similarity(texts, [e.reference for e in examples]) if "similarity" in chosen else None
        for i, example in enumerate(examples):
            record = answers[spec].get(example.line) or {}
            text = texts[i]
            row: dict[str, float | None] = {}
            for name in chosen:
                if name == "similarity":
                    row[name] = sims[i]
                elif name == "fact_recall":
                    row[name] = M.fact_recall(text, example.facts)
                elif name == "exact_match":
                    row[name] = M.exact_match(text, example.label or example.reference)
                elif name == "judge":
                    row[name] = (judge_scores or {}).get(spec, {}).get(example.line)
                else:
                    row[name] = M.TEXT_METRICS[name](text, example.reference)
            row["length"] = M.length(text)
            row["latency_s"] = record.get("latency_s")
            row["tokens_out"] = record.get("tokens_out")
            cost = record.get("cost_usd")
            row["cost_per_1k"] = None if cost is None else cost * 1000  # USD per 1,000 answers
            per_line[example.line] = row
        scores[spec] = per_line
    return scores


def _column(scores: dict[int, dict], examples: list[EvalExample], name: str) -> list[float | None]:
    return [scores[e.line].get(name) for e in examples]


def human_preference(a: str, b: str) -> dict:
    """The arena's blind votes between a and b: how often b won (ties and 'all bad' left out)."""
    from core.votes import list_votes

    b_wins = a_wins = ties = 0
    for vote in list_votes():
        columns = {name: col for col, name in (vote.get("contestants") or {}).items()}
        if a not in columns or b not in columns:
            continue
        winner = vote.get("winner")
        if winner == columns[b]:
            b_wins += 1
        elif winner == columns[a]:
            a_wins += 1
        elif winner in ("tie", "bad"):
            ties += 1
    return {"a": a, "b": b, "b_wins": b_wins, "a_wins": a_wins, "ties": ties,
            **stats.wilson(b_wins, b_wins + a_wins)}


def summarise(config: EvalConfig, examples: list[EvalExample], answers: dict[str, dict[int, dict]],
              judge_scores: dict | None = None, judge_pairs: list[dict] | None = None) -> dict:
    """The results document (issue 10's JSON shape, plus corpus scores, costs and votes)."""
    chosen = list(config.metrics or default_metrics(examples, config.judge))
    specs = config.contestants
    scores = score_examples(examples, specs, answers, chosen, judge_scores)
    contestants = []
    for spec in specs:
        texts = [(answers[spec].get(e.line) or {}).get("text") or "" for e in examples]
        errors = [r.get("error") for r in answers[spec].values() if r.get("error")]
        contestants.append({
            "spec": spec,
            "metrics": {name: stats.mean_ci(_column(scores[spec], examples, name)) for name in chosen + list(M.OPERATIONAL)},
            "corpus": M.corpus_scores(texts, [e.reference for e in examples]),
            "errors": len(errors), "first_error": errors[0] if errors else None,
        })
    pairs = []
    for a, b in combinations(specs, 2):
        for name in chosen + ["latency_s", "cost_per_1k"]:
            col_a, col_b = _column(scores[a], examples, name), _column(scores[b], examples, name)
            result = stats.paired_comparison(col_a, col_b, lower_is_better=name in M.LOWER_IS_BETTER)
            if result["n"] == 0:
                continue
            result["detectable"] = stats.detectable_difference(stats.paired_sd(col_a, col_b), result["n"])
            pairs.append({"a": a, "b": b, "metric": name, **result})
    rows = []
    for e in examples:
        rows.append({"line": e.line, "question": e.question, "reference": e.reference, "facts": e.facts,
                     "label": e.label,
                     "answers": {s: (answers[s].get(e.line) or {}).get("text") or "" for s in specs},
                     "errors": {s: (answers[s].get(e.line) or {}).get("error") for s in specs
                                if (answers[s].get(e.line) or {}).get("error")},
                     "scores": {s: scores[s][e.line] for s in specs}})
    return {"n_examples": len(examples), "data": config.data, "metrics": chosen,
            "settings": {"max_tokens": config.max_tokens, "temperature": config.temperature,
                         "copy_bias": config.copy_bias, "rag_k": config.rag_k, "judge": config.judge},
            "queries_per_month": int(UsageSpec().queries_per_month),  # the cost calculator's default
            "contestants": contestants, "pairs": pairs,
            "preference": [human_preference(a, b) for a, b in combinations(specs, 2)],
            "judge_pairs": judge_pairs or [], "examples": rows}


def track(config: EvalConfig, results: dict, run_dir, warn: Callable[[str, str], None]) -> dict:
    """Each contestant's mean scores to config.tracking, one tracker run per contestant (keys
    "eval_chrf", "eval_latency_s"...: TensorBoard shows them as eval/chrf). Returns where they went."""
    if not config.tracking:
        return {}
    from core.training.tracking_log import log_groups

    means = {c["spec"]: {f"eval_{name}": m["mean"] for name, m in c["metrics"].items() if m.get("mean") is not None}
             for c in results["contestants"]}
    return log_groups(config.tracking, run_dir, Path(run_dir).name, means, warn)


def evaluate(config: EvalConfig, progress: ProgressCallback | None = None,
             judge_progress: Callable[[int, int], None] | None = None, run_dir=None,
             warn: Callable[[str, str], None] | None = None) -> dict:
    """Everything in this process (the CLI's foreground run): load, generate, judge, summarise, and
    with config.tracking log the summary to the trackers (run_dir holds their files and tracking.json)."""
    examples = load(config)
    providers = {spec: get_provider(spec) for spec in config.contestants}
    answers: dict[str, dict[int, dict]] = {spec: {} for spec in config.contestants}

    def keep(example: EvalExample, spec: str, record: dict) -> None:
        answers[spec][example.line] = record

    generate(config, examples, keep, progress=progress, providers=providers)
    judge_scores, judge_pairs = run_judge(config, examples, answers, judge_progress)
    results = summarise(config, examples, answers, judge_scores, judge_pairs)
    if config.tracking:
        track(config, results, run_dir or tracking_dir(), warn or (lambda name, reason: None))
    return results


def tracking_dir() -> Path:
    """Where a foreground evaluation (no job folder) keeps its tracker files: LAB_HOME/tracking/eval-<time>."""
    from core.paths import subdir

    folder = subdir("tracking") / time.strftime("eval-%Y%m%d-%H%M%S")
    folder.mkdir(exist_ok=True)
    return folder


def run_judge(config: EvalConfig, examples: list[EvalExample], answers: dict[str, dict[int, dict]],
              progress: Callable[[int, int], None] | None = None) -> tuple[dict | None, list[dict] | None]:
    """Judge scores per (contestant, line) and pairwise verdicts, when a judge is configured."""
    if not config.judge:
        return None, None
    from core.evaluation.judge import Judge

    judge = Judge(config.judge, rubric=config.rubric, lang=config.lang)
    return judge.score_all(examples, answers, progress), judge.compare_all(examples, answers, progress)
