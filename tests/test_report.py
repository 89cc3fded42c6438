"""The plan report in a real browser: headless Debian Chromium, driven over the DevTools protocol
(``--remote-debugging-pipe``), loads report.html from a small plan with no console errors and no network
requests, draws every chart and the Gantt, filters the Gantt, and leaves a full-page screenshot in
``tests/artifacts/report.png``. Skipped, with the reason, where ``/usr/bin/chromium`` is absent."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scheduler.app.cli import main
from scheduler.app.pipeline import run_plan
from scheduler.demo.example import generate_example
from scheduler.report import build_report

CHROMIUM = Path(os.environ.get("WFM_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-dev-shm-usage", "--hide-scrollbars")
NO_CHROMIUM = f"{CHROMIUM} not installed (apt-get install chromium); browser checks skipped"
needs_chromium = pytest.mark.skipif(not CHROMIUM.is_file(), reason=NO_CHROMIUM)


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    centre = tmp_path_factory.mktemp("centre")
    config = generate_example(centre, agents=12, weeks=4, seed=3)
    out = tmp_path_factory.mktemp("plan") / "out"
    run_plan(config, out, time_limit_seconds=6, progress=None)
    return out


def _pipe_fds(read_fd: int, write_fd: int) -> None:
    """In the child: the browser reads commands on fd 3 and writes replies on fd 4."""
    read_copy, write_copy = os.dup(read_fd), os.dup(write_fd)  # copies first, so fd 3/4 may be reused
    os.dup2(read_copy, 3)
    os.dup2(write_copy, 4)


class DevTools:
    """A minimal Chrome DevTools protocol client over ``--remote-debugging-pipe`` (fds 3 and 4, NUL-framed)."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        self.proc = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            close_fds=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: _pipe_fds(to_browser_r, from_browser_w))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.events: list[dict[str, Any]] = []
        self.replies: dict[int, dict[str, Any]] = {}
        self.cond = threading.Condition()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self.cond:
                    if "id" in message:
                        self.replies[message["id"]] = message
                    else:
                        self.events.append(message)
                    self.cond.notify_all()

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:
        self.next_id += 1
        ident = self.next_id
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        with self.cond:
            if not self.cond.wait_for(lambda: ident in self.replies, timeout):
                raise TimeoutError(method)
            reply = self.replies.pop(ident)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def wait_event(self, method: str, timeout: float = 30) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: any(e["method"] == method for e in self.events), timeout):
                raise TimeoutError(method)

    def close(self) -> None:
        with contextlib.suppress(TimeoutError, RuntimeError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def browser_run(plan_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Load the report once; collect events, DOM counts, the filter's effect and a screenshot."""
    if not CHROMIUM.is_file():
        pytest.skip(NO_CHROMIUM)
    profile = Path(tempfile.mkdtemp(prefix="wfm-chromium-"))
    tools = DevTools(profile)
    try:
        target = next(t for t in tools.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        session = tools.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            tools.send(f"{domain}.enable", session=session)
        tools.send("Emulation.setDeviceMetricsOverride",
                   {"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        tools.events.clear()
        tools.send("Page.navigate", {"url": (plan_dir / "report.html").as_uri()}, session=session)
        tools.wait_event("Page.loadEventFired")
        time.sleep(0.5)

        def evaluate(expression: str) -> Any:
            reply = tools.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                               session=session)
            return reply["result"].get("value")

        counts = evaluate("""JSON.stringify({
            charts: Array.from(document.querySelectorAll('svg.chart')).map(
                s => s.querySelectorAll('path.series').length),
            emptyPaths: Array.from(document.querySelectorAll('svg.chart path.series')).filter(
                p => (p.getAttribute('d') || '').length < 5).length,
            ganttPaths: Array.from(document.querySelectorAll('#gantt path')).map(p => p.getAttribute('d').length),
            ganttRows: document.querySelectorAll('#gantt text.agent').length,
            count: document.getElementById('gantt-count').textContent,
            width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight})""")
        filtered = evaluate("""(() => { const s = document.getElementById('f-contract');
            s.value = s.options[1].value; s.dispatchEvent(new Event('change'));
            const text = document.getElementById('gantt-count').textContent;
            s.value = ''; s.dispatchEvent(new Event('change')); return text; })()""")
        metrics = json.loads(counts)
        shot = tools.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1100, "height": metrics["height"], "scale": 1}}, session=session)
        png = base64.b64decode(shot["data"])
        events = list(tools.events)
    finally:
        tools.close()
        shutil.rmtree(profile, ignore_errors=True)
    screenshot = tmp_path_factory.mktemp("shots") / "report.png"
    screenshot.write_bytes(png)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACTS / "report.png")
    return {"metrics": metrics, "filtered": filtered, "events": events, "screenshot": screenshot}


