"""Erlang B / C maths: published values, exact references, large-scale stability, properties, simulation."""

from __future__ import annotations

import heapq
import math
from decimal import Context, Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.queueing.erlang import (
    asa_seconds,
    chat_required_agents,
    chat_service_level,
    erlang_b,
    erlang_c_wait_probability,
    occupancy,
    required_agents,
    service_level,
)
from scheduler.errors import InputError
from tests.erlang_facts import CALLCENTRETOOLS_CAPTURES, erlang_rows, shared_rows

_rows = erlang_rows


def _published_tolerance(text: str) -> float:
    """Half a unit in the last published digit (plus float slack)."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** -decimals + 1e-12


# --- exact references ---------------------------------------------------------------------------------

def _exact_erlang_c(agents: int, load: Fraction) -> Fraction:
    """Erlang C by the direct textbook formula in exact rational arithmetic."""
    terms = [load**k / math.factorial(k) for k in range(agents)]
    last = load**agents / math.factorial(agents) * agents / (agents - load)
    return last / (sum(terms) + last)


def _decimal_erlang_b(agents: int, load: float, digits: int = 50) -> Decimal:
    """Erlang B by the recursion from k = 0 in 50-digit decimals (exponent range wide enough for any n)."""
    with localcontext(Context(prec=digits, Emin=-10**8, Emax=10**8)):
        a = Decimal(load)
        blocking = Decimal(1)
        for k in range(1, agents + 1):
            blocking = a * blocking / (k + a * blocking)
        return +blocking


def _decimal_erlang_c(agents: int, load: float) -> Decimal:
    blocking = _decimal_erlang_b(agents, load)
    with localcontext(Context(prec=50, Emin=-10**8, Emax=10**8)):
        a = Decimal(load)
        return agents * blocking / (agents - a * (1 - blocking))


def test_golden_value_from_exact_fractions() -> None:
    """100 calls / 30 min, AHT 180 s (A = 10 Erlangs), 14 agents, 80/20: computed here from scratch."""
    wait_exact = _exact_erlang_c(14, Fraction(10))
    with localcontext(Context(prec=40)):
        wait_dec = Decimal(wait_exact.numerator) / Decimal(wait_exact.denominator)
        level = 1 - wait_dec * (Decimal(-4 * 20) / Decimal(180)).exp()
        asa = wait_dec * 180 / 4
    assert erlang_c_wait_probability(14, 10.0) == pytest.approx(float(wait_dec), rel=1e-14)
    assert service_level(14, 10.0, 180.0, 20.0) == pytest.approx(float(level), rel=1e-14)
    assert asa_seconds(14, 10.0, 180.0) == pytest.approx(float(asa), rel=1e-14)
    assert required_agents(10.0, 180.0, 20.0, 0.80) == 14


@pytest.mark.parametrize(("agents", "load"), [(1, Fraction(1, 3)), (7, Fraction(13, 2)), (60, Fraction(1143, 20)),
                                              (250, Fraction(461, 2)), (300, Fraction(2))])
def test_wait_probability_matches_exact_fractions(agents: int, load: Fraction) -> None:
    exact = _exact_erlang_c(agents, load)
    assert erlang_c_wait_probability(agents, float(load)) == pytest.approx(float(exact), rel=1e-12, abs=1e-300)
    blocking = Fraction(load**agents, math.factorial(agents)) / sum(
        Fraction(load**k, math.factorial(k)) for k in range(agents + 1))
    assert erlang_b(agents, float(load)) == pytest.approx(float(blocking), rel=1e-12, abs=1e-300)


# --- published values ---------------------------------------------------------------------------------

def test_published_examples() -> None:
    checked = 0
    for row in _rows("published_examples.csv"):
        calls, period, aht = float(row["calls"]), float(row["period_s"]), float(row["aht_s"])
        load = calls * aht / period
        answer = float(row["target_answer_s"])
        expected: dict[str, float] = {}
        if row["agents"]:
            n = int(row["agents"])
            expected = {
                "published_wait_prob": float(erlang_c_wait_probability(n, load)),
                "published_service_level": float(service_level(n, load, aht, answer)),
                "published_asa_s": float(asa_seconds(n, load, aht)),
                "published_occupancy": float(occupancy(n, load)),
            }
        expected["published_traffic_erlangs"] = load
        if row["target_sl"]:
            max_occ = float(row["max_occupancy"]) if row["max_occupancy"] else None
            expected["published_agents_required"] = float(
                required_agents(load, aht, answer, float(row["target_sl"]), max_occ))
        for column, ours in expected.items():
            if row[column]:
                published = row[column]
                assert ours == pytest.approx(float(published), abs=_published_tolerance(published)), (
                    f"{row['id']}: {column}")
                checked += 1
    assert checked >= 10


PERCENT_TOLERANCE = 5e-4 + 1e-9  # half of the 0.1 percentage point the calculator shows


def _percent(text: str) -> float:
    return float(text.rstrip("%")) / 100.0


def test_callcentretools_captures_erlang_c_columns() -> None:
    """Service level, occupancy, answered immediately (1 - Pw) and ASA; the Erlang A column is ignored.

    Percentages are shown to 0.1 percentage point (trailing zeros dropped: "37%" is 37.0%), so they agree
    within 0.0005. ASA is shown to 0.1 s, or to four significant figures for large values ("250" for 250.08),
    so it agrees within 0.05 s or 0.1 %, whichever is larger. At agents == load the calculator prints a huge
    finite ASA where the exact value is infinite; those rows check that ours is infinite.
    """
    rows = _rows("callcentretools_captures.csv")
    assert len(shared_rows("callcentretools_captures.csv")) in (0, 71)  # the full capture set when present
    assert len(rows) >= len(CALLCENTRETOOLS_CAPTURES)
    for row in rows:
        n, aht, answer = int(row["agents"]), float(row["aht_s"]), float(row["target_answer_s"])
        load = float(row["calls_per_period"]) * aht / float(row["period_s"])
        where = f"{row['scenario']} agents={n}"
        percent = PERCENT_TOLERANCE
        assert service_level(n, load, aht, answer) == pytest.approx(_percent(row["service_level"]), abs=percent), where
        assert occupancy(n, load) == pytest.approx(_percent(row["occupancy"]), abs=percent), where
        assert 1 - erlang_c_wait_probability(n, load) == pytest.approx(
            _percent(row["pct_answered_immediately"]), abs=percent), where
        published_asa = float(row["asa_s"])
        if n <= load:
            assert asa_seconds(n, load, aht) == math.inf, where
        else:
            assert asa_seconds(n, load, aht) == pytest.approx(
                published_asa, abs=max(0.05 + 1e-9, 1e-3 * published_asa)), where


def test_callcentretools_recommended_agents() -> None:
    """The calculator's recommended row is the least head count meeting the SL target and occupancy cap."""
    recommended = [r for r in _rows("callcentretools_captures.csv") if r["is_recommended_row"] == "yes"]
    assert recommended
    for row in recommended:
        aht = float(row["aht_s"])
        load = float(row["calls_per_period"]) * aht / float(row["period_s"])
        need = required_agents(load, aht, float(row["target_answer_s"]), float(row["target_sl_pct"]) / 100,
                               float(row["max_occupancy_pct"]) / 100)
        assert need == int(row["agents"]), row["scenario"]


