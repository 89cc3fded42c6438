"""Exact Erlang B / Erlang C queueing maths, vectorised with numpy.

Conventions (all functions):
- ``agents`` are servers (heads on the phones, or chat slots); ``load_erlangs`` is the offered load
  ``A = arrivals per second * AHT seconds``; ``aht_seconds`` and ``answer_seconds`` are seconds.
- Arguments may be scalars or arrays; they broadcast together and the result has the broadcast shape
  (a numpy scalar when every argument is a scalar).
- Erlang C is the M/M/n queue served first come first served, with unlimited patience and waiting room.

Numerics: Erlang B comes from the forward recursion ``B(k) = A B(k-1) / (k + A B(k-1))``, which never
overflows (B stays in [0, 1]) and damps errors. In ``x(k) = 1 / B(k)`` it is the linear recursion
``x(k) = 1 + (k / A) x(k-1)``, so a relative error in ``x`` is multiplied by ``1 - B(k) <= k / A`` at each
step. Starting from ``B = 1`` at ``s = max(0, floor(min(n, A) - 10 sqrt(A)))`` rather than at ``k = 0`` thus
leaves a relative error below ``exp(-50)``: the same double as the full recursion, in ``O(sqrt(A))`` steps
instead of ``O(n)``. Once B underflows to 0 it stays 0, so the recursion stops there.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from forecasting.errors import InputError
from forecasting.queueing.limits import MAX_AGENTS, MAX_LOAD_ERLANGS

# Width of the warm-up window of the Erlang B recursion in units of sqrt(A); the relative error of the
# cold start decays like exp(-WARMUP_SIGMAS**2 / 2).
WARMUP_SIGMAS = 10.0

# What the public functions return: an array of the broadcast shape, or a numpy scalar for scalar inputs.
Result = np.ndarray | np.generic
_Metric = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _broadcast(*args: ArrayLike) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """Broadcast the arguments to one shape; return that shape and flat float copies of the arrays."""
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in args))
    return arrays[0].shape, [a.ravel().copy() for a in arrays]


def _shaped(values: np.ndarray, shape: tuple[int, ...]) -> Result:
    return values.reshape(shape)[()]


def _require(name: str, values: np.ndarray, ok: np.ndarray, rule: str) -> None:
    """Raise InputError naming the first value that breaks ``rule``."""
    if not np.all(ok):
        raise InputError(f"{name} must be {rule}, got {values[~ok][0]}")


def _require_nonnegative(name: str, values: np.ndarray) -> None:
    _require(name, values, np.isfinite(values) & (values >= 0), "finite and >= 0")


def _require_load(load: np.ndarray) -> None:
    """Loads in [0, MAX_LOAD_ERLANGS]: the recursion takes O(sqrt(load)) steps, so this bounds the work."""
    _require("load_erlangs", load, np.isfinite(load) & (load >= 0) & (load <= MAX_LOAD_ERLANGS),
             f"in [0, {MAX_LOAD_ERLANGS:,.0f}] Erlangs")


def _whole_agents(agents: np.ndarray) -> np.ndarray:
    _require("agents", agents, np.isfinite(agents) & (agents >= 0) & (agents == np.floor(agents))
             & (agents <= MAX_AGENTS), f"a whole number in [0, {MAX_AGENTS:,}]")
    return agents.astype(np.int64)


def _recursion_start(agents: np.ndarray, load: np.ndarray) -> np.ndarray:
    """First k of the Erlang B recursion: far enough below min(n, A) for the cold start to be forgotten."""
    start = np.floor(np.minimum(agents, load) - WARMUP_SIGMAS * np.sqrt(load))
    return np.clip(start, 0, None).astype(np.int64)


def _erlang_b_flat(agents: np.ndarray, load: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Erlang B of flat arrays: int ``agents`` (m,), float ``load`` (m,) -> blocking probability (m,).

    ``start`` overrides where the recursion starts; it must not lie above ``_recursion_start``.
    """
    k = _recursion_start(agents, load) if start is None else start.copy()
    blocking = np.ones(load.shape)
    todo = np.flatnonzero(k < agents)
    while todo.size:
        k[todo] += 1
        carried = load[todo] * blocking[todo]
        blocking[todo] = carried / (k[todo] + carried)
        todo = todo[(k[todo] < agents[todo]) & (blocking[todo] > 0.0)]
    return blocking


