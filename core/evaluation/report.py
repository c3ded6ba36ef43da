"""Results read like a report: verdict sentences, a text table, CSV, JSON, self-contained HTML.

Everything here is derived from the results document (run.summarise), so an exported report can
always be recomputed from its own per-example scores. Text that came from a model or a file is
escaped before it goes into HTML (html.escape): an answer is data, never markup.
"""
from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

from core.atomic import write_text
from core.costs import format_money
from core.errors import InputError
from core.i18n import format_number, t

DECIMALS = {"p": 3, "rate": 2, "chrf": 1, "bleu": 1, "length": 0, "tokens_out": 0, "latency_s": 2, "cost_per_1k": 4}


def fmt(name: str, value: float | None, lang: str | None = None) -> str:
    if value is None:
        return "–"
    return format_number(float(value), lang, DECIMALS.get(name, 2))


def metric_label(name: str, lang: str | None = None) -> str:
    return t(f"eval.metric.{name}", lang)


def primary_metric(results: dict) -> str:
    """The metric the verdict talks about: facts when the set has them, else the judge, else chrF."""
    for name in ("fact_recall", "judge", "exact_match", "chrf"):
        if name in results["metrics"]:
            return name
    return results["metrics"][0]


def _contestant(results: dict, spec: str) -> dict:
    return next(c for c in results["contestants"] if c["spec"] == spec)


def _pair(results: dict, a: str, b: str, metric: str) -> dict | None:
    return next((p for p in results["pairs"] if p["a"] == a and p["b"] == b and p["metric"] == metric), None)


def verdicts(results: dict, lang: str | None = None) -> list[str]:
    """'rag vs base: +0.41 fact recall (95% CI 0.25–0.56), +$0.00 per month' for each contestant
    against the first one, with the monthly cost difference at the cost calculator's usage."""
    specs = [c["spec"] for c in results["contestants"]]
    if len(specs) < 2:
        return []
    metric = primary_metric(results)
    a = specs[0]
    out = []
    for b in specs[1:]:
        pair = _pair(results, a, b, metric)
        if pair is None:
            continue
        cost_a = _contestant(results, a)["metrics"]["cost_per_1k"]["mean"]
        cost_b = _contestant(results, b)["metrics"]["cost_per_1k"]["mean"]
        if cost_a is None or cost_b is None:
            month = t("eval.cost_unknown", lang)
        else:
            delta_usd = (cost_b - cost_a) / 1000 * results["queries_per_month"]
            month = ("+" if delta_usd >= 0 else "−") + format_money(abs(delta_usd), lang=lang)
        sign = "+" if (pair["delta"] or 0) >= 0 else "−"
        significant = pair["p_value"] is not None and pair["p_value"] < 0.05
        out.append(t("eval.verdict_line", lang, b=b, a=a, sign=sign, delta=fmt(metric, abs(pair["delta"] or 0), lang),
                     metric=metric_label(metric, lang), low=fmt(metric, pair["ci_low"], lang),
                     high=fmt(metric, pair["ci_high"], lang), cost=month,
                     queries=format_number(results["queries_per_month"], lang),
                     p=fmt("p", pair["p_value"], lang))
                   + " " + t("eval.verdict_significant" if significant else "eval.verdict_not_significant", lang))
    return out


def power_notes(results: dict, lang: str | None = None) -> list[str]:
    """In plain words, what difference this many examples can and cannot detect (first pair)."""
    specs = [c["spec"] for c in results["contestants"]]
    if len(specs) < 2:
        return []
    notes = []
    for metric in results["metrics"]:
        pair = _pair(results, specs[0], specs[1], metric)
        if pair and pair.get("detectable") is not None:
            notes.append(t("eval.power_note", lang, n=pair["n"], metric=metric_label(metric, lang),
                           d=fmt(metric, pair["detectable"], lang)))
    return notes


def table_rows(results: dict, lang: str | None = None) -> list[dict]:
    """One row per contestant and metric: mean and its 95% CI (for tables and CSV)."""
    rows = []
    for c in results["contestants"]:
        for name, value in c["metrics"].items():
            rows.append({"contestant": c["spec"], "metric": name, "mean": value["mean"],
                         "ci_low": value["ci_low"], "ci_high": value["ci_high"], "n": value["n"]})
    return rows


