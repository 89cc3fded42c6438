"""Hostile files and ids (issue 14): ids that are paths, markup or spreadsheet formulas; files that are FIFOs,
devices or somebody's /etc/passwd; a results folder that points elsewhere. Every bad input exits 2 with one
line and no traceback; nothing is written outside the output folder; the report shows markup ids as text in
a real browser (skipped, with the reason, where /usr/bin/chromium is absent)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from test_report import CHROMIUM, NO_CHROMIUM, DevTools

from forecasting.history import load_history
from forecasting.untrusted import MAX_EXCERPT_CHARS, excerpt, id_problem
from scheduler.app.cli import main
from scheduler.app.pipeline import run_plan
from scheduler.demo.example import generate_example
from scheduler.domain.week import Week
from scheduler.io.config import load_config
from scheduler.io.exports import calendar_file_names
from scheduler.rostering.replan import load_replan
from scheduler.validation.validate import read_roster

MARKUP_IDS = ("<img src=x onerror=alert(1)>", '" onmouseover="alert(1)', "<!--<script>",
              "</script><script>alert(1)</script>")
PATH_IDS = ("../../evil", "a/b", "x" * 300)
SECRET = "SECRET-c0ffee"
PASSWD = (f"root:x:0:0:{SECRET}-root:/root:/bin/bash\n"
          f"daemon:x:1:1:{SECRET}-daemon:/usr/sbin:/usr/sbin/nologin\n")
CLI_TIMEOUT_SECONDS = 120


def run(args: list[str], timeout: float = CLI_TIMEOUT_SECONDS) -> Result:
    """``wfm ARGS`` in-process; fails (instead of hanging the suite) when it has not ended after ``timeout``."""
    box: dict[str, Result] = {}
    thread = threading.Thread(target=lambda: box.update(result=CliRunner().invoke(main, args, prog_name="wfm")),
                              daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"wfm {' '.join(args)} still running after {timeout} s"
    return box["result"]


def one_line_error(result: Result) -> str:
    """The run exited 2 with one line ``error: ...`` and no traceback; returns that line."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    text = result.output.strip()
    assert "\n" not in text and text.startswith("error: "), text
    assert "Traceback" not in text
    return text


