"""A local HTTP server that speaks the OpenAI REST shapes the lab uses for fine-tuning.

Shapes follow the installed SDK's types (openai/types/file_object.py, fine_tuning/fine_tuning_job.py,
fine_tuning_job_event.py, jobs/fine_tuning_job_checkpoint.py) and cursor pages ({"object": "list",
"data": [...], "has_more": bool}, `after` = the last id seen). The real openai SDK talks to it through
base_url (OpenAI) or azure_endpoint (Azure: /openai/... paths, `api-version` query, `api-key` header).

A job advances one scripted step per `retrieve` call, so scenarios are deterministic and need no clock:
tests decide what the next job does (success with metrics, failure, unknown status), which requests
fail (429, 500, a dropped connection, a server that stops answering for a moment) and how.
Binds 127.0.0.1 on a random port.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FINE_TUNABLE = {"gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14"}
TERMINAL = {"succeeded", "failed", "cancelled"}


def error_body(message: str, *, code: str | None = None, param: str | None = None,
               type_: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


# ---------------------------------------------------------------- scripts: what a job does per retrieve
def success_script(steps: int = 6, *, trained_tokens: int = 12_345, checkpoints: bool = True,
                   extra: list[dict] | None = None) -> list[dict]:
    """validating_files -> queued -> running (metrics, two per poll) -> succeeded."""
    script: list[dict] = [
        {"status": "validating_files", "events": ["Validating training file: {training_file}"]},
        {"status": "queued", "events": ["Files validated, moving job to queued state"]},
        {"status": "running", "events": ["Fine-tuning job started"]},
    ]
    for start in range(1, steps + 1, 2):
        step_numbers = [s for s in (start, start + 1) if s <= steps]
        entry: dict = {"status": "running", "metrics": step_numbers}
        if checkpoints and step_numbers[-1] % 2 == 0 and step_numbers[-1] >= steps // 2:
            entry["checkpoint"] = step_numbers[-1]
        script.append(entry)
    script.extend(extra or [])
    script.append({"status": "succeeded", "finish": {"trained_tokens": trained_tokens},
                   "events": ["New fine-tuned model created", "The job has successfully completed"]})
    return script


def failed_script(message: str, *, code: str = "invalid_training_file", param: str | None = "training_file",
                  after_running: bool = False) -> list[dict]:
    script: list[dict] = [{"status": "validating_files", "events": ["Validating training file: {training_file}"]}]
    if after_running:
        script += [{"status": "running", "events": ["Fine-tuning job started"]}, {"status": "running", "metrics": [1]}]
    script.append({"status": "failed", "error": {"code": code, "message": message, "param": param},
                   "events": [("error", message)]})
    return script


@dataclass
class Fault:
    """Make matching requests fail: `action` is an HTTP status (429, 500, 503...), "drop" (close the
    connection without answering) or "hang" (answer only after `seconds`: a server that stops
    answering). The first `skip` matching requests pass untouched, then `times` of them fail."""

    method: str
    path_re: str
    action: Any
    times: int = 1
    skip: int = 0
    seconds: float = 0.0
    body: dict | None = None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.search(self.path_re, path) is not None


@dataclass
class FakeJob:
    obj: dict
    script: list[dict]
    position: int = 0
    events: list[dict] = field(default_factory=list)      # chronological
    checkpoints: list[dict] = field(default_factory=list)  # chronological
    paused: bool = False


class FakeOpenAI:
    """The fake server's state. Start with .start() (returns the base URL), stop with .stop()."""

    def __init__(self, api_key: str, *, organization: str = "org-lab-test") -> None:
        self.api_key = api_key
        self.organization = organization
        self.files: dict[str, dict] = {}
        self.file_bytes: dict[str, bytes] = {}
        self.jobs: dict[str, FakeJob] = {}
        self.requests: list[dict] = []
        self.faults: list[Fault] = []
        self.next_scripts: list[list[dict]] = []
        self.refuse_create: tuple[int, dict] | None = None
        self.events_order = "desc"            # the real API lists newest first
        self.azure_api_version_required = False
        self._ids = 0
        self._clock = 1_780_000_000           # virtual Unix seconds, one tick per object
        self.lock = threading.RLock()
        self.httpd: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> str:
        server = self

        class Handler(_Handler):
            fake = server

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    # ------------------------------------------------------------ test controls
    def fail(self, method: str, path_re: str, action: Any, **kwargs: Any) -> Fault:
        fault = Fault(method, path_re, action, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def script_next_job(self, script: list[dict]) -> None:
        with self.lock:
            self.next_scripts.append(script)

    def paths(self, method: str | None = None) -> list[str]:
        return [r["path"] for r in self.requests if method is None or r["method"] == method]

    # ------------------------------------------------------------ helpers
    def new_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}-{self._ids:06d}abc"

    def tick(self) -> int:
        self._clock += 1
        return self._clock

    def add_event(self, job: FakeJob, message: str, level: str = "info", *, type_: str = "message",
                  data: dict | None = None) -> None:
        job.events.append({"object": "fine_tuning.job.event", "id": self.new_id("ftevent"),
                           "created_at": self.tick(), "level": level, "message": message,
                           "type": type_, "data": data or {}})

    def apply_step(self, job: FakeJob) -> None:
        """Move the job one step along its script."""
        if job.paused or job.obj["status"] in TERMINAL or job.position >= len(job.script):
            return
        step = job.script[job.position]
        job.position += 1
        obj = job.obj
        obj["status"] = step.get("status", obj["status"])
        for entry in step.get("events", []):
            level, message = entry if isinstance(entry, tuple) else ("info", entry)
            self.add_event(job, message.format(**obj), level)
        total = sum(len(s.get("metrics", [])) for s in job.script)
        for number in step.get("metrics", []):
            data = {"step": number, "total_steps": total,
                    "train_loss": round(2.0 * 0.7 ** number, 4),
                    "train_mean_token_accuracy": round(0.5 + 0.05 * number, 4)}
            if obj.get("validation_file"):
                data.update(valid_loss=round(2.2 * 0.75 ** number, 4),
                            valid_mean_token_accuracy=round(0.45 + 0.05 * number, 4))
                if number == total:
                    data.update(full_valid_loss=round(2.3 * 0.75 ** number, 4),
                                full_valid_mean_token_accuracy=round(0.44 + 0.05 * number, 4))
            message = f"Step {number}/{total}: training loss={data['train_loss']}"
            self.add_event(job, message, type_="metrics", data=data)
        if "checkpoint" in step:
            number = step["checkpoint"]
            job.checkpoints.append({
                "object": "fine_tuning.job.checkpoint", "id": self.new_id("ftckpt"),
                "created_at": self.tick(), "fine_tuning_job_id": obj["id"], "step_number": number,
                "fine_tuned_model_checkpoint": f"{self.model_name(obj)}:ckpt-step-{number}",
                "metrics": {"step": float(number), "train_loss": round(2.0 * 0.7 ** number, 4),
                            "train_mean_token_accuracy": round(0.5 + 0.05 * number, 4)},
            })
        if "error" in step:
            obj["error"] = dict(step["error"])
            obj["finished_at"] = self.tick()
        if "finish" in step:
            obj["fine_tuned_model"] = self.model_name(obj)
            obj["trained_tokens"] = step["finish"]["trained_tokens"]
            obj["finished_at"] = self.tick()
            obj["result_files"] = [self.new_id("file")]

    def model_name(self, obj: dict) -> str:
        suffix = obj.get("user_provided_suffix") or "lab"
        return f"ft:{obj['model']}:{self.organization}:{suffix}:{obj['id'][-8:]}"

    def create_job(self, payload: dict) -> tuple[int, dict]:
        if self.refuse_create:
            return self.refuse_create
        model = payload.get("model")
        if model not in FINE_TUNABLE:
            return 404, error_body(f"Model {model} is not available for fine-tuning or does not exist.",
                                   code="model_not_available", param="model")
        training = payload.get("training_file")
        if training not in self.files:
            return 400, error_body(f"Invalid file ID: {training}", code="invalid_file_id", param="training_file")
        method = payload.get("method") or {"type": "supervised", "supervised": {"hyperparameters": {}}}
        hyper = dict((method.get(method["type"]) or {}).get("hyperparameters") or {})
        resolved = {"n_epochs": hyper.get("n_epochs", "auto"), "batch_size": hyper.get("batch_size", "auto"),
                    "learning_rate_multiplier": hyper.get("learning_rate_multiplier", "auto")}
        resolved = {k: (3 if k == "n_epochs" else 1 if k == "batch_size" else 1.8) if v == "auto" else v
                    for k, v in resolved.items()}
        method_out = {"type": method["type"], method["type"]: {"hyperparameters": {**hyper, **resolved}}}
        obj = {
            "object": "fine_tuning.job", "id": self.new_id("ftjob"), "created_at": self.tick(),
            "model": model, "organization_id": self.organization, "status": "validating_files",
            "training_file": training, "validation_file": payload.get("validation_file"),
            "result_files": [], "fine_tuned_model": None, "finished_at": None, "trained_tokens": None,
            "error": None, "seed": payload.get("seed") if payload.get("seed") is not None else 42,
            "hyperparameters": resolved, "method": method_out, "metadata": payload.get("metadata"),
            "user_provided_suffix": payload.get("suffix"), "estimated_finish": None, "integrations": [],
        }
        script = self.next_scripts.pop(0) if self.next_scripts else success_script()
        job = FakeJob(obj=obj, script=script)
        self.jobs[obj["id"]] = job
        self.apply_step(job)
        return 200, obj

    def public(self, job: FakeJob) -> dict:
        return {k: v for k, v in job.obj.items() if k != "user_provided_suffix"}


