"""Fixtures shared by the site tests: one strict build of the whole site per
test session, a local server for it, and headless Chromium (Debian's package,
driven by the `playwright` Python package; no browser is downloaded)."""

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The whole site, built in strict mode the way CI builds it."""
    if not (ROOT / "node_modules" / "katex" / "dist" / "katex.min.js").is_file():
        pytest.skip("the site's KaTeX is not installed; run `npm ci` in the repository root first")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    out = tmp_path_factory.mktemp("site")
    cwd = os.getcwd()
    os.chdir(ROOT)                     # pymdownx.snippets reads the code relative to the repo root
    try:
        build(load_config(str(ROOT / "mkdocs.yml"), site_dir=str(out), strict=True))
    finally:
        os.chdir(cwd)
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(site):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium package to run the browser test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
