"""The course's practical comparison (cost per query, time to update, quality, time to build),
filled with the cost calculator's numbers for the user's volumes.

Four setups answer the same questions: prompting (the base model + long instructions), RAG (that
prompt + retrieved chunks), a fine-tuned model (a short prompt, fine-tuned prices) and both
together (the fine-tuned model + retrieved chunks). Money comes from core.costs (the same
arithmetic as the Cost Calculator), training time from this machine's measured speed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from core import costs
from core.guide.answers import Answers
from core.pricing import get_price

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"     # the Cost Calculator's default
DEFAULT_EXAMPLES = 100                       # priced when the user did not say how many
TOKENS_PER_EXAMPLE = 500                     # the course's worked example: 1,000 × 500 tokens
SETUPS = ("prompting", "rag", "fine_tune", "rag_and_fine_tune")
EMBEDDED_PARAMS_B = 0.135                    # SmolLM2-135M, what this machine trains


@dataclass(frozen=True)
class Volumes:
    """What the comparison prices: the model and how much it is used. Defaults = costs.UsageSpec."""

    model: str = DEFAULT_MODEL
    queries_per_month: int = 10_000
    tokens_per_example: int = TOKENS_PER_EXAMPLE
    prompt_tokens: int = 200
    answer_tokens: int = 300
    instruction_tokens: int = 1_000
    rag_context_tokens: int = 1_200

    def usage(self) -> costs.UsageSpec:
        return costs.UsageSpec(queries_per_month=self.queries_per_month, prompt_tokens=self.prompt_tokens,
                               answer_tokens=self.answer_tokens, instruction_tokens=self.instruction_tokens,
                               rag_context_tokens=self.rag_context_tokens).validated()


@dataclass(frozen=True)
class Figures:
    """Numbers of the comparison, USD. per_query / monthly / prompt_tokens keyed by SETUPS."""

    model: str
    model_label: str
    model_status: str
    examples: int
    examples_assumed: bool
    epochs: int
    billed_tokens: int
    training_usd: float | None
    per_query: dict[str, float]
    monthly: dict[str, float]
    prompt_tokens: dict[str, int]
    queries_per_month: int
    break_even_month: int | None           # fine-tuned vs prompting, within 12 months
    break_even_month_vs_rag: int | None
    cpu_hours: float                       # the embedded model's run on this machine's CPU
    cpu_speed_source: str                  # "calibration" (measured on the Costs page) | "matmul"
    gpu_hours: float                       # a 0.5B model on a rented T4
    gpu_label: str
    no_new_jobs_after: str | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        def r(value, digits=6):
            return None if value is None else round(value, digits)
        return {"model": self.model, "model_status": self.model_status, "examples": self.examples,
                "examples_assumed": self.examples_assumed, "epochs": self.epochs,
                "billed_tokens": self.billed_tokens, "training_usd": r(self.training_usd),
                "per_query_usd": {k: r(v, 8) for k, v in self.per_query.items()},
                "monthly_usd": {k: r(v) for k, v in self.monthly.items()},
                "prompt_tokens": dict(self.prompt_tokens), "queries_per_month": self.queries_per_month,
                "break_even_month": self.break_even_month, "break_even_month_vs_rag": self.break_even_month_vs_rag,
                "training_hours": {"cpu_embedded": r(self.cpu_hours, 4), "cpu_speed_source": self.cpu_speed_source,
                                   "gpu_0_5b": r(self.gpu_hours, 4), "gpu": self.gpu_label},
                "no_new_jobs_after": self.no_new_jobs_after}


def cpu_tokens_per_s() -> tuple[float, str]:
    """LoRA training speed of the embedded model here: the Costs page's measurement when there is
    one, else the matmul rate × the trainer's efficiency / (4 × params) FLOP per token (a ~0.1 s probe)."""
    from core.calibration import cached_calibration

    measured = cached_calibration("embedded")
    if measured and measured.get("tokens_per_s"):
        return float(measured["tokens_per_s"]), "calibration"
    return _matmul_tokens_per_s(), "matmul"


@lru_cache(maxsize=1)
def _matmul_tokens_per_s() -> float:
    """Once per process: the probe imports torch (~4 s) and the rate does not change much."""
    from core.costs.local import EFFICIENCY, matmul_flops

    return matmul_flops() * EFFICIENCY / (4 * EMBEDDED_PARAMS_B * 1e9)


def compute(answers: Answers, volumes: Volumes | None = None, tokens_per_s: tuple[float, str] | None = None) -> Figures:
    """All numbers of the comparison. Raises core.costs' NumberError on a bad volume."""
    volumes = volumes or Volumes()
    usage = volumes.usage()
    price = get_price(volumes.model)
    examples = answers.examples if answers.examples else DEFAULT_EXAMPLES
    spec = costs.DatasetSpec(n_examples=examples, tokens_per_example=volumes.tokens_per_example)
    tokens = costs.billed_tokens(spec, price)
    training = costs.training_cost(price, tokens, "auto")
    monthly = costs.monthly_costs(price, usage)
    # Both together: the fine-tuned model's short prompt + the retrieved chunks, at fine-tuned prices.
    both_prompt = usage.prompt_tokens + usage.rag_context_tokens
    both_query = costs.inference_cost_usd(price, both_prompt, usage.answer_tokens, fine_tuned=True)
    both_month = usage.queries_per_month * both_query + monthly.hosting
    per_query = {"prompting": monthly.per_query["base"], "rag": monthly.per_query["rag"],
                 "fine_tune": monthly.per_query["fine_tuned"], "rag_and_fine_tune": both_query}
    month = {"prompting": monthly.base, "rag": monthly.rag, "fine_tune": monthly.fine_tuned,
             "rag_and_fine_tune": both_month}
    prompts = {"prompting": monthly.prompt_tokens["base"], "rag": monthly.prompt_tokens["rag"],
               "fine_tune": monthly.prompt_tokens["fine_tuned"], "rag_and_fine_tune": both_prompt}
    payback = costs.break_even(training.usd, monthly)
    speed, source = tokens_per_s or cpu_tokens_per_s()
    cpu = costs.local_training_estimate(training.billed_tokens, speed)
    t4 = costs.gpu_presets()["nvidia-t4"]
    gpu = costs.local_training_estimate(training.billed_tokens, t4.tokens_per_s)
    return Figures(model=price.name, model_label=costs.model_label(price), model_status=price.status(),
                   examples=examples, examples_assumed=not answers.examples, epochs=training.epochs,
                   billed_tokens=training.billed_tokens, training_usd=training.usd, per_query=per_query,
                   monthly=month, prompt_tokens=prompts, queries_per_month=usage.queries_per_month,
                   break_even_month=payback.month_vs_base, break_even_month_vs_rag=payback.month_vs_rag,
                   cpu_hours=cpu.hours, cpu_speed_source=source, gpu_hours=gpu.hours, gpu_label=t4.label,
                   no_new_jobs_after=str(price.no_new_jobs_after) if price.no_new_jobs_after else None)