def write_agents(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def read_agents(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small example centre (12 agents); tests copy it before changing anything."""
    folder = tmp_path_factory.mktemp("centre")
    generate_example(folder, agents=12, weeks=4, seed=3)
    return folder


def copy_centre(centre: Path, tmp_path: Path) -> Path:
    target = tmp_path / "centre"
    shutil.copytree(centre, target)
    return target


@pytest.fixture(scope="module")
def hostile_plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A planned week whose agent and activity ids are markup, paths and a 300-character name."""
    root = tmp_path_factory.mktemp("hostile")
    config = generate_example(root / "centre", agents=12, weeks=4, seed=3)
    escaped = root / "escaped"
    renames = dict(zip(["A001", "A002", "A003", "A006", "A009", "A008", "A010", "A012"],
                       [*MARKUP_IDS, *PATH_IDS, str(escaped / "abs")], strict=True))
    rows = read_agents(config.parent / "agents.csv")
    for number, row in enumerate(rows):
        row["agent_id"] = renames.get(row["agent_id"], row["agent_id"])
        row["team"] = MARKUP_IDS[number % len(MARKUP_IDS)]  # free text the report shows (filter, group, tooltip)
        row["level"] = MARKUP_IDS[(number + 1) % len(MARKUP_IDS)]
    write_agents(config.parent / "agents.csv", rows)
    plan = yaml.safe_load(config.read_text(encoding="utf-8"))
    activities = {"<img src=y onerror=alert(2)>": [MARKUP_IDS[0], MARKUP_IDS[1]],
                  'x" onmouseover="alert(3)': [MARKUP_IDS[3]]}
    plan["activities"] = [{"id": name, "minutes": 30, "agents": agents, "together": False}
                          for name, agents in activities.items()]
    plan["levels"] = [{"id": level} for level in dict.fromkeys(row["level"] for row in rows)]  # markup levels too
    config.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    before = files_under(root)
    out = root / "out"
    result = run_plan(config, out, time_limit_seconds=6, progress=None)
    return {"root": root, "config": config, "out": out, "ids": [row["agent_id"] for row in rows],
            "activities": list(activities), "escaped": escaped, "before": before, "result": result}


# --- ids that become file names ------------------------------------------------------------------------------


def test_hostile_ids_plan_writes_only_inside_the_output_folder(hostile_plan: dict[str, Any]) -> None:
    root, out = hostile_plan["root"], hostile_plan["out"]
    assert not hostile_plan["result"].violations
    assert not hostile_plan["escaped"].exists()
    new = files_under(root) - hostile_plan["before"]
    outside = [p for p in new if not p.resolve().is_relative_to(out.resolve())]
    assert outside == [], outside
    calendars = sorted((out / "calendars").iterdir())
    assert len(calendars) == len(hostile_plan["ids"])
    for path in calendars:
        assert path.resolve().parent == (out / "calendars").resolve()
        assert len(path.name) <= 64 + len(".ics")
        assert path.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_calendar_file_names_are_safe_unique_and_plain_where_they_can_be() -> None:
    ids = ["A01", "A-1.x", "a/b", "../../x", "/abs/evil", "a\nb", "nul\x00x", "x" * 300, "", ".", "..", "CON",
           "Bob", "bob", "é"]
    names = calendar_file_names(ids)
    assert names["A01"] == "A01.ics" and names["A-1.x"] == "A-1.x.ics"
    assert len({n.casefold() for n in names.values()}) == len(ids)
    for agent_id, name in names.items():
        assert name.endswith(".ics") and len(name) <= 75, name
        assert "/" not in name and "\\" not in name and not name.startswith("."), name
        assert name.isascii() and name.isprintable(), repr(name)
        if agent_id in ("CON", "Bob", "bob", "a/b"):  # reserved on Windows / one file on a case-blind disk
            assert name != f"{agent_id}.ics"
    assert calendar_file_names(reversed(ids)) == names


@pytest.mark.parametrize("agent_id", ["bad\nid", "nul\x00id", "tab\tinside", "del\x7fid", "sep\u2028id"])
def test_agent_ids_with_control_characters_are_refused_naming_the_row(centre: Path, tmp_path: Path,
                                                                       agent_id: str) -> None:
    folder = copy_centre(centre, tmp_path)
    rows = read_agents(folder / "agents.csv")
    rows[2]["agent_id"] = agent_id
    write_agents(folder / "agents.csv", rows)
    line = one_line_error(run(["plan", str(folder / "plan.yaml"), "--out", str(tmp_path / "out")]))
    assert "agents.csv" in line and ("agent_id" in line or "NUL" in line)
    assert not (tmp_path / "out").exists()


# --- CSV formula injection -----------------------------------------------------------------------------------


@pytest.mark.parametrize("agent_id", ["=cmd|' -C calc'!A0", "@SUM(1+1)", '=HYPERLINK("http://x","y")', "+x1",
                                      "-x1"])
def test_formula_agent_ids_are_refused_at_load(centre: Path, tmp_path: Path, agent_id: str) -> None:
    folder = copy_centre(centre, tmp_path)
    rows = read_agents(folder / "agents.csv")
    rows[2]["agent_id"] = agent_id
    write_agents(folder / "agents.csv", rows)
    line = one_line_error(run(["plan", str(folder / "plan.yaml"), "--out", str(tmp_path / "out")]))
    assert "agents.csv row 4: agent_id" in line and "formula" in line


def test_numeric_ids_with_a_sign_are_accepted(centre: Path, tmp_path: Path) -> None:
    folder = copy_centre(centre, tmp_path)
    rows = read_agents(folder / "agents.csv")
    rows[0]["agent_id"], rows[1]["agent_id"] = "-12", "+44"
    write_agents(folder / "agents.csv", rows)
    assert {"-12", "+44"} <= {a.agent_id for a in load_config(folder / "plan.yaml").agents}


def test_formula_queue_ids_are_refused_in_config_and_history(centre: Path, tmp_path: Path) -> None:
    folder = copy_centre(centre, tmp_path)
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    (folder / "bad.yaml").write_text(plan.replace("  - id: chat\n", "  - id: '@chat'\n"), encoding="utf-8")
    line = one_line_error(run(["plan", str(folder / "bad.yaml"), "--out", str(tmp_path / "out")]))
    assert "].id '@chat' starts with '@'" in line and "queues[" in line and "formula" in line
    history = (folder / "history.csv").read_text(encoding="utf-8")
    (folder / "history.csv").write_text(history.replace(",chat,", ",=chat,", 1), encoding="utf-8")
    line = one_line_error(run(["forecast", str(folder / "history.csv"), "--start", "2026-03-30",
                               "--out", str(tmp_path / "f.csv")]))
    assert "queue '=chat'" in line and " row " in line


def test_csv_outputs_hold_no_formula_cells_and_read_back_unchanged(hostile_plan: dict[str, Any]) -> None:
    out = hostile_plan["out"]
    for name, column in (("roster.csv", "agent_id"), ("roster.csv", "activity"), ("coverage.csv", "queue"),
                         ("requirements.csv", "queue"), ("forecast.csv", "queue")):
        with (out / name).open(newline="", encoding="utf-8") as handle:
            cells = {row[column] for row in csv.DictReader(handle)}
        assert cells and all(id_problem(cell) is None for cell in cells), (name, column)
    roster = read_roster(out / "roster.csv")
    assert set(roster["agent_id"]) <= set(hostile_plan["ids"])
    assert set(hostile_plan["activities"]) <= set(roster["activity"])
    config = load_config(hostile_plan["config"])
    result = run(["validate", str(hostile_plan["config"]), str(out / "roster.csv")])
    assert result.exit_code == 0, result.output
    week = Week(config.week_start, config.interval_minutes)
    replan = load_replan(out / "roster.csv", config, week, set(week.days()))
    assert {agent for agent, _ in replan.published} == set(hostile_plan["ids"])


# --- files echoed in errors ----------------------------------------------------------------------------------


def secret_cases(folder: Path, secret: Path, good_kpis: Path) -> dict[str, list[str]]:
    """Every input a file can be given as, pointed at ``secret``."""
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    (folder / "secret_history.yaml").write_text(plan.replace("history: history.csv", f"history: {secret}"),
                                                encoding="utf-8")
    (folder / "secret_agents.yaml").write_text(plan.replace("agents: agents.csv", f"agents: {secret}"),
                                               encoding="utf-8")
    out = str(folder / "out")
    config = str(folder / "plan.yaml")
    quiet = ["--quiet"]  # progress lines go to stderr too; the error must be the only line
    return {
        "history (forecast)": ["forecast", str(secret), "--start", "2026-03-30", "--out", str(folder / "f.csv")],
        "history (plan)": ["plan", str(folder / "secret_history.yaml"), "--out", out, *quiet],
        "agents": ["plan", str(folder / "secret_agents.yaml"), "--out", out, *quiet],
        "config": ["plan", str(secret), "--out", out, *quiet],
        "requirements": ["schedule", config, "--requirements", str(secret), "--out", out, *quiet],
        "pinned roster": ["plan", config, "--out", out, "--pin", str(secret), *quiet],
        "special days": ["forecast", str(folder / "history.csv"), "--start", "2026-03-30", "--special-days",
                         str(secret), "--out", str(folder / "f.csv")],
        "kpis": ["check", str(secret), "--baseline", str(good_kpis)],
        "baseline": ["check", str(good_kpis), "--baseline", str(secret)],
        "roster to validate": ["validate", config, str(secret)],
        "forecast to staff": ["staff", str(secret), "--config", config, "--out", str(folder / "r.csv")],
    }


def test_a_passwd_like_file_given_as_any_input_is_never_echoed(centre: Path, tmp_path: Path,
                                                              hostile_plan: dict[str, Any]) -> None:
    folder = copy_centre(centre, tmp_path)
    secret = tmp_path / "passwd"
    secret.write_text(PASSWD, encoding="utf-8")
    for what, args in secret_cases(folder, secret, hostile_plan["out"] / "kpis.json").items():
        line = one_line_error(run(args))
        assert SECRET not in line and "root:x" not in line, (what, line)


def test_report_does_not_follow_a_recorded_config_outside_its_folders(hostile_plan: dict[str, Any],
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    secret = tmp_path / "secret.yaml"
    secret.write_text(PASSWD, encoding="utf-8")
    copy = elsewhere / "plan"
    shutil.copytree(hostile_plan["out"], copy)
    monkeypatch.chdir(elsewhere)
    kpis = json.loads((copy / "kpis.json").read_text(encoding="utf-8"))
    for recorded in (str(secret), "../secret.yaml", str(hostile_plan["config"])):
        kpis["config"] = recorded
        (copy / "kpis.json").write_text(json.dumps(kpis), encoding="utf-8")
        line = one_line_error(run(["report", str(copy)]))
        assert "outside" in line and "--config" in line and SECRET not in line
    # Inside the plan folder it is followed (and a passwd-like file there is still not echoed).
    shutil.copyfile(secret, copy / "inside.yaml")
    kpis["config"] = str(copy / "inside.yaml")
    (copy / "kpis.json").write_text(json.dumps(kpis), encoding="utf-8")
    line = one_line_error(run(["report", str(copy)]))
    assert "inside.yaml" in line and SECRET not in line
    # With --config the plan's own config is read from anywhere.
    result = run(["report", str(copy), "--config", str(hostile_plan["config"])])
    assert result.exit_code == 0, result.output


def test_long_bad_values_are_quoted_and_cut_short(centre: Path, tmp_path: Path) -> None:
    folder = copy_centre(centre, tmp_path)
    rows = read_agents(folder / "agents.csv")
    rows[1]["contract"] = "c" * 10_000
    write_agents(folder / "agents.csv", rows)
    line = one_line_error(run(["plan", str(folder / "plan.yaml"), "--out", str(tmp_path / "out")]))
    assert "10,000 characters" in line and len(line) < 200
    assert excerpt("y" * 100) == f"{'y' * MAX_EXCERPT_CHARS!r}... (100 characters)"


# --- non-regular files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_fifos_devices_and_folders_are_refused_for_every_input(centre: Path, tmp_path: Path,
                                                               hostile_plan: dict[str, Any], kind: str) -> None:
    folder = copy_centre(centre, tmp_path)
    special = tmp_path / "special"
    if kind == "fifo":
        os.mkfifo(special)
    elif kind == "device":
        special.symlink_to("/dev/zero")
    else:
        special.mkdir()
    for what, args in secret_cases(folder, special, hostile_plan["out"] / "kpis.json").items():
        line = one_line_error(run(args))
        assert ("is a directory" if kind == "directory" else "not a regular file") in line, (what, line)


def test_a_fifo_in_a_plan_folder_is_refused_by_report(hostile_plan: dict[str, Any], tmp_path: Path) -> None:
    copy = tmp_path / "plan"
    shutil.copytree(hostile_plan["out"], copy)
    (copy / "coverage.csv").unlink()
    os.mkfifo(copy / "coverage.csv")
    line = one_line_error(run(["report", str(copy), "--config", str(hostile_plan["config"])]))
    assert "coverage.csv" in line and "not a regular file" in line


DAMAGED_PLAN_FILES = {
    "kpis not an object": ("kpis.json", lambda text: "[]"),
    "kpis without figures": ("kpis.json", lambda text: "{}"),
    "kpis bad week": ("kpis.json", lambda text: text.replace('"week_start": "', '"week_start": "x')),
    "kpis text gap": ("kpis.json", lambda text: text.replace('"gap": ', '"gap": "x", "_": ')),
    "coverage column": ("coverage.csv", lambda text: text.replace("scheduled", "sched", 1)),
    "coverage value": ("coverage.csv", lambda text: text.replace("\n", "\n" + "2026-03-30T08:00:00,q,x,1,1\n", 1)),
    "forecast time": ("forecast.csv", lambda text: text.replace("\n2026", "\nx026", 1)),
    "roster date": ("roster.csv", lambda text: text.replace("2026-03-3", "2026-13-3")),
    "roster empty": ("roster.csv", lambda text: ""),
}


@pytest.mark.parametrize("case", sorted(DAMAGED_PLAN_FILES))
def test_report_of_a_damaged_plan_folder_exits_2(hostile_plan: dict[str, Any], tmp_path: Path, case: str) -> None:
    name, damage = DAMAGED_PLAN_FILES[case]
    copy = tmp_path / "plan"
    shutil.copytree(hostile_plan["out"], copy)
    (copy / name).write_text(damage((copy / name).read_text(encoding="utf-8")), encoding="utf-8")
    line = one_line_error(run(["report", str(copy), "--config", str(hostile_plan["config"])]))
    assert name in line


def test_fifo_history_exits_2_in_a_real_process(tmp_path: Path) -> None:
    fifo = tmp_path / "history.csv"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-m", "scheduler.app.cli", "forecast", str(fifo), "--start", "2026-03-30",
                           "--out", str(tmp_path / "f.csv")], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "not a regular file" in done.stderr


# --- history read into Arrow strings -------------------------------------------------------------------------


def test_history_fast_and_exact_readers_agree(centre: Path, tmp_path: Path) -> None:
    """A plain file goes through pyarrow; the same file with a blank line and a whitespace-only record goes
    through the csv module: same frame, and errors name the same file lines."""
    plain = centre / "history.csv"
    lines = plain.read_text(encoding="utf-8").splitlines(keepends=True)
    irregular = tmp_path / "irregular.csv"
    irregular.write_text("".join(lines[:5] + ["\n", " , , , \n"] + lines[5:]), encoding="utf-8")
    fast, exact = load_history(plain), load_history(irregular)
    assert fast.frame.equals(exact.frame) and fast.interval_minutes == exact.interval_minutes
    assert fast.frame["queue"].dtype == exact.frame["queue"].dtype
    bad = lines[:9] + ["not-a-time" + lines[9][lines[9].index(","):]] + lines[10:]
    (tmp_path / "bad_plain.csv").write_text("".join(bad), encoding="utf-8")
    (tmp_path / "bad_irregular.csv").write_text("".join(bad[:5] + ["\n"] + bad[5:]), encoding="utf-8")
    for name, row in (("bad_plain.csv", 10), ("bad_irregular.csv", 11)):
        line = one_line_error(run(["forecast", str(tmp_path / name), "--start", "2026-03-30",
                                   "--out", str(tmp_path / "f.csv")]))
        assert f"{name} row {row}: interval_start must be an ISO 8601 local time" in line, line
        assert line.endswith("got 'not-a-time'"), line


# --- the report in Chromium ----------------------------------------------------------------------------------


def test_report_file_has_no_markup_from_ids(hostile_plan: dict[str, Any]) -> None:
    text = (hostile_plan["out"] / "report.html").read_text(encoding="utf-8")
    assert "<img" not in text and "<!--" not in text
    assert text.count("<script") == 2 and text.count("</script>") == 2
    assert 'onmouseover="' not in text


@pytest.fixture(scope="module")
def hostile_page(hostile_plan: dict[str, Any]) -> dict[str, Any]:
    """The hostile report loaded in Chromium, with alert() counted, every element hovered."""
    if not CHROMIUM.is_file():
        pytest.skip(NO_CHROMIUM)
    profile = Path(tempfile.mkdtemp(prefix="wfm-chromium-"))
    tools = DevTools(profile)
    try:
        target = next(t for t in tools.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        session = tools.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime"):
            tools.send(f"{domain}.enable", session=session)
        tools.send("Page.addScriptToEvaluateOnNewDocument", {"source": (
            "window.__alerts=0;window.alert=window.confirm=window.prompt=function(){window.__alerts++;};")},
            session=session)
        tools.events.clear()
        tools.send("Page.navigate", {"url": (hostile_plan["out"] / "report.html").as_uri()}, session=session)
        tools.wait_event("Page.loadEventFired")
        time.sleep(0.5)
        reply = tools.send("Runtime.evaluate", {"returnByValue": True, "expression": """(() => {
            document.querySelectorAll('*').forEach(e => ['mouseover', 'click', 'error'].forEach(
                kind => e.dispatchEvent(new Event(kind, {bubbles: true}))));
            return JSON.stringify({
              images: document.querySelectorAll('img').length,
              scripts: document.querySelectorAll('script').length,
              handlers: Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes).some(
                a => a.name.toLowerCase().startsWith('on'))).map(e => e.outerHTML.slice(0, 80)),
              labels: Array.from(document.querySelectorAll('#gantt text.agent')).map(t => t.textContent),
              kinds: Array.from(document.querySelectorAll('#gantt path')).map(p => p.getAttribute('class')),
              options: Array.from(document.querySelectorAll('#f-skill option')).map(o => o.value),
              teams: Array.from(document.querySelectorAll('#f-team option')).map(o => o.textContent),
              groups: Array.from(document.querySelectorAll('.gantt-group h3')).map(h => h.textContent),
              tip: (() => { const svg = document.querySelector('svg.gantt-rows'), b = svg.getBoundingClientRect();
                svg.dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: b.left + 5,
                                                               clientY: b.top + 5}));
                return document.getElementById('gantt-tip').innerText; })(),
              sections: document.querySelectorAll('main > section').length,
              alerts: window.__alerts});
            })()"""}, session=session)
        page = json.loads(reply["result"]["value"])
        page["exceptions"] = [e for e in tools.events if e["method"] == "Runtime.exceptionThrown"]
    finally:
        tools.close()
        shutil.rmtree(profile, ignore_errors=True)
    return page


def test_hostile_ids_inject_no_element_or_handler_in_chromium(hostile_page: dict[str, Any]) -> None:
    assert hostile_page["images"] == 0
    assert hostile_page["scripts"] == 2
    assert hostile_page["handlers"] == []
    assert hostile_page["alerts"] == 0
    assert hostile_page["exceptions"] == []


def test_markup_teams_and_levels_are_shown_as_text(hostile_page: dict[str, Any]) -> None:
    assert hostile_page["teams"] == ["all", *sorted(MARKUP_IDS)]
    assert sorted(g.split(": ", 1)[1].rsplit(" (", 1)[0] for g in hostile_page["groups"]) == sorted(MARKUP_IDS)
    assert any(f"team {markup}" in hostile_page["tip"] for markup in MARKUP_IDS), hostile_page["tip"]


def test_the_gantt_still_shows_every_agent_and_activity(hostile_plan: dict[str, Any],
                                                       hostile_page: dict[str, Any]) -> None:
    assert sorted(hostile_page["labels"]) == sorted(hostile_plan["ids"])
    assert {"gantt-shift", "gantt-break", "gantt-lunch"} <= set(hostile_page["kinds"])
    assert {f"gantt-{name}" for name in hostile_plan["activities"]} <= set(hostile_page["kinds"])
    assert hostile_page["sections"] >= 4