class _QuietServer(ThreadingHTTPServer):
    """Clients that time out leave broken pipes behind: expected here, not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def _page(items: list[dict], query: dict, default_limit: int = 20) -> dict:
    """Cursor paging: items after the `after` id (in list order), `limit` of them, has_more."""
    after = (query.get("after") or [None])[0]
    limit = int((query.get("limit") or [default_limit])[0])
    start = 0
    if after:
        ids = [item["id"] for item in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    chunk = items[start:start + limit]
    return {"object": "list", "data": chunk, "has_more": start + limit < len(items)}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms
        # to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # --------------------------------------------------------- plumbing
    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", "req_fake")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        body = self._body()
        azure = path.startswith("/openai/")
        if azure:
            path = re.sub(r"^/openai(/deployments/[^/]+)?", "", path)
        path = re.sub(r"^/v1(?=/)", "", path)
        key = self.headers.get("api-key") if azure else (self.headers.get("authorization") or "").removeprefix("Bearer ")
        with fake.lock:
            fake.requests.append({"method": method, "path": path, "raw_path": parts.path, "azure": azure, "query": query,
                                  "api_version": (query.get("api-version") or [None])[0]})
            fault = next((f for f in fake.faults if f.matches(method, path) and f.hits < f.skip + f.times), None)
            if fault is not None:
                fault.hits += 1
                if fault.hits <= fault.skip:
                    fault = None
        if fault is not None:
            if fault.action == "drop":
                self.close_connection = True
                return
            if fault.action == "hang":
                time.sleep(fault.seconds)
            else:
                status = int(fault.action)
                default = error_body("Rate limit reached for requests", code="rate_limit_exceeded",
                                     type_="requests") if status == 429 else error_body(
                    "The server had an error while processing your request.", type_="server_error")
                self._send(status, fault.body or default, {"retry-after-ms": "10"})
                return
        if azure and not (query.get("api-version") or [None])[0]:
            self._send(404, {"error": {"code": "404", "message": "Resource not found"}})
            return
        if key != fake.api_key:
            shown = f"{key[:5]}{'*' * 8}{key[-4:]}" if key and len(key) > 12 else "***"
            self._send(401, error_body(f"Incorrect API key provided: {shown}. You can find your API key "
                                       "at https://platform.openai.com/account/api-keys.", code="invalid_api_key"))
            return
        with fake.lock:
            status, payload = self._route(method, path, query, body)
        self._send(status, payload)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    # --------------------------------------------------------- the API
    def _route(self, method: str, path: str, query: dict, body: bytes) -> tuple[int, dict]:
        fake = self.fake
        if method == "POST" and path == "/files":
            return self._upload(body)
        if method == "POST" and path == "/fine_tuning/jobs":
            return fake.create_job(json.loads(body or b"{}"))
        if method == "GET" and path == "/fine_tuning/jobs":
            items = sorted((fake.public(j) for j in fake.jobs.values()), key=lambda o: -o["created_at"])
            return 200, _page(items, query)
        match = re.fullmatch(r"/fine_tuning/jobs/([^/]+)(?:/(\w+))?", path)
        if not match or match.group(1) not in fake.jobs:
            job_id = match.group(1) if match else path
            return 404, error_body(f"No such fine-tuning job: {job_id}", code="fine_tune_not_found")
        job, action = fake.jobs[match.group(1)], match.group(2)
        if method == "GET" and action is None:
            fake.apply_step(job)
            return 200, fake.public(job)
        if method == "GET" and action == "events":
            items = job.events[::-1] if fake.events_order == "desc" else list(job.events)
            return 200, _page(items, query)
        if method == "GET" and action == "checkpoints":
            return 200, _page(job.checkpoints[::-1], query, default_limit=10)
        if method == "POST" and action in {"cancel", "pause", "resume"}:
            return self._control(job, action)
        return 404, error_body(f"Unknown path {path}")

    def _control(self, job: FakeJob, action: str) -> tuple[int, dict]:
        fake, status = self.fake, job.obj["status"]
        if status in TERMINAL:
            return 400, error_body(f"Job {job.obj['id']} has already {status} and cannot be {action}ed.",
                                   code="invalid_state")
        if action == "cancel":
            job.obj["status"] = "cancelled"
            job.obj["finished_at"] = fake.tick()
            fake.add_event(job, "Fine-tuning job cancelled")
        elif action == "pause":
            job.paused = True
            job.obj["status"] = "paused"
            fake.add_event(job, "Fine-tuning job paused")
        else:
            job.paused = False
            job.obj["status"] = "running"
            fake.add_event(job, "Fine-tuning job resumed")
        return 200, fake.public(job)

    def _upload(self, body: bytes) -> tuple[int, dict]:
        fake = self.fake
        head = f"Content-Type: {self.headers.get('content-type')}\r\n\r\n".encode()
        message = BytesParser(policy=email_policy).parsebytes(head + body)
        fields: dict[str, Any] = {}
        filename = None
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                filename = part.get_filename()
                fields[name] = part.get_payload(decode=True)
            else:
                fields[name] = part.get_content().strip()
        if fields.get("purpose") != "fine-tune":
            return 400, error_body("Invalid purpose", param="purpose")
        if not filename or not filename.endswith(".jsonl"):
            return 400, error_body(f"Invalid file format for Fine-Tuning API. Must be .jsonl (got {filename})",
                                   code="invalid_file_format", param="file")
        data = fields.get("file") or b""
        obj = {"object": "file", "id": fake.new_id("file"), "bytes": len(data), "created_at": fake.tick(),
               "filename": filename, "purpose": "fine-tune", "status": "processed", "expires_at": None,
               "status_details": None}
        fake.files[obj["id"]] = obj
        fake.file_bytes[obj["id"]] = data
        return 200, obj