# --- edge cases and stability -------------------------------------------------------------------------

def test_edge_cases() -> None:
    assert erlang_c_wait_probability(5, 0.0) == 0.0
    assert service_level(5, 0.0, 180, 20) == 1.0
    assert asa_seconds(5, 0.0, 180) == 0.0
    assert occupancy(0, 0.0) == 0.0 and service_level(0, 0.0, 180, 20) == 1.0
    assert erlang_b(0, 3.0) == 1.0 and erlang_c_wait_probability(0, 3.0) == 1.0
    assert service_level(0, 3.0, 180, 20) == 0.0 and asa_seconds(0, 3.0, 180) == math.inf
    assert occupancy(0, 3.0) == 1.0 and occupancy(2, 3.0) == 1.0
    for n in (9, 10):  # load >= agents: everyone waits, nobody within target
        assert erlang_c_wait_probability(n, 10.0) == 1.0
        assert service_level(n, 10.0, 180, 20) == 0.0
        assert asa_seconds(n, 10.0, 180) == math.inf
    assert service_level(14, 10.0, 180, 0) == pytest.approx(1 - erlang_c_wait_probability(14, 10.0))
    assert required_agents(0.0, 180, 20, 0.8) == 0


def test_vectorised_shapes_and_scalars() -> None:
    agents = np.array([[11, 12], [13, 14]])
    levels = service_level(agents, 10.0, 180.0, 20.0)
    assert levels.shape == (2, 2)
    assert levels[1, 1] == service_level(14, 10.0, 180.0, 20.0)
    assert np.ndim(service_level(14, 10.0, 180.0, 20.0)) == 0
    loads = np.array([0.0, 0.4, 10.0, 57.1, 300.0])
    assert required_agents(loads, 180.0, 20.0, 0.8).tolist() == [
        int(required_agents(a, 180.0, 20.0, 0.8)) for a in loads]


