"""A finished local run answers with the system prompt it was trained on, not the template's default."""
from core.jobs import registry
from core.paths import ASSETS
from core.providers.contestants import get_provider


def _finished_run(dataset: str) -> str:
    job = registry.create_job("local", {"dataset": dataset, "model": "embedded"})
    registry.update_job(job.id, status="succeeded")
    registry.merge_result(job.id, adapter_dir=str(job.run_dir / "adapter"), base_model="embedded")
    return job.id


def test_run_contestant_uses_the_training_system_prompt():
    run_id = _finished_run(str(ASSETS / "samples" / "support_pt-BR.jsonl"))
    provider = get_provider(f"run:{run_id}")
    assert provider.default_system_prompt.startswith("Você é a Pia")


def test_run_without_a_system_prompt_keeps_none(tmp_path):
    data = tmp_path / "no_system.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n')
    provider = get_provider(f"run:{_finished_run(str(data))}")
    assert provider.default_system_prompt is None
