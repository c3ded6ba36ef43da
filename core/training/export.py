"""Taking a finished run's result elsewhere: the adapter as a zip, or a merged stand-alone model.

- adapter zip: the small LoRA files (~20 MB for r=16 on SmolLM2-135M) + tokenizer; load with
  peft.PeftModel.from_pretrained(base, folder).
- merged model: base weights + LoRA deltas folded in (peft merge_and_unload), saved as a normal
  Hugging Face folder that any tool can load without peft (~540 MB in float32 for the embedded model).
Everything is written to a temp name and renamed, so a crash never leaves half a zip or model.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from core.atomic import atomic_write, save_pretrained
from core.errors import InputError
from core.jobs.registry import get_job
from core.models import resolve_model

EXPORTS = "exports"
MERGED = "merged"


def adapter_dir(run_dir: str | Path) -> Path:
    folder = Path(run_dir) / "adapter"
    if not (folder / "adapter_config.json").is_file():
        raise InputError("train.error_no_adapter", "train.error_no_adapter_hint", run=Path(run_dir).name)
    return folder


def _zip_folder(folder: Path, target: Path, arc_root: str) -> Path:
    # Weights do not compress: store them (fast); the small text files deflate.
    with atomic_write(target, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                method = zipfile.ZIP_STORED if path.suffix == ".safetensors" else zipfile.ZIP_DEFLATED
                archive.write(path, f"{arc_root}/{path.relative_to(folder)}", compress_type=method)
    return target


def _zip_export(run_dir: Path, folder: Path, kind: str) -> Path:
    """run_dir/exports/<run id>-<kind>.zip, rebuilt only when a file in folder is newer."""
    target = run_dir / EXPORTS / f"{run_dir.name}-{kind}.zip"
    newest = max(p.stat().st_mtime for p in folder.rglob("*") if p.is_file())
    if target.is_file() and target.stat().st_mtime >= newest:
        return target
    return _zip_folder(folder, target, f"{run_dir.name}-{kind}")


def zip_adapter(run_dir: str | Path) -> Path:
    """run_dir/exports/<run id>-adapter.zip (rebuilt only when the adapter is newer)."""
    run_dir = Path(run_dir)
    return _zip_export(run_dir, adapter_dir(run_dir), "adapter")


def merge_adapter(run_dir: str | Path, out_dir: str | Path | None = None) -> Path:
    """Fold the LoRA weights into the base model and save a plain model folder (+ tokenizer)."""
    import torch  # lazy: torch, peft and transformers load only to merge
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    run_dir = Path(run_dir)
    saved = run_dir / "adapter"
    if (saved / "config.json").is_file() and not (saved / "adapter_config.json").is_file():
        return saved  # a full fine-tuning run (method=full): its folder already is a stand-alone model
    source = adapter_dir(run_dir)
    result = _result(run_dir)
    target = Path(out_dir) if out_dir else run_dir / MERGED
    if (target / "config.json").is_file():
        return target
    base = AutoModelForCausalLM.from_pretrained(resolve_model(result.get("base_model") or "embedded"),
                                                dtype=torch.float32, attn_implementation="sdpa")
    merged = PeftModel.from_pretrained(base, str(source)).merge_and_unload()
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    return save_pretrained(target, merged, tokenizer)


def zip_merged(run_dir: str | Path) -> Path:
    run_dir = Path(run_dir)
    return _zip_export(run_dir, merge_adapter(run_dir), "merged")


def _result(run_dir: Path) -> dict:
    path = run_dir / "result.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    job = get_job(run_dir.name)
    return dict(job.result) if job else {}
