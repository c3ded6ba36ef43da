"""Local LoRA fine-tuning: config, data, the training entry point and the job backend."""