def _wait_from_blocking(agents: np.ndarray, load: np.ndarray, blocking: np.ndarray) -> np.ndarray:
    """Erlang C from Erlang B: ``C = n B / (n - A (1 - B))`` when ``n > A``; 1 when ``n <= A``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = agents * blocking / (agents - load * (1.0 - blocking))
    return np.where(agents > load, np.clip(wait, 0.0, 1.0), 1.0)


def _service_level_from_wait(agents: np.ndarray, load: np.ndarray, wait: np.ndarray, aht_seconds: np.ndarray,
                             answer_seconds: np.ndarray) -> np.ndarray:
    """``1 - C exp(-(n - A) T / AHT)``; 0 when ``n <= A``, 1 when there is no load."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        decay = np.where(answer_seconds > 0, np.exp(-(agents - load) * answer_seconds / aht_seconds), 1.0)
    level = np.where(agents > load, np.clip(1.0 - wait * decay, 0.0, 1.0), 0.0)
    return np.where(load == 0, 1.0, level)


def _asa_from_wait(agents: np.ndarray, load: np.ndarray, wait: np.ndarray, aht_seconds: np.ndarray) -> np.ndarray:
    """``C AHT / (n - A)`` seconds; inf when ``n <= A``, 0 when there is no load."""
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(agents > load, wait * aht_seconds / (agents - load), np.inf)
    return np.where(load == 0, 0.0, asa)


def erlang_b(agents: ArrayLike, load_erlangs: ArrayLike) -> Result:
    """Blocking probability of the Erlang loss system M/M/n/n, in [0, 1].

    ``agents``: whole numbers >= 0; ``load_erlangs``: >= 0. 1 with no agents and some load.
    """
    shape, (agents_f, load) = _broadcast(agents, load_erlangs)
    _require_load(load)
    return _shaped(_erlang_b_flat(_whole_agents(agents_f), load), shape)


def erlang_c_wait_probability(agents: ArrayLike, load_erlangs: ArrayLike) -> Result:
    """Erlang C: probability that a contact has to wait because all ``agents`` are busy, in [0, 1].

    ``agents``: whole numbers >= 0. 1 when ``agents <= load_erlangs`` (the queue grows without bound);
    0 when there is no load and at least one agent.
    """
    shape, (agents_f, load) = _broadcast(agents, load_erlangs)
    _require_load(load)
    n = _whole_agents(agents_f)
    return _shaped(_wait_from_blocking(n, load, _erlang_b_flat(n, load)), shape)


def _service_level_whole(agents: np.ndarray, load: np.ndarray, aht: np.ndarray, answer: np.ndarray) -> np.ndarray:
    n = agents.astype(np.int64)
    return _service_level_from_wait(n, load, _wait_from_blocking(n, load, _erlang_b_flat(n, load)), aht, answer)


def _asa_whole(agents: np.ndarray, load: np.ndarray, aht: np.ndarray, _answer: np.ndarray) -> np.ndarray:
    n = agents.astype(np.int64)
    return _asa_from_wait(n, load, _wait_from_blocking(n, load, _erlang_b_flat(n, load)), aht)


def _interpolated(metric: _Metric, agents: np.ndarray, load: np.ndarray, aht: np.ndarray,
                  answer: np.ndarray) -> np.ndarray:
    """``metric`` at ``floor(agents)`` and ``floor(agents) + 1``, blended linearly by the fractional part."""
    for name, values in (("agents", agents), ("aht_seconds", aht), ("answer_seconds", answer)):
        _require_nonnegative(name, values)
    _require_load(load)
    _require("agents", agents, agents < MAX_AGENTS, f"< {MAX_AGENTS:,}")
    low = np.floor(agents)
    result = metric(low, load, aht, answer)
    part = np.flatnonzero(agents > low)
    if part.size:
        weight = agents[part] - low[part]
        at_low = result[part]
        at_high = metric(low[part] + 1.0, load[part], aht[part], answer[part])
        with np.errstate(invalid="ignore"):
            # An infinite ASA at the floor (too few agents) stays infinite instead of becoming nan.
            result[part] = np.where(np.isinf(at_low), at_low, (1.0 - weight) * at_low + weight * at_high)
    return result


