"""LLM-as-judge through a local OpenAI-compatible server (no network, no model): parsing, both
orders for pairs, and the cache that makes a rerun free."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.errors import InputError
from core.evaluation.dataset import EvalExample
from core.evaluation.judge import Judge
from core.evaluation.run import EvalConfig, summarise


class JudgeServer:
    """Grades like a judge with a position bias: SCORE 5 when the answer contains "R$ 89", else 2;
    for pairs it always says the FIRST answer wins (so only the both-orders rule can save us)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.refuse = 0  # answer this many next requests with HTTP 429 (rate limited)
        state = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                state.requests.append(body)
                if state.refuse > 0:
                    state.refuse -= 1
                    data = json.dumps({"error": {"message": "Rate limit reached", "type": "requests",
                                                 "code": "rate_limit_exceeded"}}).encode()
                    self.send_response(429)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                prompt = body["messages"][-1]["content"]
                if "[Answer A]" in prompt:
                    reply = "A is more complete.\nWINNER: A"
                elif "[Answer to grade]" not in prompt:
                    reply = "Pia here: a day rental costs R$ 89."  # answering as a contestant
                else:
                    graded = prompt.split("[Answer to grade]", 1)[1]
                    reply = "Reasoning...\nSCORE: 5" if "R$ 89" in graded else "SCORE: 2"
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                base = {"id": "c1", "object": "chat.completion.chunk", "created": int(time.time()), "model": body["model"]}
                for chunk in ({"role": "assistant", "content": ""}, {"content": reply}):
                    data = {**base, "choices": [{"index": 0, "delta": chunk, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
                self.wfile.write(f"data: {json.dumps({**base, 'choices': [{'index': 0, 'delta': {}, 'finish_reason': 'stop'}]})}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def judge_server():
    server = JudgeServer()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _examples():
    return [EvalExample(line=i, prompt=[{"role": "user", "content": f"Day rental price? ({i})"}],
                        reference="A day rental costs R$ 89.", facts=["R$ 89"]) for i in (1, 2, 3)]


def test_judge_scores_pairs_both_orders_and_caches(judge_server):
    spec = f"endpoint:{judge_server.url}#judge-model"
    examples = _examples()
    answers = {"base": {e.line: {"text": "It is $63."} for e in examples},
               "rag": {e.line: {"text": "It costs R$ 89 per day."} for e in examples}}
    judge = Judge(spec, rubric="Grade strictly: facts first.")
    scores = judge.score_all(examples, answers)
    assert scores == {"base": {1: 0.25, 2: 0.25, 3: 0.25}, "rag": {1: 1.0, 2: 1.0, 3: 1.0}}
    assert "Grade strictly: facts first." in judge_server.requests[0]["messages"][0]["content"]
    pairs = judge.compare_all(examples, answers)
    # The fake always prefers position A: asked in both orders, that is a tie, never a win.
    assert pairs[0]["b_wins"] == 0 and pairs[0]["a_wins"] == 0 and pairs[0]["ties"] == 3
    n = len(judge_server.requests)
    assert n == 6 + 6  # 2 contestants x 3 examples, then 3 examples x 2 orders

    rerun = Judge(spec, rubric="Grade strictly: facts first.")
    assert rerun.score_all(examples, answers) == scores
    rerun.compare_all(examples, answers)
    assert len(judge_server.requests) == n  # everything came from the cache under LAB_HOME

    config = EvalConfig(data="x", contestants=["base", "rag"], judge=spec, metrics=["fact_recall", "judge"])
    results = summarise(config, examples, answers, scores, pairs)
    assert "judge" in results["metrics"]
    rag = next(c for c in results["contestants"] if c["spec"] == "rag")
    assert rag["metrics"]["judge"]["mean"] == 1.0
    pair = next(p for p in results["pairs"] if p["metric"] == "judge")
    assert pair["delta"] == pytest.approx(0.75) and pair["wins"] == 3


def test_local_judge_is_refused():
    with pytest.raises(InputError):
        Judge("base")


def test_hosted_contestant_backs_off_on_429(judge_server, monkeypatch):
    from core.evaluation import run

    monkeypatch.setattr(run, "BACKOFF_S", 0.01)
    spec = f"endpoint:{judge_server.url}#judge-model"
    config = EvalConfig(data="x", contestants=[spec], metrics=["fact_recall"])
    got: dict = {}
    judge_server.refuse = 2
    run.generate(config, _examples()[:1], lambda e, s, record: got.update({e.line: record}))
    assert got[1]["error"] is None and "R$ 89" in got[1]["text"]
    assert len(judge_server.requests) == 3  # two 429s, then the answer
    judge_server.refuse = 10
    run.generate(config, _examples()[:1], lambda e, s, record: got.update({e.line: record}))
    assert got[1]["error"] and len(judge_server.requests) == 3 + run.RATE_LIMIT_RETRIES + 1
