"""Annotated videos play in a browser: headless Chromium loads the MP4 and the WebM.

Checks what a user sees, not what a prober reports: the ``<video>`` element reaches
``HAVE_CURRENT_DATA`` (readyState >= 2) with the right picture size and duration. Needs
Debian's ``chromium`` and ``chromium-driver`` packages (CI installs them) and selenium;
skipped with the reason when they are missing.
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from posecheck.io.video import VideoSink
from tests.io.media import pattern, vfr_selection

SIZE = (321, 181)  # odd on purpose: the sink pads to 322x182
SHOWN = (322, 182)

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--mute-audio",
]

LOAD_VIDEO = """
const done = arguments[arguments.length - 1];
const video = document.createElement('video');
video.muted = true;
video.preload = 'auto';
let reported = false;
const report = (event) => {
    if (reported) return;
    reported = true;
    done({event: event, readyState: video.readyState, width: video.videoWidth, height: video.videoHeight,
          duration: video.duration, error: video.error ? video.error.code : null});
};
video.addEventListener('loadeddata', () => report('loadeddata'));
video.addEventListener('error', () => report('error'));
setTimeout(() => report('timeout'), 20000);
video.src = arguments[0];
document.body.appendChild(video);
"""


def _chromium() -> tuple[str, str]:
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[dev]')")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("Chromium not installed (Debian: apt-get install -y chromium chromium-driver)")
    return browser, driver


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A folder served on localhost for the length of this module."""
    root = tmp_path_factory.mktemp("www")
    (root / "index.html").write_text("<!doctype html><title>posecheck</title><body></body>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(served, tmp_path_factory: pytest.TempPathFactory):
    browser_path, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # an explicit driver path: selenium never looks for (or downloads) a driver itself
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.set_script_timeout(30)
        driver.get(f"{served[1]}/index.html")
        yield driver
    finally:
        driver.quit()


@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_annotated_video_plays_in_chromium(served, browser, suffix: str):
    root, url = served
    kept = vfr_selection(150)  # 3.5 s at 30 fps, then 10 fps: ends at 4.9 s
    with VideoSink(root / f"annotated{suffix}", 30, SIZE) as sink:
        for n in kept:
            sink.write(pattern(n, SIZE), n / 30)

    state = browser.execute_async_script(LOAD_VIDEO, f"{url}/annotated{suffix}")

    assert state["error"] is None, state
    assert state["readyState"] >= 2, state
    assert (state["width"], state["height"]) == SHOWN
    assert state["duration"] == pytest.approx(kept[-1] / 30, abs=0.15)


def test_the_check_can_fail(served, browser):
    """Control: an MJPEG AVI (which Chromium cannot play) does not pass the same check."""
    root, url = served
    with VideoSink(root / "annotated.avi", 30, SIZE) as sink:
        for n in range(10):
            sink.write(pattern(n, SIZE))
    state = browser.execute_async_script(LOAD_VIDEO, f"{url}/annotated.avi")
    assert state["readyState"] < 2 and state["width"] == 0, state