def service_level(agents: ArrayLike, load_erlangs: ArrayLike, aht_seconds: ArrayLike,
                  answer_seconds: ArrayLike) -> Result:
    """Share of contacts answered within ``answer_seconds``: ``1 - C(n, A) exp(-(n - A) T / AHT)``, in [0, 1].

    0 when ``agents <= load_erlangs``; 1 when there is no load. ``agents`` may be fractional (effective heads
    after shrinkage): the service level is then interpolated linearly between ``floor(agents)`` and
    ``floor(agents) + 1``, which keeps it continuous and monotone in agents.
    """
    shape, (agents_f, load, aht, answer) = _broadcast(agents, load_erlangs, aht_seconds, answer_seconds)
    return _shaped(_interpolated(_service_level_whole, agents_f, load, aht, answer), shape)


def asa_seconds(agents: ArrayLike, load_erlangs: ArrayLike, aht_seconds: ArrayLike) -> Result:
    """Average speed of answer over all contacts, seconds: ``C(n, A) AHT / (n - A)``.

    inf when ``agents <= load_erlangs``; 0 when there is no load. Fractional ``agents`` are interpolated
    as in :func:`service_level` (inf while the floor is at or below the load).
    """
    shape, (agents_f, load, aht) = _broadcast(agents, load_erlangs, aht_seconds)
    return _shaped(_interpolated(_asa_whole, agents_f, load, aht, np.zeros_like(load)), shape)


def occupancy(agents: ArrayLike, load_erlangs: ArrayLike) -> Result:
    """Share of agent time busy with contacts, ``A / n`` capped at 1; 0 when there is no load."""
    shape, (n, load) = _broadcast(agents, load_erlangs)
    with np.errstate(divide="ignore", invalid="ignore"):
        busy = np.where(load > 0, np.minimum(load / n, 1.0), 0.0)
    return _shaped(busy, shape)


def required_agents(load_erlangs: ArrayLike, aht_seconds: ArrayLike, answer_seconds: ArrayLike,
                    target_service_level: ArrayLike, max_occupancy: ArrayLike | None = None,
                    max_asa_seconds: ArrayLike | None = None) -> Result:
    """Smallest whole number of agents meeting every target (int64, broadcast shape).

    Targets: ``service_level >= target_service_level`` (in (0, 1]), ``load / agents <= max_occupancy``
    (in (0, 1]) and ``asa_seconds <= max_asa_seconds``; ``None`` drops a target. No load needs 0 agents.
    Each value walks the Erlang B recursion up from below the load, jumping to the bound ``A / max_occupancy``
    (``O(sqrt(A))`` steps in all, as B underflows to 0 about ``40 sqrt(A)`` above the load), and stops at the
    first head count meeting all targets. Every target is monotone in agents, so that count is minimal: one
    agent fewer misses a target. The figures it compares equal :func:`service_level` and :func:`asa_seconds`
    bit for bit, since both walk the same recursion from the same start.
    """
    occ = 1.0 if max_occupancy is None else max_occupancy
    asa_cap = np.inf if max_asa_seconds is None else max_asa_seconds
    shape, (load, aht, answer, target, occ, asa_cap) = _broadcast(
        load_erlangs, aht_seconds, answer_seconds, target_service_level, occ, asa_cap)
    for name, values in (("aht_seconds", aht), ("answer_seconds", answer)):
        _require_nonnegative(name, values)
    _require_load(load)
    _require("target_service_level", target, (target > 0) & (target <= 1), "in (0, 1]")
    _require("max_occupancy", occ, (occ > 0) & (occ <= 1), "in (0, 1]")
    _require("max_asa_seconds", asa_cap, asa_cap >= 0, ">= 0")

    # Skip straight to a lower bound: more agents than the load, and the occupancy cap (less one agent,
    # so float rounding in A / occ can never skip the answer). The recursion starts where service_level's
    # does for every n > A, so both see the same doubles. Every row advances in lock step over the whole
    # (dense) arrays: with a few thousand rows, masked full-width steps beat gathering the rows still to do.
    k = _recursion_start(np.full(load.shape, np.inf), load)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        floor_occupancy = np.ceil(load / occ) - 1
    _too_many_agents(load, floor_occupancy)
    lowest = np.maximum(np.floor(load) + 1, floor_occupancy).astype(np.int64)
    stop = np.where(load > 0, np.maximum(k, lowest - 1), k)
    blocking: np.ndarray = np.ones(load.shape)
    while np.any(k < stop):
        walking = k < stop
        carried = load * blocking
        k = k + walking
        with np.errstate(invalid="ignore"):  # 0 / 0 in rows without load, which do not walk
            blocking = np.where(walking, carried / (k + carried), blocking)
        # B = 0 stays 0 (it has underflowed, about 40 sqrt(A) above the load), so such rows jump to their
        # stop exactly: the occupancy floor far above the load costs no steps.
        k = np.where(blocking == 0.0, np.maximum(k, stop), k)
    result = np.zeros(load.shape, dtype=np.int64)
    todo: np.ndarray = np.flatnonzero(load > 0)
    k, blocking, load, aht, answer, target, occ, asa_cap = (
        v[todo] for v in (k, blocking, load, aht, answer, target, occ, asa_cap))
    while todo.size:
        _too_many_agents(load, k.astype(float) + 1)
        k += 1
        carried = load * blocking
        blocking = carried / (k + carried)
        wait = _wait_from_blocking(k, load, blocking)
        met = ((k > load)
               & (_service_level_from_wait(k, load, wait, aht, answer) >= target)
               & (load / k <= occ)
               & (_asa_from_wait(k, load, wait, aht) <= asa_cap))
        if met.any():
            result[todo[met]] = k[met]
            keep = ~met
            todo, k, blocking, load, aht, answer, target, occ, asa_cap = (
                v[keep] for v in (todo, k, blocking, load, aht, answer, target, occ, asa_cap))
    return _shaped(result, shape)


