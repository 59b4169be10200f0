"""Fixtures shared by the suites: the repo's paths, a real Voila server, a real browser."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from website import chromium
from website.serving import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def serve_site(log: Path, *options: str):
    """Run the public site as `make serve` does (voila.json, the course template) on a free
    port, with extra command-line ``options``; yields its base URL."""
    port = free_port()
    env = {**os.environ, "JUPYTER_PATH": str(ROOT / "share" / "jupyter")}
    cmd = [sys.executable, "-m", "voila", f"--port={port}", *options]
    with _serving(cmd, env, log, port) as url:
        yield url


@contextlib.contextmanager
def serve_jupyter_server(log: Path):
    """A plain Jupyter server started through binder/start, as repo2docker (Binder) and a
    JupyterHub user image run it, with Voila as its server extension; yields its base URL."""
    port = free_port()
    bin_dir = Path(sys.executable).parent
    cmd = [str(ROOT / "binder" / "start"), str(bin_dir / "jupyter"), "server", f"--port={port}"]
    cmd += ["--no-browser", "--IdentityProvider.token=", "--ServerApp.password="]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_PATH"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    with _serving(cmd, env, log, port, probe="api/status") as url:
        yield url


@contextlib.contextmanager
def _serving(cmd: list[str], env: dict, log: Path, port: int, probe: str = ""):
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url + probe, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> str:
    """The public site with its own settings, shared by the site tests."""
    with serve_site(tmp_path_factory.mktemp("voila") / "voila.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium. Under CI=true a browser that cannot start fails the run."""
    try:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        b = pw.chromium.launch(executable_path=chromium.executable(), args=chromium.ARGS)
    except Exception as err:  # noqa: BLE001 - any failure to start means no browser
        if os.environ.get("CI") == "true":
            pytest.fail(f"no usable Chromium under CI=true: {err}")
        pytest.skip(f"no usable Chromium (set CHROMIUM or install Debian's chromium): {err}")
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()
