"""The dashboard served by uvicorn on 127.0.0.1 and a headless Chromium to drive it: Debian's
`chromium` through Playwright's Python package (`executable_path`), never a downloaded browser.
Without the browser or the package the tests are skipped on a developer's machine, and fail in
CI (`CI=true`), where `.ci/run` installs chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM_ENV = "YINQI_CHROMIUM"
ARTIFACTS_ENV = "YINQI_TEST_ARTIFACTS"
ROOT = Path(__file__).resolve().parents[2]


def chromium_path() -> str:
    """Where Debian's chromium is; skipped without it (failed in CI)."""
    found = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        _missing(f"no chromium at {found}: apt-get install chromium (or set {CHROMIUM_ENV})")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright's Python package is missing: pip install -e '.[dev]'")
    return found


def _missing(why: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI: the browser tests cannot run: {why}")
    pytest.skip(why)


def artifacts() -> Path:
    """Where screenshots go (git-ignored): `test-artifacts/` at the top of the repository."""
    where = Path(os.environ.get(ARTIFACTS_ENV) or ROOT / "test-artifacts")
    where.mkdir(parents=True, exist_ok=True)
    return where


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(app: FastAPI) -> Iterator[str]:
    """Run `app` under uvicorn on a free port of 127.0.0.1 in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def launch(playwright: Any, executable: str) -> Any:
    return playwright.chromium.launch(executable_path=executable, headless=True)