def _too_many_agents(load: np.ndarray, agents: np.ndarray) -> None:
    """InputError when a search would pass MAX_AGENTS (an occupancy cap near 0, or a target no head count
    reaches); the message names the load."""
    over = ~(agents <= MAX_AGENTS)
    if np.any(over):
        raise InputError(f"more than {MAX_AGENTS:,} agents would be needed for a load of "
                         f"{load[over][0]:.6g} Erlangs (check max_occupancy and the targets)")


def _chats_per_agent(concurrency: ArrayLike) -> np.ndarray:
    per_agent = np.asarray(concurrency, dtype=float)
    _require("concurrency", per_agent, np.isfinite(per_agent) & (per_agent >= 1) & (per_agent == np.floor(per_agent)),
             "a whole number >= 1")
    return per_agent.astype(np.int64)


def chat_required_agents(load_erlangs: ArrayLike, aht_seconds: ArrayLike, answer_seconds: ArrayLike,
                         target_service_level: ArrayLike, concurrency: ArrayLike,
                         max_occupancy: ArrayLike | None = None,
                         max_asa_seconds: ArrayLike | None = None) -> Result:
    """Agents for a chat queue in which each agent handles up to ``concurrency`` chats at once (int64).

    Approximation: each agent offers ``concurrency`` independent chat slots, so the queue is Erlang C with
    ``concurrency * agents`` servers and the chat handle time ``aht_seconds`` (measured per chat while
    agents run concurrent chats, so already longer than one chat handled alone). The slots needed come
    from :func:`required_agents` (``max_occupancy`` applies per slot); agents = ``ceil(slots / concurrency)``.
    ``concurrency == 1`` is plain Erlang C.
    """
    per_agent = _chats_per_agent(concurrency)
    slots = np.asarray(required_agents(load_erlangs, aht_seconds, answer_seconds, target_service_level,
                                       max_occupancy, max_asa_seconds))
    return -(-slots // per_agent)


def chat_service_level(agents: ArrayLike, load_erlangs: ArrayLike, aht_seconds: ArrayLike,
                       answer_seconds: ArrayLike, concurrency: ArrayLike) -> Result:
    """Service level of a chat queue: :func:`service_level` with ``concurrency * agents`` slots."""
    return service_level(np.multiply(agents, _chats_per_agent(concurrency)), load_erlangs, aht_seconds,
                         answer_seconds)
