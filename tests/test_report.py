"""The plan report in a real browser: headless Debian Chromium, driven over the DevTools protocol
(``--remote-debugging-pipe``), loads report.html from a small plan with no console errors and no network
requests, draws every chart (net staffing with its worst intervals, holidays marked) and the agents' schedule,
filters and groups it, shows an agent-day's details on hover, highlights a re-plan's changed agent-days, applies
the print stylesheet, and leaves a full-page screenshot in ``tests/artifacts/report.png``. Skipped, with the
reason, where ``/usr/bin/chromium`` is absent.

The plan's agents CSV has ``team`` and ``level`` columns and a CJK agent id; the week has a holiday (Good
Friday, added to the plan's ``holidays:``); the browser loads a copy of the plan folder with a ``changes.csv``
naming two agent-days, as a re-plan writes it."""

from __future__ import annotations

import base64
import contextlib
import csv
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from benchmarks.report_scale import synthetic_report
from scheduler.app.cli import main
from scheduler.app.pipeline import run_plan
from scheduler.demo.example import generate_example
from scheduler.io.config import load_config
from scheduler.io.daily_totals import CENTRE
from scheduler.report import build_report, load_report_data, render
from scheduler.report.data import marked_days

CHROMIUM = Path(os.environ.get("WFM_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-dev-shm-usage", "--hide-scrollbars")
NO_CHROMIUM = f"{CHROMIUM} not installed (apt-get install chromium); browser checks skipped"
needs_chromium = pytest.mark.skipif(not CHROMIUM.is_file(), reason=NO_CHROMIUM)


CJK_AGENT = "王小明"
TEAMS = ("销售一组", "team B")
LEVELS = ("junior", "senior", "lead")
HOLIDAY = "2026-04-03"  # a Friday of the planned week (the example plans the week of 2026-03-30)


def with_teams_and_levels(config: Path) -> None:
    """Give the example's agents CSV ``team`` and ``level`` columns (the plan lists the levels), the first agent a
    CJK id, and the plan a holiday inside its week."""
    agents = config.parent / "agents.csv"
    with agents.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with agents.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*rows[0], "team", "level"])
        writer.writeheader()
        for number, row in enumerate(rows):
            writer.writerow({**row, "agent_id": CJK_AGENT if number == 0 else row["agent_id"],
                             "team": TEAMS[number % 2], "level": LEVELS[number % 3]})
    text = config.read_text(encoding="utf-8").replace("holidays:\n", f"holidays:\n  - {HOLIDAY}\n", 1)
    levels = "".join(f"  - id: {level}\n" for level in LEVELS)  # the agents' levels, most junior first
    config.write_text(f"{text}levels:\n{levels}", encoding="utf-8")


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    centre = tmp_path_factory.mktemp("centre")
    config = generate_example(centre, agents=12, weeks=4, seed=3)
    with_teams_and_levels(config)
    out = tmp_path_factory.mktemp("plan") / "out"
    run_plan(config, out, time_limit_seconds=6, progress=None)
    return out


