"""TrainerCallback that turns the Trainer's logs into metric events (events.jsonl).

tokens_per_s counts useful (non-padding) input tokens of this process times the number of
processes, over the training time since the previous log (evaluation time excluded); eta_s is the
mean training time per step so far times the steps left.
"""
from __future__ import annotations

import time

from transformers import TrainerCallback


class TokenCounter:
    def __init__(self) -> None:
        self.total = 0

    def add(self, n: int) -> None:
        self.total += n


class EventsCallback(TrainerCallback):
    def __init__(self, emit, counter: TokenCounter) -> None:
        self.emit, self.counter = emit, counter
        self.window_start = self.window_tokens = None
        self.eval_time = 0.0
        self.train_time = 0.0
        self.first_step = 0
        self.pending_eval = 0.0

    def on_train_begin(self, args, state, control, **kwargs):
        self.window_start, self.window_tokens = time.time(), self.counter.total
        self.first_step = state.global_step  # > 0 when resuming
        self.emit.log("train.log_started", total_steps=state.max_steps, step=state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        now = time.time()
        fields = {"step": state.global_step, "total_steps": state.max_steps,
                  "epoch": round(state.epoch or 0.0, 4)}
        if "loss" in logs:
            elapsed = max(1e-6, now - self.window_start - self.pending_eval)
            self.train_time += elapsed
            tokens = (self.counter.total - self.window_tokens) * max(1, args.world_size)
            done = max(1, state.global_step - self.first_step)
            fields.update(train_loss=logs["loss"], learning_rate=logs.get("learning_rate"),
                          tokens_per_s=round(tokens / elapsed, 1),
                          eta_s=round(self.train_time / done * max(0, state.max_steps - state.global_step), 1))
            if logs.get("grad_norm") is not None:
                fields["grad_norm"] = logs["grad_norm"]
            self.window_start, self.window_tokens, self.pending_eval = now, self.counter.total, 0.0
            self.emit.metric(**fields)
        elif "eval_loss" in logs:
            self.pending_eval += float(logs.get("eval_runtime") or 0.0)
            self.emit.metric(eval_loss=logs["eval_loss"], **fields)

    def on_save(self, args, state, control, **kwargs):
        self.emit.log("train.log_checkpoint", step=state.global_step)