def test_fractional_agents_interpolate_linearly() -> None:
    low, high = service_level(13, 10.0, 180, 20), service_level(14, 10.0, 180, 20)
    assert service_level(13.25, 10.0, 180, 20) == pytest.approx(0.75 * low + 0.25 * high, rel=1e-15)
    asa_low, asa_high = asa_seconds(13, 10.0, 180), asa_seconds(14, 10.0, 180)
    assert asa_seconds(13.5, 10.0, 180) == pytest.approx(0.5 * (asa_low + asa_high), rel=1e-15)
    assert asa_seconds(10.5, 10.0, 180) == math.inf  # the floor, 10 agents, cannot keep up with 10 Erlangs


def test_bad_arguments_raise_input_error() -> None:
    with pytest.raises(InputError, match="agents"):
        erlang_b(2.5, 1.0)
    with pytest.raises(InputError, match="load_erlangs"):
        erlang_c_wait_probability(3, -1.0)
    with pytest.raises(InputError, match="load_erlangs"):
        service_level(3, np.nan, 180, 20)
    with pytest.raises(InputError, match="target_service_level"):
        required_agents(3.0, 180, 20, 0.0)
    with pytest.raises(InputError, match="concurrency"):
        chat_required_agents(3.0, 180, 20, 0.8, 0)


@pytest.mark.parametrize(("agents", "load"), [(100_000, 20_000.0), (20_000, 20_000.0), (20_100, 20_000.0),
                                              (20_350, 19_999.5), (19_000, 20_000.0), (100_000, 99_000.0),
                                              (100_000, 0.25), (1, 20_000.0)])
def test_large_scale_matches_50_digit_reference(agents: int, load: float) -> None:
    blocking = erlang_b(agents, load)
    wait = erlang_c_wait_probability(agents, load)
    assert np.isfinite(blocking) and 0.0 <= blocking <= 1.0
    assert np.isfinite(wait) and 0.0 <= wait <= 1.0
    reference_b = float(_decimal_erlang_b(agents, load))
    assert blocking == pytest.approx(reference_b, rel=1e-11, abs=1e-300)
    if agents > load:
        assert wait == pytest.approx(float(_decimal_erlang_c(agents, load)), rel=1e-11, abs=1e-300)
    else:
        assert wait == 1.0


def test_large_scale_grid_is_finite_and_bounded() -> None:
    agents = np.arange(19_500, 21_000, 7)
    for metric in (erlang_c_wait_probability(agents, 20_000.0), service_level(agents, 20_000.0, 300, 20),
                   service_level(np.full(5, 100_000), [0.0, 1.0, 5e3, 2e4, 9.99e4], 300, 20)):
        assert np.all(np.isfinite(metric)) and np.all((metric >= 0) & (metric <= 1))
    need = int(required_agents(20_000.0, 300, 20, 0.8))
    assert service_level(need, 20_000.0, 300, 20) >= 0.8 > service_level(need - 1, 20_000.0, 300, 20)


# --- properties ---------------------------------------------------------------------------------------

loads = st.floats(min_value=0.0, max_value=150.0, allow_nan=False)
agents_counts = st.integers(min_value=0, max_value=200)
aht_values = st.floats(min_value=1.0, max_value=1_200.0)
answer_values = st.floats(min_value=0.0, max_value=120.0)
TOLERANCE = 1e-12