def text_report(results: dict, lang: str | None = None) -> str:
    lines = [t("eval.report_title", lang, n=results["n_examples"], data=results["data"]), ""]
    specs = [c["spec"] for c in results["contestants"]]
    names = results["metrics"] + ["latency_s", "cost_per_1k"]
    grid = [[f"{fmt(n, c['metrics'][n]['mean'], lang)} [{fmt(n, c['metrics'][n]['ci_low'], lang)}, "
             f"{fmt(n, c['metrics'][n]['ci_high'], lang)}]" for c in results["contestants"]] for n in names]
    width = max(len(x) for x in specs + [cell for row in grid for cell in row]) + 2
    lines.append(" " * 14 + "".join(s.rjust(width) for s in specs))
    for name, row in zip(names, grid):
        lines.append(name.ljust(14) + "".join(cell.rjust(width) for cell in row))
    for c in results["contestants"]:
        if c["errors"]:
            lines.append(t("eval.errors_line", lang, contestant=c["spec"], n=c["errors"], first=c["first_error"]))
    lines.append("")
    lines += verdicts(results, lang)
    lines += power_notes(results, lang)[:2]
    return "\n".join(lines)


def to_json(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2)


def to_csv(results: dict) -> str:
    """Per-example CSV: one row per example and contestant, a column per metric."""
    specs = [c["spec"] for c in results["contestants"]]
    names = results["metrics"] + ["length", "latency_s", "tokens_out", "cost_per_1k"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["line", "contestant", "question", "reference", "answer", *names])
    for row in results["examples"]:
        for spec in specs:
            scores = row["scores"][spec]
            writer.writerow([row["line"], spec, row["question"], row["reference"], row["answers"][spec],
                             *["" if scores.get(n) is None else scores[n] for n in names]])
    return buffer.getvalue()


_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;vertical-align:top}
th{background:#f3f3f3}.num{text-align:right;white-space:nowrap}.ans{white-space:pre-wrap;max-width:28rem}
.verdict{background:#eef6ee;padding:.6rem 1rem;border-left:4px solid #3a3}"""


def to_html(results: dict, lang: str | None = None) -> str:
    """One file, no scripts, no external resources: opens anywhere, safe to e-mail."""
    e = html.escape
    specs = [c["spec"] for c in results["contestants"]]
    names = results["metrics"] + ["latency_s", "cost_per_1k"]
    out = [f"<!doctype html><html lang=\"{e(lang or 'en')}\"><head><meta charset=\"utf-8\">",
           f"<title>{e(t('eval.html_title', lang))}</title><style>{_CSS}</style></head><body>",
           f"<h1>{e(t('eval.html_title', lang))}</h1>",
           f"<p>{e(t('eval.report_title', lang, n=results['n_examples'], data=results['data']))}</p>"]
    for line in verdicts(results, lang):
        out.append(f"<p class=\"verdict\">{e(line)}</p>")
    out.append("<table><tr><th></th>" + "".join(f"<th>{e(s)}</th>" for s in specs) + "</tr>")
    for name in names:
        cells = []
        for c in results["contestants"]:
            m = c["metrics"][name]
            cells.append(f"<td class=\"num\">{e(fmt(name, m['mean'], lang))} "
                         f"<small>[{e(fmt(name, m['ci_low'], lang))}, {e(fmt(name, m['ci_high'], lang))}]</small></td>")
        out.append(f"<tr><th>{e(metric_label(name, lang))}</th>{''.join(cells)}</tr>")
    out.append("</table>")
    for note in power_notes(results, lang):
        out.append(f"<p><small>{e(note)}</small></p>")
    out.append(f"<h2>{e(t('eval.examples_title', lang))}</h2><table><tr><th>#</th>"
               f"<th>{e(t('eval.col_question', lang))}</th><th>{e(t('eval.col_reference', lang))}</th>"
               + "".join(f"<th>{e(s)}</th>" for s in specs) + "</tr>")
    metric = primary_metric(results)
    for row in results["examples"]:
        cells = "".join(f"<td class=\"ans\">{e(row['answers'][s])}<br><small>{e(metric)}: "
                        f"{e(fmt(metric, row['scores'][s].get(metric), lang))}</small></td>" for s in specs)
        out.append(f"<tr><td>{row['line']}</td><td class=\"ans\">{e(row['question'])}</td>"
                   f"<td class=\"ans\">{e(row['reference'])}</td>{cells}</tr>")
    out.append("</table></body></html>")
    return "\n".join(out)


def write_report(results: dict, path: str | Path, lang: str | None = None) -> Path:
    """Write .json, .csv or .html (chosen by the extension), atomically."""
    path = Path(path)
    writers = {".json": lambda: to_json(results), ".csv": lambda: to_csv(results),
               ".html": lambda: to_html(results, lang), ".htm": lambda: to_html(results, lang)}
    if path.suffix.lower() not in writers:
        raise InputError("eval.err_output_ext", "eval.err_output_ext_hint", path=str(path))
    write_text(path, writers[path.suffix.lower()]())
    return path
