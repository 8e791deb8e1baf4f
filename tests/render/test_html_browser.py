"""The HTML report renders in a browser: headless Chromium opens it from disk, with the
network off, and what a person would see is checked.

No console errors; the plots are drawn (SVG elements with their paths); the rep table has
a row per rep; the worst-frame thumbnails and the embedded annotated video decode; a
full-page screenshot is taken. Skipped with the reason when Chromium or selenium is
missing (as in ``tests/io/test_browser_playback.py``).
"""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import pytest

from posecheck.io.video import VideoSink, VideoSource
from posecheck.render.html import HtmlOptions, write_html
from tests.io.test_browser_playback import CHROMIUM_FLAGS, _chromium
from tests.render.helpers import sample_clip, truth_report

PAGE_STATE = """
const done = arguments[arguments.length - 1];
const video = document.querySelector('video');
const report = () => {
    const images = Array.from(document.querySelectorAll('img'));
    done({
        svgs: document.querySelectorAll('svg').length,
        svgPaths: Array.from(document.querySelectorAll('svg')).map(s => s.querySelectorAll('path').length),
        repRows: document.querySelectorAll('#reps tbody tr').length,
        images: images.length,
        imagesDecoded: images.filter(i => i.complete && i.naturalWidth > 0).length,
        videoReady: video ? video.readyState : -1,
        videoError: video && video.error ? video.error.code : null,
        height: document.documentElement.scrollHeight,
        width: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
    });
};
if (!video || video.readyState >= 2 || video.error) { report(); }
else {
    video.addEventListener('loadeddata', report);
    video.addEventListener('error', report);
    setTimeout(report, 20000);
}
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    browser_path, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=1100,900")
    options.add_argument("--force-device-scale-factor=1")
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.set_script_timeout(30)
        # the page must need nothing from the network: take it away
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        yield driver
    finally:
        driver.quit()


def _errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def _screenshot(driver, width: int, height: int) -> bytes:
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True,
         "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
    )
    return base64.b64decode(shot["data"])


def _h264_copy(clip: Path, out: Path) -> Path:
    """The clip re-encoded as an annotated video is (the samples are MPEG-4 part 2, which browsers do not play)."""
    with VideoSource(clip) as src, VideoSink(out, src.info.fps, (src.info.width, src.info.height)) as sink:
        for frame in src:
            sink.write(frame.image, frame.t)
    return out


def test_the_report_renders_in_chromium(browser, tmp_path: Path):
    annotated = _h264_copy(sample_clip("bridge_low_side"), tmp_path / "annotated.mp4")
    report = truth_report("bridge_low_side", "glute_bridge")
    page = write_html(report, tmp_path / "report.html", HtmlOptions(annotated=annotated))
    assert 'src="data:video/mp4;base64,' in page.read_text()
    browser.get_log("browser")  # drop anything logged before this page
    browser.get(page.as_uri())
    state = browser.execute_async_script(PAGE_STATE)

    assert _errors(browser) == []
    assert state["svgs"] == 2 and all(n > 10 for n in state["svgPaths"]), state
    assert state["repRows"] == len(report.reps.items) == 3
    assert state["images"] == state["imagesDecoded"] == 1, state  # one fault, one worst frame
    assert state["videoError"] is None and state["videoReady"] >= 2, state
    assert state["width"] <= state["viewport"], "the page scrolls sideways"

    png = _screenshot(browser, state["width"], state["height"])
    (tmp_path / "report.png").write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (state["width"], state["height"]) and height > 1500
    assert len(png) > 50_000  # a rendered page, not a blank one


def test_the_check_can_fail(browser, tmp_path: Path):
    """Control: a page that does try to load something missing logs an error the test sees."""
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><title>x</title><img src="missing.png"><svg></svg>')
    browser.get_log("browser")
    browser.get(page.as_uri())
    state = browser.execute_async_script(PAGE_STATE)
    assert _errors(browser), "a missing image was not reported"
    assert state["imagesDecoded"] == 0 and state["repRows"] == 0