@given(agents=agents_counts, load=loads, extra_load=st.floats(min_value=0.0, max_value=20.0))
def test_wait_probability_monotone(agents: int, load: float, extra_load: float) -> None:
    wait = erlang_c_wait_probability(agents, load)
    assert 0.0 <= wait <= 1.0
    assert erlang_c_wait_probability(agents + 1, load) <= wait + TOLERANCE
    assert erlang_c_wait_probability(agents, load + extra_load) >= wait - TOLERANCE


@given(agents=st.floats(min_value=0.0, max_value=200.0), step=st.floats(min_value=0.0, max_value=3.0),
       load=loads, extra_load=st.floats(min_value=0.0, max_value=20.0), aht=aht_values, answer=answer_values)
def test_service_level_monotone(agents: float, step: float, load: float, extra_load: float, aht: float,
                                answer: float) -> None:
    level = service_level(agents, load, aht, answer)
    assert 0.0 <= level <= 1.0
    assert service_level(agents + step, load, aht, answer) >= level - TOLERANCE
    assert service_level(agents, load + extra_load, aht, answer) <= level + TOLERANCE


@given(load=st.floats(min_value=1e-6, max_value=150.0), aht=aht_values, answer=answer_values,
       target=st.floats(min_value=0.01, max_value=0.99),
       max_occ=st.none() | st.floats(min_value=0.5, max_value=1.0),
       max_asa=st.none() | st.floats(min_value=0.5, max_value=300.0))
@settings(max_examples=200)
def test_required_agents_is_minimal(load: float, aht: float, answer: float, target: float,
                                    max_occ: float | None, max_asa: float | None) -> None:
    need = int(required_agents(load, aht, answer, target, max_occ, max_asa))

    def meets(n: int) -> bool:
        return bool(service_level(n, load, aht, answer) >= target
                    and (max_occ is None or load / n <= max_occ)
                    and (max_asa is None or asa_seconds(n, load, aht) <= max_asa))

    assert need > load
    assert meets(need)
    assert not meets(need - 1)


@given(aht=aht_values, answer=answer_values, target=st.floats(min_value=0.01, max_value=1.0))
def test_zero_load_needs_no_agents(aht: float, answer: float, target: float) -> None:
    assert required_agents(0.0, aht, answer, target) == 0
    assert chat_required_agents(0.0, aht, answer, target, 3) == 0


@given(load=st.floats(min_value=0.01, max_value=100.0), concurrency=st.integers(min_value=1, max_value=5))
def test_chat_concurrency_pools_slots(load: float, concurrency: int) -> None:
    slots = int(required_agents(load, 300, 30, 0.8))
    agents = int(chat_required_agents(load, 300, 30, 0.8, concurrency))
    assert agents == math.ceil(slots / concurrency)
    assert chat_service_level(agents, load, 300, 30, concurrency) >= 0.8
    assert chat_service_level(agents, load, 300, 30, concurrency) == service_level(agents * concurrency, load, 300, 30)


# --- simulation ---------------------------------------------------------------------------------------

def _simulate_waits_seconds(load: float, agents: int, aht_seconds: float, contacts: int, seed: int) -> np.ndarray:
    """Waits of ``contacts`` customers in an M/M/n first-come-first-served queue (discrete-event)."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(aht_seconds / load, contacts))
    services = rng.exponential(aht_seconds, contacts)
    free_at = [0.0] * agents  # heap of the times each agent next becomes free
    waits = np.empty(contacts)
    for i in range(contacts):
        start = max(arrivals[i], free_at[0])
        waits[i] = start - arrivals[i]
        heapq.heapreplace(free_at, start + services[i])
    return waits


@pytest.mark.parametrize(("load", "agents"), [(2.0, 3), (8.0, 10), (40.0, 44)])
def test_erlang_c_agrees_with_simulation(load: float, agents: int) -> None:
    aht, answer, contacts, batches = 180.0, 20.0, 200_000, 40
    waits = _simulate_waits_seconds(load, agents, aht, contacts, seed=20240601)[contacts // 10:]
    batch_levels = np.array([np.mean(b <= answer) for b in np.array_split(waits, batches)])
    standard_error = batch_levels.std(ddof=1) / math.sqrt(batches)
    assert abs(batch_levels.mean() - service_level(agents, load, aht, answer)) < 4 * standard_error + 0.002
    assert abs(np.mean(waits > 0) - erlang_c_wait_probability(agents, load)) < 0.03