@pytest.fixture(scope="module")
def replan_dir(plan_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the plan with a changes.csv of two agent-days (the first two shift rows of roster.csv), its
    report rebuilt."""
    out = tmp_path_factory.mktemp("replan") / "out"
    shutil.copytree(plan_dir, out)
    with (plan_dir / "roster.csv").open(encoding="utf-8", newline="") as handle:
        shifts = [r for r in csv.DictReader(handle) if r["activity"] == "shift"]
    picked = [shifts[0], next(r for r in shifts if r["agent_id"] != shifts[0]["agent_id"])]
    lines = ["agent_id,date,before,after"] + [f"{r['agent_id']},{r['date']},off,{r['start'][11:16]}-{r['end'][11:16]}"
                                              for r in picked]
    (out / "changes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = Path(json.loads((plan_dir / "kpis.json").read_text(encoding="utf-8"))["config"])
    (out / "report.html").write_text(build_report(out, config), encoding="utf-8")
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

    def open(self, page: Path, width: int, height: int) -> str:
        """Load ``page`` in the first tab at ``width`` x ``height`` with the page, network, runtime and log
        domains on (their events recorded from before the load); returns the session id."""
        target = next(t for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        session = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
        self.events.clear()
        self.send("Page.navigate", {"url": page.as_uri()}, session=session)
        self.wait_event("Page.loadEventFired")
        return session

    def close(self) -> None:
        with contextlib.suppress(TimeoutError, RuntimeError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# Hovers the middle of the first shift of the first row of the first group; returns the tooltip's text and that
# agent-day, found from the page's own data.
HOVER_JS = """(() => {
  const D = JSON.parse(document.getElementById('gantt-data').textContent);
  const svg = document.querySelector('svg.gantt-rows'), a = svg.__rows[0], seg = a[5];
  const i = seg.findIndex((v, k) => k % 4 === 3 && v === 0) - 3, day = seg[i], mid = (seg[i + 1] + seg[i + 2]) / 2;
  const width = svg.viewBox.baseVal.width, L = 124, W = (width - L) / 7;
  const x = L + day * W + 3 + (mid - D.dayStart) / (D.dayEnd - D.dayStart) * (W - 6);
  const box = svg.getBoundingClientRect(), scale = box.width / width;
  svg.dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: box.left + x * scale,
                                                 clientY: box.top + 7 * scale}));
  const tip = document.getElementById('gantt-tip');
  return JSON.stringify({hidden: tip.hidden, text: tip.innerText, agent: a[0], day: D.days[day],
                         start: seg[i + 1], end: seg[i + 2]});
})()"""


@pytest.fixture(scope="module")
def browser_run(replan_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Load the re-plan's report once; collect events, DOM counts, the filters' and groupings' effect, the hover
    details, the print stylesheet's effect and a screenshot."""
    if not CHROMIUM.is_file():
        pytest.skip(NO_CHROMIUM)
    profile = Path(tempfile.mkdtemp(prefix="wfm-chromium-"))
    tools = DevTools(profile)
    try:
        session = tools.open(replan_dir / "report.html", 1100, 900)
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
            net: Array.from(document.querySelectorAll('svg.chart.net')).map(s => ({
                fills: s.querySelectorAll('path.series[fill]:not([fill="none"])').length,
                worst: s.querySelectorAll('g.worst').length,
                titles: Array.from(s.querySelectorAll('g.worst title')).map(t => t.textContent)})),
            marks: Array.from(document.querySelectorAll('svg.chart')).map(
                s => s.querySelectorAll('rect.mark-holiday').length),
            headMarks: document.querySelectorAll('.gantt-head rect.mark-holiday').length,
            dailyCentre: document.querySelectorAll('#daily tr.centre').length,
            dailyQueue: document.querySelectorAll('#daily tr.queue-row').length,
            dailyHoliday: document.querySelectorAll('#daily .badge.holiday').length,
            ganttPaths: Array.from(document.querySelectorAll('#gantt path')).map(p => p.getAttribute('d').length),
            ganttRows: document.querySelectorAll('#gantt text.agent').length,
            labels: Array.from(document.querySelectorAll('#gantt text.agent')).map(t => t.textContent),
            groups: document.querySelectorAll('.gantt-group').length,
            changed: document.querySelectorAll('#gantt path.gantt-changed').length,
            legend: Array.from(document.querySelectorAll('#agents .legend span')).map(s => s.textContent),
            filters: Object.fromEntries(['team', 'skill', 'contract', 'level'].map(k => [k,
                Array.from(document.querySelectorAll('#f-' + k + ' option')).map(o => o.value)])),
            count: document.getElementById('gantt-count').textContent,
            width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight})""")
        filtered = evaluate("""(() => { const s = document.getElementById('f-contract');
            s.value = s.options[1].value; s.dispatchEvent(new Event('change'));
            const text = document.getElementById('gantt-count').textContent;
            s.value = ''; s.dispatchEvent(new Event('change')); return text; })()""")
        grouped = evaluate("""(() => { const g = document.getElementById('f-group'), out = {};
            for (const key of ['team', 'level', 'contract', '']) { g.value = key; g.dispatchEvent(new Event('change'));
              out[key] = document.querySelectorAll('.gantt-group').length; }
            g.value = 'team'; g.dispatchEvent(new Event('change')); return JSON.stringify(out); })()""")
        changed_only = evaluate("""(() => { const c = document.getElementById('f-changed');
            c.checked = true; c.dispatchEvent(new Event('change'));
            const text = document.getElementById('gantt-count').textContent;
            c.checked = false; c.dispatchEvent(new Event('change')); return text; })()""")
        tools.send("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        printed = evaluate("""JSON.stringify({
            filters: getComputedStyle(document.querySelector('.filters')).display,
            breaks: Array.from(document.querySelectorAll('.gantt-group')).map(g => getComputedStyle(g).breakBefore),
            agents: getComputedStyle(document.getElementById('agents')).breakBefore})""")
        tools.send("Emulation.setEmulatedMedia", {"media": ""}, session=session)
        hover = evaluate(HOVER_JS)
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
    return {"metrics": metrics, "filtered": filtered, "grouped": json.loads(grouped), "changed_only": changed_only,
            "printed": json.loads(printed), "hover": json.loads(hover), "events": events, "screenshot": screenshot}


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
    # per queue coverage, net staffing, service level and forecast; and the centre's net staffing
    assert len(metrics["charts"]) == 4 * len(queues) + 1
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


@needs_chromium
def test_net_staffing_charts_ring_the_worst_intervals(browser_run: dict[str, Any], plan_dir: Path) -> None:
    net = browser_run["metrics"]["net"]
    queues = json.loads((plan_dir / "kpis.json").read_text())["service_level"]["by_queue"]
    assert len(net) == len(queues) + 1  # the centre, then one per queue
    for chart in net:
        assert chart["fills"] >= 1 and 1 <= chart["worst"] <= 5
        assert len(chart["titles"]) == chart["worst"] and all(": net " in t for t in chart["titles"])


@needs_chromium
def test_holidays_are_marked_on_every_time_axis(browser_run: dict[str, Any]) -> None:
    metrics = browser_run["metrics"]
    assert all(n >= 1 for n in metrics["marks"]), metrics["marks"]  # Good Friday; St Patrick's Day in the history
    assert metrics["headMarks"] == metrics["groups"] >= 1  # every schedule group's day header
    assert metrics["dailyHoliday"] == 1


@needs_chromium
def test_daily_totals_table_has_the_centre_and_every_queue(browser_run: dict[str, Any], plan_dir: Path) -> None:
    queues = json.loads((plan_dir / "kpis.json").read_text())["service_level"]["by_queue"]
    assert browser_run["metrics"]["dailyCentre"] == 7
    assert browser_run["metrics"]["dailyQueue"] == 7 * len(queues)


@needs_chromium
def test_hovering_a_shift_shows_the_agent_day(browser_run: dict[str, Any]) -> None:
    hover = browser_run["hover"]
    assert not hover["hidden"]
    lines = hover["text"].splitlines()
    assert lines[0] == hover["agent"]
    assert any(line.startswith("team ") and "level " in line and "contract " in line for line in lines)
    assert any(line.startswith("skills: ") for line in lines)
    shift = f"{hover['start'] // 60 % 24:02d}:{hover['start'] % 60:02d}-{hover['end'] // 60 % 24:02d}:"
    assert any(line.startswith(hover["day"]) and shift in line for line in lines), lines
    assert any(line.startswith("breaks: ") for line in lines)
    assert any(line.startswith("paid ") and "(week " in line for line in lines)


@needs_chromium
def test_schedule_filters_by_team_and_level_and_groups(browser_run: dict[str, Any], plan_dir: Path) -> None:
    metrics = browser_run["metrics"]
    assert metrics["filters"]["team"] == ["", *sorted(TEAMS)]
    assert metrics["filters"]["level"] == ["", *sorted(LEVELS)]
    assert len(metrics["filters"]["contract"]) > 2 and len(metrics["filters"]["skill"]) > 2
    assert CJK_AGENT in metrics["labels"]
    with (plan_dir / "roster.csv").open(encoding="utf-8", newline="") as handle:
        kinds = {row["activity"] for row in csv.DictReader(handle)}
    assert kinds <= set(metrics["legend"])  # every activity of the roster is in the legend
    contracts = len(metrics["filters"]["contract"]) - 1
    assert browser_run["grouped"] == {"team": len(TEAMS), "level": len(LEVELS), "contract": contracts, "": 1}


@needs_chromium
def test_replan_changes_are_highlighted_and_filterable(browser_run: dict[str, Any]) -> None:
    assert browser_run["metrics"]["changed"] >= 1
    assert "changed by the re-plan" in browser_run["metrics"]["legend"]
    assert browser_run["changed_only"] == "2 of 12 agents"


@needs_chromium
def test_print_stylesheet_puts_each_group_on_its_own_page(browser_run: dict[str, Any]) -> None:
    printed = browser_run["printed"]
    assert printed["filters"] == "none"
    assert printed["agents"] == "page"
    assert len(printed["breaks"]) == len(TEAMS) and printed["breaks"][1:] == ["page"] * (len(TEAMS) - 1)


# --- the page's data and scale ------------------------------------------------------------------------------


def test_daily_totals_add_up_to_the_plan(plan_dir: Path) -> None:
    config = Path(json.loads((plan_dir / "kpis.json").read_text())["config"])
    data = load_report_data(plan_dir, config)
    kpis = json.loads((plan_dir / "kpis.json").read_text())
    centre = [t for t in data.daily if t.queue == CENTRE]
    assert len(centre) == 7
    assert sum(t.paid_hours or 0 for t in centre) == pytest.approx(kpis["paid_hours"])
    forecast = pd.read_csv(plan_dir / "forecast.csv")
    assert sum(t.contacts for t in centre) == pytest.approx(forecast["contacts"].sum())
    coverage = pd.read_csv(plan_dir / "coverage.csv")
    hours = data.interval_minutes / 60
    assert sum(t.required_agent_hours for t in centre) == pytest.approx(coverage["required"].sum() * hours)
    assert sum(t.scheduled_agent_hours for t in centre) == pytest.approx(coverage["scheduled"].sum() * hours)
    assert [m.day.isoformat() for m in data.marked_days] == ["2026-03-17", HOLIDAY]
    assert {a.team for a in data.agents} == set(TEAMS) and {a.level for a in data.agents} == set(LEVELS)


def test_report_of_1000_agents_stays_small() -> None:
    data = synthetic_report(1000)
    idle = replace(data.agents[0], agent_id="王" + "x" * 5000, segments=(), days=())  # no shift all week
    data = replace(data, agents=(idle, *data.agents[1:]))
    text = render(data)
    assert len(text.encode()) < 2_000_000, len(text.encode())  # measured 0.5 MB; the Gantt is drawn in the page
    payload = json.loads(text.split('id="gantt-data">', 1)[1].split("</script>", 1)[0])
    assert len(payload["agents"]) == 1000
    assert text.count('class="chart') == 4 * len(data.queues) + 1


def test_marked_days_come_from_the_country_calendar_and_special_days(plan_dir: Path) -> None:
    config = load_config(Path(json.loads((plan_dir / "kpis.json").read_text())["config"]))
    first, last = date(2026, 3, 1), date(2026, 4, 30)
    irish = marked_days(replace(config, holidays=(), holiday_country="IE"), None, first, last)
    assert [(m.day.isoformat(), m.kind) for m in irish] == [("2026-03-17", "holiday"), ("2026-04-06", "holiday")]
    assert "Patrick" in irish[0].label and "(IE)" in irish[0].label
    special = replace(config, special_days=((date(2026, 4, 1), 1.5), (date(2026, 4, 3), 0.0)))
    marks = {m.day.isoformat(): (m.kind, m.label) for m in marked_days(special, None, first, last)}
    assert marks["2026-04-03"] == ("special", "special day: closed")  # a special day wins over the holiday
    assert marks["2026-04-01"] == ("special", "special day: volume x1.5")
    assert marks["2026-03-17"][0] == "holiday"
