"""A Sunday night on the next week's Monday morning, on the tests' small 24-hour centre.

    python benchmarks/carried_nights.py --agents 10 12 --weeks 2 --seconds 6

The centre of ``tests/test_night_shifts.py`` (day 06:00, evening 14:00 and night 22:00-06:00 templates, two agents
required 06:00-22:00 and one through the night, every day; ``--agents`` full-timers of 24-40 h) planned by
``wfm schedule --weeks N`` with the deterministic budget. Per run it prints the exit code, the independent
validator's violations over the horizon, each week's objective, the paid hours and, for weeks 2..N, the Monday
00:00-06:00 agent-intervals required and short, with the heads the week before's Sunday nights put there.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler.app.cli import main as wfm  # noqa: E402
from scheduler.io.config import load_config  # noqa: E402
from scheduler.validation.horizon import validate_horizon  # noqa: E402
from tests.test_night_shifts import requirements_csv, write_centre  # noqa: E402
from tests.test_rules import MON  # noqa: E402


def run_one(agents: int, weeks: int, seconds: float, work: Path) -> dict:
    folder = work / f"a{agents}"
    path = write_centre(folder, agents=agents)
    (folder / "requirements.csv").write_text(requirements_csv(MON, 7 * weeks), encoding="utf-8")
    done = CliRunner().invoke(wfm, ["schedule", str(path), "--requirements", str(folder / "requirements.csv"),
                                    "--out", str(folder / "out"), "--weeks", str(weeks), "--time-limit",
                                    str(seconds), "--wall-limit", str(50 * seconds), "--quiet"])
    result: dict = {"agents": agents, "weeks": weeks, "exit": done.exit_code}
    if done.exit_code != 0:
        return result
    out = folder / "out"
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    cover = pd.read_csv(out / "coverage.csv", parse_dates=["interval_start"])
    start = cover["interval_start"]
    mornings = []
    for k in range(1, weeks):
        rows = cover[(start.dt.date == MON + timedelta(days=7 * k)) & (start.dt.hour < 6)]
        mornings.append((int(rows["required"].sum()), int((rows["required"] - rows["scheduled"]).clip(lower=0).sum()),
                         int(rows["scheduled"].sum())))
    result.update(violations=len(validate_horizon(load_config(path), out / "roster.csv", MON, weeks)),
                  week_objectives=[json.loads(p.read_text(encoding="utf-8"))["solver"]["objective"]
                                   for p in sorted((out / "weeks").glob("*/kpis.json"))],
                  paid_hours=kpis["paid_hours"], understaffed_agent_hours=kpis["understaffed_agent_hours"],
                  monday_required=[m[0] for m in mornings], monday_short=[m[1] for m in mornings],
                  monday_scheduled=[m[2] for m in mornings])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[10])
    parser.add_argument("--weeks", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="carried_nights_") as tmp:
        for agents in args.agents:
            print(json.dumps(run_one(agents, args.weeks, args.seconds, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