# --- the page as a file ------------------------------------------------------------------------------------


def test_plan_writes_a_self_contained_report(plan_dir: Path) -> None:
    text = (plan_dir / "report.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    for needle in ("<script src", "<link", "@import", "url(", "http://", "https://"):
        if needle.startswith("http"):
            assert all(part.startswith("www.w3.org/2000/svg") for part in text.split(needle)[1:]), needle
        else:
            assert needle not in text, needle
    for section in ('id="kpis"', 'class="queue"', 'id="penalties"', 'id="agents"', 'id="gantt-data"'):
        assert section in text, section


def test_report_command_rebuilds_the_same_bytes(plan_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(plan_dir, copy)
    (copy / "report.html").unlink()
    # The recorded config is followed only inside the working folder (or the plan folder): work beside it.
    monkeypatch.chdir(Path(json.loads((plan_dir / "kpis.json").read_text())["config"]).parent)
    result = CliRunner().invoke(main, ["report", str(copy)], prog_name="wfm")
    assert result.exit_code == 0, result.output
    assert (copy / "report.html").read_bytes() == (plan_dir / "report.html").read_bytes()
    assert build_report(plan_dir) == (plan_dir / "report.html").read_text(encoding="utf-8")


def test_report_command_without_a_plan_folder_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path)], prog_name="wfm")
    assert result.exit_code == 2
    assert "kpis.json" in result.output and "Traceback" not in result.output


# --- the page in Chromium ----------------------------------------------------------------------------------


@needs_chromium
def test_report_loads_without_console_errors(browser_run: dict[str, Any]) -> None:
    errors = [e for e in browser_run["events"]
              if e["method"] == "Runtime.exceptionThrown"
              or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
              or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert not errors, errors


@needs_chromium
def test_report_makes_no_network_requests(browser_run: dict[str, Any]) -> None:
    urls = [e["params"]["request"]["url"] for e in browser_run["events"] if e["method"] == "Network.requestWillBeSent"]
    assert urls, "the page load itself was not seen"
    assert all(url.startswith(("file://", "data:")) for url in urls), urls


@needs_chromium
def test_every_chart_and_the_gantt_are_drawn(browser_run: dict[str, Any], plan_dir: Path) -> None:
    metrics = browser_run["metrics"]
    queues = json.loads((plan_dir / "kpis.json").read_text())["service_level"]["by_queue"]
    assert len(metrics["charts"]) == 3 * len(queues)  # coverage, service level, forecast per queue
    assert all(n >= 1 for n in metrics["charts"]), metrics["charts"]
    assert metrics["emptyPaths"] == 0
    assert len(metrics["ganttPaths"]) >= 2 and min(metrics["ganttPaths"]) > 10  # shifts and breaks at least
    assert metrics["ganttRows"] == 12
    assert metrics["count"] == "12 of 12 agents"
    assert metrics["width"] <= 1100, "the page scrolls sideways"


@needs_chromium
def test_gantt_filter_narrows_the_agents(browser_run: dict[str, Any]) -> None:
    shown, total = browser_run["filtered"].split(" agents")[0].split(" of ")
    assert 0 < int(shown) < int(total) == 12


@needs_chromium
def test_screenshot_is_saved(browser_run: dict[str, Any]) -> None:
    png = browser_run["screenshot"].read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert (ARTIFACTS / "report.png").read_bytes() == png
