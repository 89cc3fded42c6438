"""Exact Erlang A (M/M/n+M) queueing maths, vectorised with numpy, and a staffing recommendation.

Model: Poisson arrivals at rate ``lambda = load_erlangs / aht_seconds`` per second, ``agents`` servers with
exponential handle times of mean ``aht_seconds`` (rate ``mu``), first come first served, unlimited waiting
room, and every waiting contact abandons after an exponential patience of mean ``patience_seconds`` (rate
``theta``). As a birth-death chain, state ``k`` (contacts in the system) has birth rate ``lambda`` and death
rate ``k mu`` for ``k <= n`` and ``n mu + (k - n) theta`` for ``k > n``. Unlike Erlang C the queue is
stable for every head count, so fewer agents than the offered load is a valid answer.

Method (exact up to a truncation error below ``exp(-50)`` relative):

- Stationary law. With ``a = n mu / theta`` and ``b = lambda / theta``, ``pi(n + j) = pi(n) t_j`` with
  ``t_j = b^j / ((a + 1) ... (a + j))``, summed in log space (cumulative sums of logs) over
  ``j < max(0, b - a) + 10 sqrt(b) + 40``, past which the terms are below ``exp(-50)`` of the largest one.
  The states below ``n`` enter only through Erlang B, ``B = pi(n) / sum_{k <= n} pi(k)``
  (:func:`forecasting.queueing.erlang.erlang_b`, the stable recursion), so
  ``P(wait) = S B / (1 - B + S B)`` with ``S = sum_j t_j`` (arrivals see time averages, PASTA).
  ``S`` equals ``A(a, b) = a e^b b^-a gamma(a, b)`` of Mandelbaum & Zeltyn, "The Palm/Erlang-A queue,
  with applications to call centers" (2007); the truncated sum avoids the under/overflow of the
  incomplete gamma function when patience is long.
- Per state. A contact that finds ``j`` others queued has an offered wait ``V`` (the wait it would have
  with infinite patience) that is a sum of exponentials with rates ``n mu + i theta``, ``i = 0..j``;
  equivalently ``exp(-theta V) ~ Beta(a, j + 1)``. With its own patience ``tau ~ Exp(theta)``:
  ``P(abandon) = 1 - E exp(-theta V) = (j + 1) / (a + j + 1)``;
  ``P(answered within T) = E[exp(-theta V); V <= T] = a / (a + j + 1) (1 - NB_{a+1,x}(j))`` where ``x =
  exp(-theta T)`` and ``NB_{r,x}`` is the negative binomial distribution function (the regularised
  incomplete beta ``I_x(r, j + 1)`` for a whole second argument), summed from its pmf in log space;
  ``E[V; answered] = a / (a + j + 1) sum_{i=1}^{j+1} 1 / (n mu + i theta)``.

Service level, two definitions (both in [0, 1]):

- ``answered_within_t_of_all``: contacts answered within ``answer_seconds`` / all arrivals. Abandoned
  contacts count as misses, whenever they abandon. The conservative one; the default target.
- ``answered_within_t_of_answered``: contacts answered within ``answer_seconds`` / answered contacts
  (abandoned contacts are left out). Always >= the first.

Arguments may be scalars or arrays and broadcast together, as in :mod:`forecasting.queueing.erlang`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from forecasting.errors import InputError
from forecasting.queueing.erlang import (
    Result,
    asa_seconds,
    chat_required_agents,
    erlang_b,
    erlang_c_wait_probability,
    occupancy,
    required_agents,
    service_level,
)
from forecasting.queueing.limits import (
    MAX_AGENTS,
    MAX_AHT_SECONDS,
    MAX_ANSWER_SECONDS,
    MAX_CONCURRENCY,
    MAX_CONTACTS,
    MAX_LOAD_ERLANGS,
    MAX_PATIENCE_SECONDS,
    MAX_PERIOD_SECONDS,
    MAX_QUEUE_STATES,
    MIN_MAX_OCCUPANCY,
    MIN_PERIOD_SECONDS,
)

ServiceLevelDefinition = Literal["of_all", "of_answered"]

# Truncation of the queue-length sum: sqrt(b) multiples past the mode, and a flat margin (terms then fall
# below exp(-TAIL_SIGMAS**2 / 2) of the largest).
TAIL_SIGMAS = 10.0
TAIL_MARGIN = 40
# Rows are summed in chunks of at most this many (row, queue length) cells to bound memory.
CHUNK_CELLS = 4_000_000
# Rows shown either side of the recommended head count by :func:`recommend`.
NEIGHBOUR_ROWS = 2


@dataclass(frozen=True)
class ErlangAMetrics:
    """Erlang A figures; each field has the broadcast shape of the inputs (numpy scalar for scalars).

    ``wait_probability``: share of arrivals that find all agents busy. ``abandon_probability``: share of
    arrivals that abandon. ``answered_within_t_of_all`` / ``answered_within_t_of_answered``: the two
    service levels (module docstring). ``asa_seconds``: mean wait of answered contacts, seconds (inf when
    none is answered). ``occupancy``: carried load / agents, ``A (1 - P(abandon)) / n`` (0 with no agents).
    """

    wait_probability: Result
    abandon_probability: Result
    answered_within_t_of_all: Result
    answered_within_t_of_answered: Result
    asa_seconds: Result
    occupancy: Result


def _require(name: str, values: np.ndarray, ok: np.ndarray, rule: str) -> None:
    if not np.all(ok):
        raise InputError(f"{name} must be {rule}, got {values[~ok][0]}")


def _queue_sums(agents: np.ndarray, arrival_rate: np.ndarray, service_rate: np.ndarray, abandon_rate: np.ndarray,
                answer_seconds: np.ndarray) -> tuple[np.ndarray, ...]:
    """Sums over the queue length ``j`` for flat rows with some load, all weighted by ``t_j``.

    Returns ``S = sum t_j``, ``sum t_j P(abandon | j)``, ``sum t_j P(answered | j)``,
    ``sum t_j P(answered within T | j)`` and ``sum t_j E[V; answered | j]`` (seconds), each (m,) and
    divided by ``exp(peak)`` so they cannot overflow; and ``peak`` (>= 0, the largest ``log t_j``).
    """
    a = agents * service_rate / abandon_rate
    b = arrival_rate / abandon_rate
    needed = np.ceil(np.maximum(0.0, b - a) + TAIL_SIGMAS * np.sqrt(b) + TAIL_MARGIN)
    if not np.all(needed <= MAX_QUEUE_STATES):
        worst = int(np.argmax(needed))
        load = arrival_rate[worst] / service_rate[worst]
        raise InputError(f"Erlang A with {agents[worst]:.0f} agents at a load of {load:.6g}"
                         f" Erlangs and a patience {service_rate[worst] / abandon_rate[worst]:.6g} times the handle "
                         f"time needs more than {MAX_QUEUE_STATES:,} queue states; shorten patience_seconds")
    terms = needed.astype(np.int64)
    out = [np.empty(a.shape) for _ in range(6)]
    rows = max(1, CHUNK_CELLS // max(1, int(terms.max())))
    for lo in range(0, a.size, rows):
        part = slice(lo, lo + rows)
        width = int(terms[part].max())
        j = np.arange(width, dtype=float)[None, :]
        ap, bp = a[part, None], b[part, None]
        # log t_j = sum_{i=1..j} log(b / (a + i)); the j = 0 term is log 1 = 0.
        steps = np.log(bp) - np.log(ap + j[:, 1:])
        log_t = np.concatenate([np.zeros((ap.shape[0], 1)), np.cumsum(steps, axis=1)], axis=1)
        # Scale by the largest term so exp never overflows; the caller undoes it in its normalisation.
        peak = log_t.max(axis=1, keepdims=True)
        t = np.exp(log_t - peak)
        served_share = ap / (ap + j + 1.0)  # E exp(-theta V) = P(not abandoning | j)
        # Negative binomial (r = a + 1, success x = exp(-theta T)) distribution function at j, in log space.
        theta_t = abandon_rate[part, None] * answer_seconds[part, None]
        with np.errstate(divide="ignore"):
            log_fail = np.log(-np.expm1(-theta_t))  # log(1 - x); -inf when T = 0
        nb_steps = np.log(ap + j[:, 1:]) - np.log(j[:, 1:]) + log_fail
        log_pmf = -(ap + 1.0) * theta_t + np.concatenate(
            [np.zeros((ap.shape[0], 1)), np.cumsum(nb_steps, axis=1)], axis=1)
        late = np.minimum(np.cumsum(np.exp(log_pmf), axis=1), 1.0)  # P(V > T | j) for r = a + 1
        mean_wait = np.cumsum(1.0 / (abandon_rate[part, None] * (ap + j + 1.0)), axis=1)
        out[0][part] = t.sum(axis=1)
        out[1][part] = (t * (1.0 - served_share)).sum(axis=1)
        out[2][part] = (t * served_share).sum(axis=1)
        out[3][part] = (t * served_share * (1.0 - late)).sum(axis=1)
        out[4][part] = (t * served_share * mean_wait).sum(axis=1)
        out[5][part] = peak[:, 0]
    return tuple(out)


def erlang_a_metrics(agents: ArrayLike, load_erlangs: ArrayLike, aht_seconds: ArrayLike,
                     patience_seconds: ArrayLike, answer_seconds: ArrayLike) -> ErlangAMetrics:
    """Every Erlang A figure for whole ``agents`` >= 0, ``load_erlangs`` >= 0, ``aht_seconds`` > 0,
    ``patience_seconds`` > 0 (mean, finite) and ``answer_seconds`` >= 0 (the service-level threshold T).

    No load: nobody waits or abandons, service levels 1, ASA 0, occupancy 0.
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                   (agents, load_erlangs, aht_seconds, patience_seconds, answer_seconds)))
    shape = arrays[0].shape
    n, load, aht, patience, answer = (v.ravel().copy() for v in arrays)
    _require("agents", n, np.isfinite(n) & (n >= 0) & (n == np.floor(n)) & (n <= MAX_AGENTS),
             f"a whole number in [0, {MAX_AGENTS:,}]")
    _require("load_erlangs", load, np.isfinite(load) & (load >= 0) & (load <= MAX_LOAD_ERLANGS),
             f"in [0, {MAX_LOAD_ERLANGS:,.0f}] Erlangs")
    _require("aht_seconds", aht, np.isfinite(aht) & (aht > 0), "finite and > 0")
    _require("patience_seconds", patience, np.isfinite(patience) & (patience > 0), "finite and > 0")
    _require("answer_seconds", answer, np.isfinite(answer) & (answer >= 0), "finite and >= 0")

    wait = np.zeros(n.shape)
    abandon = np.zeros(n.shape)
    within_all = np.ones(n.shape)
    mean_wait = np.zeros(n.shape)
    answered_of = np.ones(n.shape)
    busy = np.where(load > 0, np.nan, 0.0)
    some = np.flatnonzero(load > 0)
    if some.size:
        nn, aa, hh = n[some], load[some], aht[some]
        total, abandoned, served, on_time, waited, peak = _queue_sums(nn, aa / hh, 1.0 / hh, 1.0 / patience[some],
                                                                answer[some])
        blocking = np.asarray(erlang_b(nn, aa), dtype=float).reshape(nn.shape)
        # P(n + j | arrival) = t_j * B / (1 - B + S B): exact normalisation through Erlang B, here with every
        # t_j scaled by exp(-peak). Shares that can be tiny (answered with few agents) are summed directly,
        # never as 1 minus their complement.
        denominator = (1.0 - blocking) * np.exp(-peak) + total * blocking
        norm = blocking / denominator
        no_wait = (1.0 - blocking) * np.exp(-peak) / denominator
        wait[some] = np.clip(total * norm, 0.0, 1.0)
        abandon[some] = np.clip(abandoned * norm, 0.0, 1.0)
        answered = np.clip(no_wait + served * norm, 0.0, 1.0)
        answered_of[some] = answered
        within_all[some] = np.clip(no_wait + on_time * norm, 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_wait[some] = np.where(answered > 0, waited * norm / answered, np.inf)
            busy[some] = np.where(nn > 0, np.minimum(aa * answered / nn, 1.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        within_answered = np.where(answered_of > 0, np.minimum(within_all / answered_of, 1.0), 0.0)

    def shaped(values: np.ndarray) -> Result:
        return values.reshape(shape)[()]

    return ErlangAMetrics(shaped(wait), shaped(abandon), shaped(within_all), shaped(within_answered),
                          shaped(mean_wait), shaped(busy))


def _level(metrics: ErlangAMetrics, definition: ServiceLevelDefinition) -> Result:
    return metrics.answered_within_t_of_all if definition == "of_all" else metrics.answered_within_t_of_answered


def erlang_a_required_agents(load_erlangs: ArrayLike, aht_seconds: ArrayLike, patience_seconds: ArrayLike,
                             answer_seconds: ArrayLike, target_service_level: ArrayLike, *,
                             service_level_of: ServiceLevelDefinition = "of_all",
                             max_abandon_probability: ArrayLike | None = None,
                             max_occupancy: ArrayLike | None = None) -> Result:
    """Smallest whole number of agents meeting every target under Erlang A (int64, broadcast shape).

    Targets: service level (``service_level_of``: ``"of_all"``, the default and the stricter one, or
    ``"of_answered"``; module docstring) ``>= target_service_level`` in (0, 1]; ``P(abandon) <=
    max_abandon_probability`` in [0, 1]; occupancy ``<= max_occupancy`` in (0, 1]; ``None`` drops a target.
    No load needs 0 agents. The search brackets the answer by galloping from the Erlang C head count (down
    towards 0, so it can end below the offered load, or up) and then bisects; every figure is monotone in
    agents, so the result is minimal: one agent fewer misses a target. InputError when no head count up to
    ``load + 1000 sqrt(load) + 1000`` meets the targets (e.g. a service level of 1 with ``T = 0``).
    """
    if service_level_of not in ("of_all", "of_answered"):
        raise InputError(f"service_level_of must be 'of_all' or 'of_answered', got {service_level_of!r}")
    cap_abandon = 1.0 if max_abandon_probability is None else max_abandon_probability
    cap_occupancy = 1.0 if max_occupancy is None else max_occupancy
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (
        load_erlangs, aht_seconds, patience_seconds, answer_seconds, target_service_level, cap_abandon,
        cap_occupancy)))
    shape = arrays[0].shape
    load, aht, patience, answer, target, abandon_cap, occ_cap = (v.ravel().copy() for v in arrays)
    _require("load_erlangs", load, np.isfinite(load) & (load >= 0) & (load <= MAX_LOAD_ERLANGS),
             f"in [0, {MAX_LOAD_ERLANGS:,.0f}] Erlangs")
    _require("target_service_level", target, (target > 0) & (target <= 1), "in (0, 1]")
    _require("max_abandon_probability", abandon_cap, (abandon_cap >= 0) & (abandon_cap <= 1), "in [0, 1]")
    _require("max_occupancy", occ_cap, (occ_cap > 0) & (occ_cap <= 1), "in (0, 1]")

    def met(rows: np.ndarray, heads: np.ndarray) -> np.ndarray:
        m = erlang_a_metrics(heads, load[rows], aht[rows], patience[rows], answer[rows])
        return ((np.asarray(_level(m, service_level_of)) >= target[rows])
                & (np.asarray(m.abandon_probability) <= abandon_cap[rows])
                & (np.asarray(m.occupancy) <= occ_cap[rows]))

    # Validate the remaining arguments once (also covers rows without load).
    erlang_a_metrics(0, 0.0, aht, patience, answer)
    result = np.zeros(load.shape, dtype=np.int64)
    rows = np.flatnonzero(load > 0)
    if not rows.size:
        return result.reshape(shape)[()]
    # Bracket the answer around a guess, the Erlang C head count for the same service level and occupancy
    # (cheap, and within an agent or two unless patience is short): gallop down from it while the targets
    # are met, or up while they are not, doubling the step; then bisect. ``low`` always misses the targets
    # (0 agents never meet a positive target when there is load) and ``high`` always meets them.
    limit = load[rows] + 1000.0 * np.sqrt(load[rows]) + 1000.0
    guess = np.asarray(required_agents(load[rows], aht[rows], answer[rows], target[rows], occ_cap[rows]), dtype=float)
    guess = np.clip(guess.reshape(rows.shape), 1.0, limit)
    ok = met(rows, guess)
    low = np.where(ok, 0.0, guess)
    high = np.where(ok, guess, np.inf)
    step = np.ones(rows.size)
    down = np.flatnonzero(ok & (guess > 1))
    while down.size:
        probe = np.maximum(high[down] - step[down], 0.0)
        hit = np.zeros(down.size, dtype=bool)
        some = probe > 0
        hit[some] = met(rows[down[some]], probe[some])
        high[down[hit]] = probe[hit]
        low[down[~hit]] = probe[~hit]
        step[down] *= 2.0
        down = down[hit & (probe > 1)]
    up = np.flatnonzero(~ok)
    while up.size:
        if np.any(low[up] >= limit[up]):
            bad = up[low[up] >= limit[up]][0]
            raise InputError(f"no head count up to {int(limit[bad])} meets the targets for load "
                             f"{load[rows][bad]} Erlangs")
        probe = np.minimum(low[up] + step[up], limit[up])
        hit = met(rows[up], probe)
        high[up[hit]] = probe[hit]
        low[up[~hit]] = probe[~hit]
        step[up] *= 2.0
        up = up[~hit]
    while True:
        gap = np.flatnonzero(high - low > 1)
        if not gap.size:
            break
        mid = np.floor((low[gap] + high[gap]) / 2.0)
        hit = met(rows[gap], mid)
        high[gap[hit]] = mid[hit]
        low[gap[~hit]] = mid[~hit]
    result[rows] = high.astype(np.int64)
    return result.reshape(shape)[()]


@dataclass(frozen=True)
class StaffingRow:
    """Figures for one head count. ``service_level`` is answered within T / all arrivals (the same as
    Erlang C when there is no patience); ``abandon_probability`` is None without a patience."""

    agents: int
    service_level: float
    wait_probability: float
    asa_seconds: float
    occupancy: float
    abandon_probability: float | None


@dataclass(frozen=True)
class StaffingRecommendation:
    """The recommended head count, with shrinkage, and rows for neighbouring head counts (ascending)."""

    agents: int
    agents_with_shrinkage: int
    load_erlangs: float
    model: Literal["erlang_c", "erlang_a"]
    rows: tuple[StaffingRow, ...]

    @property
    def recommended(self) -> StaffingRow:
        return next(row for row in self.rows if row.agents == self.agents)


def _row(agents: int, slots: int, load: float, aht: float, answer: float, patience: float | None) -> StaffingRow:
    if patience is None:
        return StaffingRow(agents, float(service_level(slots, load, aht, answer)),
                           float(erlang_c_wait_probability(slots, load)) if load > 0 else 0.0,
                           float(asa_seconds(slots, load, aht)),
                           float(occupancy(slots, load)), None)
    m = erlang_a_metrics(slots, load, aht, patience, answer)
    return StaffingRow(agents, float(m.answered_within_t_of_all), float(m.wait_probability),
                       float(m.asa_seconds), float(m.occupancy), float(m.abandon_probability))


def recommend(contacts: float, period_seconds: float, aht_seconds: float, target_service_level: float,
              answer_seconds: float, *, patience_seconds: float | None = None, max_occupancy: float | None = None,
              shrinkage: float = 0.0, concurrency: int = 1) -> StaffingRecommendation:
    """Agents for ``contacts`` arriving in ``period_seconds``: Erlang C, or Erlang A when ``patience_seconds``
    is given (service level answered within T / all arrivals).

    ``concurrency`` contacts per agent treats each agent as that many servers (chat); ``max_occupancy`` in
    (0, 1] caps occupancy per server; ``shrinkage`` in [0, 1) gives ``agents_with_shrinkage = ceil(agents /
    (1 - shrinkage))`` (rounded to 9 decimals first, so 14 / 0.7 is 20, not 21).
    """
    for name, value, high in (("contacts", contacts, MAX_CONTACTS), ("aht_seconds", aht_seconds, MAX_AHT_SECONDS),
                              ("answer_seconds", answer_seconds, MAX_ANSWER_SECONDS)):
        if not 0 <= value <= high:  # NaN fails too
            raise InputError(f"{name} must be in [0, {high:g}], got {value}")
    if not MIN_PERIOD_SECONDS <= period_seconds <= MAX_PERIOD_SECONDS:
        raise InputError(f"period_seconds must be in [{MIN_PERIOD_SECONDS:g}, {MAX_PERIOD_SECONDS:g}], "
                         f"got {period_seconds}")
    if aht_seconds == 0 and contacts > 0:
        raise InputError("aht_seconds must be > 0 when there are contacts")
    if not 0 < target_service_level <= 1:
        raise InputError(f"target service level must be in (0, 1], got {target_service_level}")
    if not (math.isfinite(shrinkage) and 0 <= shrinkage < 1):
        raise InputError(f"shrinkage must be in [0, 1), got {shrinkage}")
    if concurrency < 1:
        raise InputError(f"concurrency must be a whole number >= 1, got {concurrency}")
    if patience_seconds is not None and not 0 < patience_seconds <= MAX_PATIENCE_SECONDS:
        raise InputError(f"patience_seconds must be in (0, {MAX_PATIENCE_SECONDS:g}], got {patience_seconds}")
    if max_occupancy is not None and not MIN_MAX_OCCUPANCY <= max_occupancy <= 1:
        raise InputError(f"max_occupancy must be in [{MIN_MAX_OCCUPANCY:g}, 1], got {max_occupancy}")
    if not 0 < concurrency <= MAX_CONCURRENCY:
        raise InputError(f"concurrency must be a whole number in [1, {MAX_CONCURRENCY}], got {concurrency}")
    load = contacts * aht_seconds / period_seconds
    aht = aht_seconds if aht_seconds > 0 else 1.0  # no contacts: any AHT gives the same (empty) queue
    if patience_seconds is None:
        agents = int(chat_required_agents(load, aht, answer_seconds, target_service_level, concurrency,
                                          max_occupancy))
        low = max(int(required_agents(load, aht, answer_seconds, 1e-9)) // concurrency, agents - NEIGHBOUR_ROWS)
    else:
        slots = int(erlang_a_required_agents(load, aht, patience_seconds, answer_seconds, target_service_level,
                                             max_occupancy=max_occupancy))
        agents = -(-slots // concurrency)
        low = agents - NEIGHBOUR_ROWS
    if (agents + NEIGHBOUR_ROWS) * concurrency > MAX_AGENTS:
        raise InputError(f"more than {MAX_AGENTS:,} agents would be needed for a load of {load:.6g} Erlangs "
                         "(check max_occupancy and the targets)")
    rows = tuple(_row(n, n * concurrency, load, aht, answer_seconds, patience_seconds)
                 for n in range(max(0, low), agents + NEIGHBOUR_ROWS + 1))
    with_shrinkage = math.ceil(round(agents / (1.0 - shrinkage), 9))
    return StaffingRecommendation(agents, with_shrinkage, load, "erlang_c" if patience_seconds is None else
                                  "erlang_a", rows)
