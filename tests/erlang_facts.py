"""Published Erlang C / Erlang A values, as constants, so the golden tests run in any checkout.

The fuller capture sets live in ``../shared/data/erlang`` (not part of this repository); the tests read them
too when that folder exists. These rows are a small selection of the same published figures, written as the
publisher printed them (the tests derive their tolerance from the printed digits). Sources:

- ``PUBLISHED_EXAMPLES``: the CRAN package ErlangC 0.1.0 README (https://rdocumentation.org/packages/ErlangC/
  versions/0.1.0; the same example as Call Centre Helper's "Erlang C made simple"), the pyworkforce 0.1.0
  README (https://pypi.org/project/pyworkforce/0.1.0/) and jonesthenet.com "Erlang uplift"
  (http://www.jonesthenet.com/budgeting/service-levels-erlang/erlang-uplift/).
- ``CALLCENTRETOOLS_CAPTURES``: the Call Centre Tools Erlang calculator (callcentretools.com), values as it
  displays them: service level, occupancy, ASA and "answered immediately" are Erlang C; the abandon rate is
  its Erlang A figure with the given average patience. Percentages are printed to 0.1 point (0.01 for the
  abandon rate) with trailing zeros dropped.
"""

from __future__ import annotations

import csv
from pathlib import Path

SHARED_ERLANG_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "erlang"

PUBLISHED_EXAMPLE_COLUMNS = (
    "id", "calls", "period_s", "aht_s", "target_answer_s", "target_sl", "max_occupancy", "shrinkage", "agents",
    "published_traffic_erlangs", "published_wait_prob", "published_service_level", "published_asa_s",
    "published_occupancy", "published_agents_required", "published_agents_with_shrinkage",
)
_PUBLISHED_EXAMPLES = (
    ("cran_erlangc_n14", "100", "1800", "180", "20", "0.80", "0.85", "0.30", "14", "10", "0.1741319", "0.88835",
     "7.83593701177724", "0.7142857", "14", ""),
    ("cran_erlangc_n11", "100", "1800", "180", "20", "0.80", "0.85", "0.30", "11", "10", "0.6821182", "", "", "",
     "", ""),
    ("pyworkforce_0_1_0", "100", "1800", "180", "20", "0.80", "0.85", "0.30", "14", "", "0.1741319335950498",
     "0.8883500191794669", "", "0.7142857142857143", "14", "20"),
    ("jonesthenet_avg_hour", "250", "3600", "330", "30", "0.80", "", "", "", "22.9", "", "", "", "", "28", ""),
)

CAPTURE_COLUMNS = (
    "scenario", "calls_per_period", "period_s", "aht_s", "target_sl_pct", "target_answer_s", "max_occupancy_pct",
    "shrinkage_pct", "avg_patience_s", "agents", "service_level", "occupancy", "asa_s", "pct_answered_immediately",
    "abandon_rate_erlangA", "is_recommended_row",
)
# (scenario inputs) x (agents, service level, occupancy, ASA s, answered immediately, abandon rate, recommended)
_SCENARIOS = {
    "default": ("400", "1800", "257", "80", "20", "85", "30", "60"),
    "s1": ("400", "1800", "257", "80", "20", "100", "0", "60"),
    "s3": ("400", "1800", "257", "80", "20", "80", "30", "60"),
    "s5": ("1000", "3600", "180", "90", "10", "100", "0", "120"),
}
_CAPTURED_ROWS = (
    ("default", "58", "19.3%", "98.5%", "250", "13.5%", "6.29%", ""),
    ("default", "59", "37%", "96.8%", "99.3", "27%", "5.45%", ""),
    ("default", "61", "62.4%", "93.6%", "33.6", "49.1%", "3.99%", ""),
    ("default", "63", "78.3%", "90.7%", "15", "65.7%", "2.81%", ""),
    ("default", "66", "91%", "86.5%", "5.2", "82.1%", "1.54%", ""),
    ("default", "68", "95.3%", "84%", "2.6", "88.9%", "0.97%", "yes"),
    ("default", "70", "97.6%", "81.6%", "1.3", "93.4%", "0.59%", ""),
    ("s1", "64", "83.7%", "89.2%", "10.4", "72.1%", "2.32%", "yes"),
    ("s1", "65", "87.9%", "87.9%", "7.3", "77.6%", "1.9%", ""),
    ("s3", "72", "98.8%", "79.3%", "0.6", "96.2%", "0.34%", "yes"),
    ("s3", "74", "99.4%", "77.2%", "0.3", "97.9%", "0.19%", ""),
    ("s5", "50", "0%", "100%", "359999967.4", "0%", "6.2%", ""),
    ("s5", "51", "20.6%", "98%", "151.2", "16%", "5.24%", ""),
    ("s5", "55", "70.9%", "90.9%", "13.8", "61.5%", "2.41%", ""),
    ("s5", "59", "90.8%", "84.7%", "3", "84.8%", "0.92%", "yes"),
    ("s5", "62", "96.5%", "80.6%", "1", "93.2%", "0.4%", ""),
)

PUBLISHED_EXAMPLES: tuple[dict[str, str], ...] = tuple(
    dict(zip(PUBLISHED_EXAMPLE_COLUMNS, row, strict=True)) for row in _PUBLISHED_EXAMPLES)
CALLCENTRETOOLS_CAPTURES: tuple[dict[str, str], ...] = tuple(
    dict(zip(CAPTURE_COLUMNS, (scenario, *_SCENARIOS[scenario], *figures), strict=True))
    for scenario, *figures in _CAPTURED_ROWS)
FACTS = {"published_examples.csv": PUBLISHED_EXAMPLES, "callcentretools_captures.csv": CALLCENTRETOOLS_CAPTURES}


def shared_rows(name: str) -> list[dict[str, str]]:
    """Rows of ``../shared/data/erlang/NAME``; empty when that folder is not beside this checkout."""
    if not (SHARED_ERLANG_DATA / name).is_file():
        return []
    with (SHARED_ERLANG_DATA / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def erlang_rows(name: str) -> list[dict[str, str]]:
    """The facts table of NAME, plus the shared capture file's rows when it is there."""
    return [*FACTS[name], *shared_rows(name)]
