"""Turn other shapes into OpenAI chat JSONL: a CSV with a question and an answer column, or legacy
prompt/completion JSONL. Both stream (one row in memory) and write atomically.

Each row becomes {"messages": [system?, user, assistant]}. Rows with an empty question or answer
are skipped and reported by line, never silently: the summary lists them.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterator

from core.atomic import atomic_write
from core.dataset.reader import LineReader, decode_json, is_blank
from core.errors import InputError

csv.field_size_limit(16 * 1024 * 1024)  # one cell up to 16 MB (long answers), not the 128 KB default
ENCODINGS = ("utf-8-sig", "cp1252")  # Excel in Brazil often saves Windows-1252
MAX_REPORTED = 200  # skipped rows listed in the summary (all are counted)


def _dialect(path: Path, encoding: str) -> type[csv.Dialect]:
    """The delimiter is the most frequent of , ; tab | in the header line (headers rarely hold
    punctuation, unlike answers, which confuse csv.Sniffer)."""
    with open(path, encoding=encoding, newline="") as handle:
        header = handle.readline()
    delimiter = max(",;\t|", key=header.count) if header else ","

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter if header.count(delimiter) else ","
    return Dialect


def _open_csv(path: Path) -> tuple[str, type[csv.Dialect]]:
    """The first encoding that decodes the whole file, and its delimiter."""
    if not path.is_file():
        raise InputError("inspect.error.not_found", "inspect.error.not_found_hint", path=str(path))
    for encoding in ENCODINGS:
        try:
            with open(path, encoding=encoding, newline="") as handle:
                for _ in iter(lambda: handle.read(1 << 20), ""):
                    pass
        except UnicodeDecodeError:
            continue
        return encoding, _dialect(path, encoding)
    raise InputError("inspect.error.csv_encoding", "inspect.error.csv_encoding_hint", path=str(path))


def csv_columns(path: str | Path, preview_rows: int = 5) -> dict:
    """{"columns": [...], "preview": [[...], ...], "encoding": str, "delimiter": str}."""
    path = Path(path)
    encoding, dialect = _open_csv(path)
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, dialect)
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise InputError("inspect.error.csv_no_header", "inspect.error.csv_no_header_hint", path=str(path))
        preview = [row for _, row in zip(range(preview_rows), reader)]
    return {"columns": [cell.strip() for cell in header], "preview": preview, "encoding": encoding,
            "delimiter": getattr(dialect, "delimiter", ",")}


def _chat(question: str, answer: str, system_prompt: str | None) -> dict:
    messages = [{"role": "system", "content": system_prompt}] if system_prompt and system_prompt.strip() else []
    messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return {"messages": messages}


def _write(out_path: Path, rows: Iterator[tuple[int, str | None, str | None]], system_prompt: str | None) -> dict:
    written = 0
    skipped: list[int] = []
    n_skipped = 0
    with atomic_write(out_path, "w") as out:
        for line, question, answer in rows:
            if not (question or "").strip() or not (answer or "").strip():
                n_skipped += 1
                if len(skipped) < MAX_REPORTED:
                    skipped.append(line)
                continue
            out.write(json.dumps(_chat(question.strip(), answer.strip(), system_prompt), ensure_ascii=False) + "\n")
            written += 1
    return {"path": str(out_path), "written": written, "skipped": n_skipped, "skipped_lines": skipped}


def csv_to_chat(path: str | Path, out_path: str | Path, question_column: str, answer_column: str,
                system_prompt: str | None = None) -> dict:
    """Convert a CSV with a header row. Summary: path, written, skipped, skipped_lines, encoding."""
    path, out_path = Path(path), Path(out_path)
    encoding, dialect = _open_csv(path)
    info = csv_columns(path, preview_rows=0)
    columns = info["columns"]
    for column in (question_column, answer_column):
        if column not in columns:
            raise InputError("inspect.error.csv_column", "inspect.error.csv_column_hint",
                             column=column, columns=", ".join(columns))
    if question_column == answer_column:
        raise InputError("inspect.error.csv_same_column", "inspect.error.csv_same_column_hint")
    q_index, a_index = columns.index(question_column), columns.index(answer_column)

    def rows():
        with open(path, encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, dialect)
            next(reader, None)
            for row in reader:
                line = reader.line_num  # physical line where the row ends (quoted cells may span lines)
                question = row[q_index] if q_index < len(row) else None
                answer = row[a_index] if a_index < len(row) else None
                yield line, question, answer

    try:
        summary = _write(out_path, rows(), system_prompt)
    except csv.Error as exc:
        raise InputError("inspect.error.csv_parse", "inspect.error.csv_column_hint",
                         reason=str(exc), column=question_column, columns=", ".join(columns)) from exc
    summary["encoding"] = encoding
    return summary


def prompt_completion_to_chat(path: str | Path, out_path: str | Path, system_prompt: str | None = None) -> dict:
    """Convert {"prompt", "completion"} JSONL lines; lines that are not such objects are skipped and
    listed (run the inspector on the source to see why)."""
    path, out_path = Path(path), Path(out_path)
    if not path.is_file():
        raise InputError("inspect.error.not_found", "inspect.error.not_found_hint", path=str(path))

    def rows():
        for number, _offset, payload in LineReader(path):
            if is_blank(payload):
                continue
            value, problem = decode_json(payload)
            if problem is None and isinstance(value, dict) and isinstance(value.get("prompt"), str) \
                    and isinstance(value.get("completion"), str):
                yield number, value["prompt"], value["completion"]
            else:
                yield number, None, None

    return _write(out_path, rows(), system_prompt)
