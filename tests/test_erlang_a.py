"""Erlang A (M/M/n+M): published abandonment, a brute-force chain, the Erlang C limit, properties, simulation."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.queueing.erlang import asa_seconds, erlang_c_wait_probability, service_level
from forecasting.queueing.erlang_a import erlang_a_metrics, erlang_a_required_agents, recommend
from scheduler.errors import InputError
from tests.erlang_facts import erlang_rows


def _captures() -> list[dict[str, str]]:
    return erlang_rows("callcentretools_captures.csv")


def _percent_and_tolerance(text: str) -> tuple[float, float]:
    """'6.29%' -> (0.0629, half a unit in the last published digit, as a probability)."""
    digits = text.rstrip("%")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return float(digits) / 100.0, 0.5 * 10.0 ** -decimals / 100.0 + 1e-12


def _brute_force(agents: int, load: float, aht: float, patience: float) -> tuple[float, float]:
    """P(wait), P(abandon) from the birth-death chain truncated far out, in plain Python floats."""
    arrival, service, abandon = load / aht, 1.0 / aht, 1.0 / patience
    logs = [0.0]
    for k in range(1, agents + 4000):
        death = k * service if k <= agents else agents * service + (k - agents) * abandon
        logs.append(logs[-1] + np.log(arrival / death))
    p = np.exp(np.array(logs) - max(logs))
    p /= p.sum()
    queued = np.arange(p.size) - agents
    tail = p[agents:]
    ahead = queued[agents:]
    return float(tail.sum()), float((tail * (ahead + 1) * abandon / (agents * service + (ahead + 1) * abandon)).sum())


# --- published ------------------------------------------------------------------------------------------

def test_abandonment_matches_callcentretools_captures() -> None:
    rows = _captures()
    assert len(rows) >= 16
    for row in rows:
        load = float(row["calls_per_period"]) * float(row["aht_s"]) / float(row["period_s"])
        metrics = erlang_a_metrics(int(row["agents"]), load, float(row["aht_s"]), float(row["avg_patience_s"]),
                                   float(row["target_answer_s"]))
        published, tolerance = _percent_and_tolerance(row["abandon_rate_erlangA"])
        assert abs(float(metrics.abandon_probability) - published) <= tolerance, row


def test_captured_service_level_column_is_erlang_c_not_erlang_a() -> None:
    """The captures' service level ignores patience (Erlang C); Erlang A's is higher below the load."""
    for row in _captures():
        load = float(row["calls_per_period"]) * float(row["aht_s"]) / float(row["period_s"])
        n, aht, answer = int(row["agents"]), float(row["aht_s"]), float(row["target_answer_s"])
        published, tolerance = _percent_and_tolerance(row["service_level"])
        assert abs(float(service_level(n, load, aht, answer)) - published) <= tolerance, row
        level_a = erlang_a_metrics(n, load, aht, float(row["avg_patience_s"]), answer).answered_within_t_of_all
        assert level_a >= published - tolerance


# --- exact references -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("agents", "load", "aht", "patience"),
                         [(1, 0.5, 60.0, 30.0), (3, 5.0, 100.0, 30.0), (10, 10.0, 180.0, 60.0),
                          (68, 57.1111, 257.0, 60.0), (20, 30.0, 300.0, 600.0)])
def test_matches_brute_force_chain(agents: int, load: float, aht: float, patience: float) -> None:
    wait, abandon = _brute_force(agents, load, aht, patience)
    metrics = erlang_a_metrics(agents, load, aht, patience, 20.0)
    assert metrics.wait_probability == pytest.approx(wait, rel=1e-10)
    assert metrics.abandon_probability == pytest.approx(abandon, rel=1e-10)
    # Little's law on the answered stream: occupancy is carried load / agents.
    assert metrics.occupancy == pytest.approx(load * (1 - abandon) / agents, rel=1e-10)


def test_answer_time_zero_means_answered_without_waiting() -> None:
    metrics = erlang_a_metrics(12, 10.0, 180.0, 60.0, 0.0)
    assert metrics.answered_within_t_of_all == pytest.approx(1.0 - metrics.wait_probability, abs=1e-15)


def test_long_patience_converges_to_erlang_c() -> None:
    agents, load, aht = np.array([11, 14, 20, 60]), np.array([10.0, 10.0, 15.0, 55.0]), 180.0
    metrics = erlang_a_metrics(agents, load, aht, 1e7, 20.0)
    assert np.allclose(metrics.wait_probability, erlang_c_wait_probability(agents, load), atol=1e-4)
    assert np.allclose(metrics.answered_within_t_of_all, service_level(agents, load, aht, 20.0), atol=1e-4)
    assert np.allclose(metrics.answered_within_t_of_answered, service_level(agents, load, aht, 20.0), atol=1e-4)
    assert np.allclose(metrics.asa_seconds, asa_seconds(agents, load, aht), rtol=1e-3)
    assert np.all(np.asarray(metrics.abandon_probability) < 1e-3)


def test_vectorised_equals_scalar_and_zero_load() -> None:
    agents = np.array([[0, 5], [9, 30]])
    loads = np.array([[0.0, 4.0], [12.0, 25.0]])
    metrics = erlang_a_metrics(agents, loads, 240.0, 90.0, 15.0)
    assert np.shape(metrics.abandon_probability) == (2, 2)
    for i in range(2):
        for j in range(2):
            one = erlang_a_metrics(agents[i, j], loads[i, j], 240.0, 90.0, 15.0)
            assert one.abandon_probability == pytest.approx(metrics.abandon_probability[i, j], rel=1e-12)
            assert one.answered_within_t_of_all == pytest.approx(metrics.answered_within_t_of_all[i, j], rel=1e-12)
    zero = erlang_a_metrics(0, 0.0, 240.0, 90.0, 15.0)
    assert (zero.wait_probability, zero.abandon_probability, zero.answered_within_t_of_all,
            zero.asa_seconds, zero.occupancy) == (0.0, 0.0, 1.0, 0.0, 0.0)


def test_bad_inputs_raise() -> None:
    with pytest.raises(InputError, match="patience_seconds"):
        erlang_a_metrics(3, 2.0, 180.0, 0.0, 20.0)
    with pytest.raises(InputError, match="agents"):
        erlang_a_metrics(2.5, 2.0, 180.0, 60.0, 20.0)
    with pytest.raises(InputError, match="load_erlangs"):
        erlang_a_metrics(3, float("nan"), 180.0, 60.0, 20.0)
    with pytest.raises(InputError, match="target_service_level"):
        erlang_a_required_agents(2.0, 180.0, 60.0, 20.0, 1.5)


def test_heavy_overload_stays_finite() -> None:
    """Queue-length terms near exp(700) and beyond: scaled in log space, no overflow or nan."""
    none = erlang_a_metrics(0, 10.0, 10.0, 710.0, 0.0)
    assert (none.wait_probability, none.abandon_probability, none.answered_within_t_of_all) == (1.0, 1.0, 0.0)
    big = erlang_a_metrics(9000, 1e4, 10.0, 1e4, 5.0)
    # Fluid limit: the 1,000 Erlangs above the head count abandon.
    assert big.abandon_probability == pytest.approx(0.1, abs=1e-3)
    assert big.occupancy == pytest.approx(1.0, abs=1e-9)


# --- properties -----------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(agents=st.integers(0, 40), load=st.floats(0.05, 40.0), aht=st.floats(10.0, 900.0),
       patience=st.floats(5.0, 1200.0), answer=st.floats(0.0, 120.0))
def test_monotone_in_agents_and_bounded(agents: int, load: float, aht: float, patience: float,
                                        answer: float) -> None:
    low = erlang_a_metrics(agents, load, aht, patience, answer)
    high = erlang_a_metrics(agents + 1, load, aht, patience, answer)
    slack = 1e-12
    assert high.wait_probability <= low.wait_probability + slack
    assert high.abandon_probability <= low.abandon_probability + slack
    assert high.answered_within_t_of_all >= low.answered_within_t_of_all - slack
    assert high.answered_within_t_of_answered >= low.answered_within_t_of_answered - slack
    for m in (low, high):
        assert 0 <= m.abandon_probability <= m.wait_probability <= 1
        assert 0 <= m.answered_within_t_of_all <= m.answered_within_t_of_answered <= 1
        assert 0 <= m.occupancy <= 1


@settings(max_examples=40, deadline=None)
@given(agents=st.integers(1, 30), load=st.floats(0.05, 30.0), aht=st.floats(10.0, 900.0),
       patience=st.floats(5.0, 600.0), answer=st.floats(0.0, 60.0))
def test_more_patience_fewer_abandon_and_longer_answer_time_higher_level(
        agents: int, load: float, aht: float, patience: float, answer: float) -> None:
    base = erlang_a_metrics(agents, load, aht, patience, answer)
    patient = erlang_a_metrics(agents, load, aht, patience * 2, answer)
    later = erlang_a_metrics(agents, load, aht, patience, answer + 10.0)
    assert patient.abandon_probability <= base.abandon_probability + 1e-12
    assert later.answered_within_t_of_all >= base.answered_within_t_of_all - 1e-12


@settings(max_examples=40, deadline=None)
@given(load=st.floats(0.05, 60.0), aht=st.floats(30.0, 600.0), patience=st.floats(10.0, 600.0),
       answer=st.floats(0.0, 60.0), target=st.floats(0.5, 0.95),
       definition=st.sampled_from(["of_all", "of_answered"]),
       max_abandon=st.one_of(st.none(), st.floats(0.01, 0.2)))
def test_required_agents_is_minimal(load: float, aht: float, patience: float, answer: float, target: float,
                                    definition: str, max_abandon: float | None) -> None:
    n = int(erlang_a_required_agents(load, aht, patience, answer, target, service_level_of=definition,  # type: ignore[arg-type]
                                     max_abandon_probability=max_abandon))

    def meets(heads: int) -> bool:
        m = erlang_a_metrics(heads, load, aht, patience, answer)
        level = m.answered_within_t_of_all if definition == "of_all" else m.answered_within_t_of_answered
        return bool(level >= target and (max_abandon is None or m.abandon_probability <= max_abandon))

    assert meets(n)
    assert n == 0 or not meets(n - 1)


def test_required_agents_can_be_below_the_load_and_zero_load_needs_none() -> None:
    # Impatient callers and a short answer time: the of-answered level is met below the offered load.
    n = int(erlang_a_required_agents(20.0, 300.0, 10.0, 30.0, 0.8, service_level_of="of_answered"))
    assert n < 20
    assert int(erlang_a_required_agents(0.0, 300.0, 60.0, 20.0, 0.8)) == 0
    many = erlang_a_required_agents(np.array([0.0, 10.0, 57.1111]), 180.0, 60.0, 20.0, 0.8,
                                    max_abandon_probability=0.02)
    assert many.shape == (3,) and many[0] == 0 and many[1] >= 10


def test_recommend_erlang_a_uses_of_all_level() -> None:
    result = recommend(100, 1800, 180, 0.8, 20, patience_seconds=60)
    assert result.model == "erlang_a"
    assert result.recommended.service_level >= 0.8
    below = [row for row in result.rows if row.agents == result.agents - 1][0]
    assert below.service_level < 0.8


# --- simulation -----------------------------------------------------------------------------------------

def _simulate(load: float, agents: int, aht: float, patience: float, answer: float, contacts: int,
              seed: int) -> tuple[float, float]:
    """Share abandoned and share answered within ``answer`` seconds in a FCFS M/M/n+M queue.

    Exact event logic: agents' next free times form a heap; a contact that would wait longer than its
    patience leaves and never occupies an agent, so later contacts see the same heap.
    """
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(aht / load, contacts))
    services = rng.exponential(aht, contacts)
    patiences = rng.exponential(patience, contacts)
    free_at = [0.0] * agents
    abandoned = on_time = 0
    for i in range(contacts):
        wait = max(0.0, free_at[0] - arrivals[i])
        if wait > patiences[i]:
            abandoned += 1
            continue
        on_time += wait <= answer
        heapq.heapreplace(free_at, arrivals[i] + wait + services[i])
    return abandoned / contacts, on_time / contacts


@pytest.mark.parametrize(("load", "agents", "patience"), [(5.0, 5, 60.0), (12.0, 10, 120.0)])
def test_agrees_with_simulation(load: float, agents: int, patience: float) -> None:
    contacts, warmup = 60_000, 2_000
    abandoned, on_time = _simulate(load, agents, 100.0, patience, 20.0, contacts + warmup, seed=7)
    metrics = erlang_a_metrics(agents, load, 100.0, patience, 20.0)
    p = float(metrics.abandon_probability)
    # Positive autocorrelation inflates the binomial error; 6 binomial sigmas leaves room for it.
    sigma = np.sqrt(p * (1 - p) / contacts)
    assert abs(abandoned - p) <= 6 * sigma + 0.004
    assert abs(on_time - float(metrics.answered_within_t_of_all)) <= 0.01
