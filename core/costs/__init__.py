"""What fine-tuning costs in money, one module per question:

- inputs:   numbers typed by users (bounds, clear errors) and money written for people;
- training: the hosted training bill (billed tokens from the Dataset Inspector × epochs × price);
- usage:    the monthly bill of base vs fine-tuned vs RAG, and the break-even month;
- summary:  all of the above for one model (`estimate_costs`), what the page and `lab cost` show;
- local:    training on one's own or rented hardware (tokens/s, hours, rent + electricity);
- export:   Markdown and CSV for a budget request.

Money is USD (the price lists' currency); other currencies are a user-given exchange rate on top.
Every public name is re-exported here, so callers write `from core import costs; costs.X`.
"""
from core.costs.export import ExportRow, export_rows, to_csv, to_markdown
from core.costs.inputs import (LIMITS, MONTHS, TOKENS_PER_UNIT, NumberError, format_money, markdown_money,
                               parse_amount, parse_count, parse_currency, parse_epochs)
from core.costs.local import (MEASURED_RANGE, TABLE_RANGE, GpuPreset, LocalEstimate, cpu_defaults,
                              gpu_presets, local_training_estimate, measured_range, scaled_tokens_per_s)
from core.costs.summary import CostEstimate, estimate_costs
from core.costs.training import (BilledTokens, DatasetSpec, TrainingCost, auto_epochs, billed_tokens,
                                 compare_models, hosted_training_usd, model_label, model_notes, token_limit,
                                 tokenizer_model, training_cost, training_cost_usd)
from core.costs.usage import (CHUNK_TOKENS, RAG_CHUNKS, BreakEven, MonthlyCost, UsageSpec, break_even, has_price,
                              inference_cost_usd, monthly_costs, payback_sentence, rag_context_tokens, usage_counts,
                              usage_field)

__all__ = [
    "BilledTokens", "BreakEven", "CHUNK_TOKENS", "CostEstimate", "DatasetSpec", "ExportRow", "GpuPreset", "LIMITS",
    "LocalEstimate", "MEASURED_RANGE", "MONTHS", "MonthlyCost", "NumberError", "RAG_CHUNKS", "TABLE_RANGE",
    "TOKENS_PER_UNIT", "TrainingCost", "UsageSpec", "auto_epochs", "billed_tokens", "break_even", "compare_models",
    "cpu_defaults",
    "estimate_costs", "export_rows", "format_money", "gpu_presets", "has_price", "inference_cost_usd",
    "local_training_estimate", "markdown_money", "measured_range", "model_label", "model_notes", "monthly_costs",
    "parse_amount", "parse_count", "parse_currency", "parse_epochs", "payback_sentence", "rag_context_tokens",
    "scaled_tokens_per_s", "to_csv", "to_markdown", "token_limit", "tokenizer_model", "training_cost",
    "training_cost_usd", "hosted_training_usd", "usage_counts", "usage_field",
]
