"""``wfm erlang``: the published Erlang C example, Erlang A output, and one-line errors for bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scheduler.app.cli import main

EXAMPLE = ["erlang", "--contacts", "100", "--period", "30min", "--aht", "180", "--target", "80/20"]


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_published_example_json() -> None:
    code, out, _ = _run(*EXAMPLE, "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"agents", "service_level", "wait_probability", "asa_seconds", "occupancy",
                         "agents_with_shrinkage"}
    assert data["agents"] == 14
    assert data["service_level"] == pytest.approx(0.8883500191794669, rel=1e-12)  # published 0.8883 / 0.88835
    assert round(data["wait_probability"], 4) == 0.1741
    assert round(data["asa_seconds"], 2) == 7.84
    assert round(data["occupancy"], 3) == 0.714
    assert data["agents_with_shrinkage"] == 14  # no shrinkage unless asked


def test_shrinkage_and_periods() -> None:
    _, out, _ = _run(*EXAMPLE, "--json", "--shrinkage", "0.3")
    assert json.loads(out)["agents_with_shrinkage"] == 20
    for period, contacts in (("1800s", "100"), ("1h", "200"), ("15min", "50")):
        args = ["erlang", "--contacts", contacts, "--period", period, "--aht", "180", "--target", "80/20", "--json"]
        assert json.loads(_run(*args)[1])["agents"] == 14


def test_max_occupancy_and_concurrency() -> None:
    _, out, _ = _run(*EXAMPLE, "--json", "--max-occupancy", "0.6")
    data = json.loads(out)
    assert data["agents"] == 17 and data["occupancy"] <= 0.6
    _, out, _ = _run(*EXAMPLE, "--json", "--concurrency", "2")
    assert json.loads(out)["agents"] == 7


def test_patience_gives_erlang_a() -> None:
    code, out, _ = _run(*EXAMPLE, "--json", "--patience", "60")
    assert code == 0
    data = json.loads(out)
    assert 0 < data["abandon_probability"] < 0.1
    assert data["service_level"] >= 0.8
    assert data["agents"] <= 14  # abandonment shortens the queue


def test_human_table() -> None:
    code, out, _ = _run(*EXAMPLE, "--patience", "60")
    assert code == 0
    assert "abandoned" in out and "recommended:" in out
    starred = [line for line in out.splitlines() if " * " in line]
    assert len(starred) == 1
    code, out, _ = _run(*EXAMPLE)
    assert "abandoned" not in out and "14 *" in out and "88.8%" in out


@pytest.mark.parametrize("bad", [
    ["--contacts", "-5"], ["--contacts", "nan"], ["--aht", "-1"], ["--aht", "nan"],
    ["--target", "0/20"], ["--target", "120/20"], ["--target", "80/-5"], ["--target", "80"],
    ["--target", "abc/20"], ["--period", "30 fortnights"], ["--period", "0min"], ["--shrinkage", "1"],
    ["--patience", "0"], ["--max-occupancy", "1.5"],
])
def test_bad_input_exits_2_with_one_line(bad: list[str]) -> None:
    args = dict(zip(EXAMPLE[1::2], EXAMPLE[2::2], strict=True))
    args.update(dict(zip(bad[0::2], bad[1::2], strict=True)))
    code, out, err = _run("erlang", *[item for pair in args.items() for item in pair])
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
