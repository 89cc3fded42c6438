"""``wfm forecast``: options, output file and one-line errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from scheduler.app.cli import main
from tests.forecast_synthetic import FIRST_DAY, expected, poisson, write

WEEKS = 8


def history_file(tmp_path: Path) -> Path:
    return write(tmp_path, poisson(expected(FIRST_DAY, WEEKS * 7), seed=4)).path


def test_forecast_writes_quantiles_at_the_asked_interval(tmp_path: Path) -> None:
    path = history_file(tmp_path)
    special = tmp_path / "special.csv"
    start = FIRST_DAY + timedelta(weeks=WEEKS)
    special.write_text(f"date,effect\n{start.isoformat()},closed\n", encoding="utf-8")
    out = tmp_path / "forecast.csv"
    result = CliRunner().invoke(
        main,
        ["forecast", str(path), "--start", start.isoformat(), "--days", "7", "--out", str(out), "--holidays", "GB",
         "--special-days", str(special), "--interval", "30", "--quantiles", "0.1,0.9", "--model", "auto"],
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, parse_dates=["interval_start"])
    assert list(frame.columns) == ["interval_start", "queue", "contacts", "aht_seconds", "contacts_p10", "contacts_p90"]
    assert frame["interval_start"].dt.date.min() > start  # the special day is closed
    assert set(frame["interval_start"].dt.minute) == {0, 30}


def test_forecast_errors_are_one_line(tmp_path: Path) -> None:
    path = history_file(tmp_path)
    start = (FIRST_DAY + timedelta(weeks=WEEKS)).isoformat()
    runner = CliRunner()
    for extra, message in [
        (["--holidays", "XX"], "unknown holiday country code"),
        (["--quantiles", "0.1,high"], "--quantiles must be numbers"),
        (["--quantiles", "1.2"], "strictly between 0 and 1"),
        (["--interval", "7"], "multiple of the history's"),
        (["--special-days", str(tmp_path / "none.csv")], "file not found"),
    ]:
        out = str(tmp_path / "f.csv")
        result = runner.invoke(main, ["forecast", str(path), "--start", start, "--out", out, *extra])
        assert result.exit_code == 2, (extra, result.output)
        assert message in result.output
        assert len(result.output.strip().splitlines()) == 1
