"""Fixtures for the arena tests: a local server speaking OpenAI's chat-completions REST shapes
(SSE streaming + a final usage chunk), a tiny LoRA adapter registered as a finished training run.

Import the fixtures into a test module:  from tests.arena_support import fake_openai, tiny_run  # noqa: F401
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FAKE_KEY = "sk-test-arena-0123456789"


@dataclass
class FakeOpenAI:
    url: str  # base URL including /v1
    requests: list = field(default_factory=list)
    send_usage: bool = True  # False: behave like a server that ignores stream_options
    delay_s: float = 0.0  # pause between chunks (lets tests see streaming)

    @staticmethod
    def reply_for(question: str) -> str:
        return f"Pia here: you asked '{question}'. The Plus plan costs R$ 219/month."


def _handler(state: FakeOpenAI):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path.rstrip("/").endswith("/models"):
                return self._json(200, {"object": "list", "data": [{"id": "pia-echo", "object": "model"}]})
            self._json(404, {"error": {"message": "not found"}})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            state.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
            if not self.path.endswith("/chat/completions"):
                return self._json(404, {"error": {"message": "not found"}})
            if body.get("model") == "needs-key" and self.headers.get("Authorization") != f"Bearer {FAKE_KEY}":
                return self._json(401, {"error": {"message": "Incorrect API key provided: "
                                                  + str(self.headers.get("Authorization")), "type": "invalid_request_error",
                                                  "code": "invalid_api_key"}})
            if body.get("model") not in ("pia-echo", "needs-key"):
                return self._json(404, {"error": {"message": f"model {body.get('model')} not found",
                                                  "code": "model_not_found"}})
            question = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
            words = FakeOpenAI.reply_for(question).split(" ")
            words = words[: max(1, int(body.get("max_tokens") or body.get("max_completion_tokens") or 999))]
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()

            def send(obj) -> None:
                self.wfile.write(f"data: {json.dumps(obj)}\n\n".encode())
                self.wfile.flush()

            base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": body["model"]}
            send({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]})
            for n, word in enumerate(words):
                time.sleep(state.delay_s)
                send({**base, "choices": [{"index": 0, "delta": {"content": word if n == 0 else " " + word},
                                           "finish_reason": None}]})
            send({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if state.send_usage and (body.get("stream_options") or {}).get("include_usage"):
                send({**base, "choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": len(words),
                                                       "total_tokens": 11 + len(words)}})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


@pytest.fixture
def fake_openai():
    """An OpenAI-compatible server on 127.0.0.1 (random port); model 'pia-echo' answers without a key,
    'needs-key' only with FAKE_KEY."""
    state = FakeOpenAI(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def make_adapter(model, folder: Path, seed: int = 0) -> Path:
    """Save a small LoRA adapter for `model` in `folder` without changing `model`: LoRA with random
    (not zero) B weights, so the adapted model really answers differently; then unload it again."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    trainable = {name: p.requires_grad for name, p in model.named_parameters()}
    config = LoraConfig(r=4, lora_alpha=16, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    peft_model = get_peft_model(model, config)
    peft_model.save_pretrained(folder)
    peft_model.unload()  # removes the LoRA layers: the shared session model is back to its original modules
    for name, p in model.named_parameters():  # peft froze the base weights; give them back as they were
        p.requires_grad_(trainable.get(name, p.requires_grad))
    return folder


@pytest.fixture
def tiny_run(embedded_model):
    """A succeeded local training job whose adapter is a tiny LoRA on the embedded model."""
    from core.jobs import registry

    model, _tokenizer = embedded_model
    job = registry.create_job("local", {"model": "embedded"}, status="succeeded")
    adapter = make_adapter(model, job.run_dir / "adapter")
    registry.merge_result(job.id, adapter_dir=str(adapter), base_model="embedded")
    return registry.get_job(job.id)
