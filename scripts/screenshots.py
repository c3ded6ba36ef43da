"""Take the README's screenshots: start the lab on free ports, open each page in headless Chromium.

    .venv/bin/python scripts/screenshots.py [--lang en|pt-BR] [--out docs/screenshots]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, free_port, wait_http  # noqa: E402

PAGES = ["home", "inspector", "costs", "train", "arena", "documents"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="en")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--home", default=None, help="LAB_HOME to use (default: a temp folder)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    home = args.home or tempfile.mkdtemp(prefix="lab-shots-")
    port, arena_port = free_port(), free_port()
    env = dict(os.environ, LAB_HOME=home)
    default_home = Path.home() / ".fine-tuning-lab"  # reuse the converted model, as tests do
    env.setdefault("LAB_MODEL_CACHE", str(default_home / "models"))
    env.setdefault("LAB_TIKTOKEN_CACHE", str(default_home / "tiktoken"))
    proc = subprocess.Popen([sys.executable, "-m", "lab", "serve", "--port", str(port), "--arena-port",
                             str(arena_port)], cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/_stcore/health")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for name in args.pages.split(","):
                path_part = "" if name == "home" else name
                page.goto(f"http://127.0.0.1:{port}/{path_part}?lang={args.lang}")
                page.wait_for_selector("[data-testid='stApp']")
                time.sleep(6)
                path = out / f"{name}-{args.lang}.png"
                page.screenshot(path=str(path), full_page=True)
                print(path)
            browser.close()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
