"""The schema of ``kpis.json``: the figures a planner and a CI gate read, as one typed, immutable object.

``wfm plan`` builds a ``Kpis`` and writes ``Kpis.to_json()``; ``Kpis.from_json`` reads one back with one-line
``InputError`` messages naming the file and the key path. ``read_kpis_object`` is the shared file reader of
``wfm check`` (which gates on a few keys of any baseline, old or hand-written) and ``wfm report``.

Values are stored as published (already rounded), so ``Kpis.from_json(k.to_json()) == k`` and the JSON bytes
of a plan do not depend on whether they went through this object. Key order is the field order below.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from forecasting.untrusted import error_summary, excerpt, regular_file
from scheduler.errors import InputError
from scheduler.io.outputs import json_text

KPI_FILE = "kpis.json"
T = TypeVar("T")


@dataclass(frozen=True)
class ServiceLevels:
    """Contact-weighted weekly service level (fraction in [0, 1]), overall and per queue id."""

    overall: float
    by_queue: Mapping[str, float]


@dataclass(frozen=True)
class Penalty:
    """One soft rule's cost: ``amount`` in ``unit`` times ``weight`` = ``penalty`` (objective units)."""

    amount: float
    unit: str
    weight: int
    penalty: float


@dataclass(frozen=True)
class SolverKpis:
    """What the solver did, as published: objective and bound in penalty units, relative gap, wall seconds
    (``seconds``, ``first_roster_seconds`` are the only figures that differ between identical runs)."""

    status: str
    objective: float
    best_bound: float
    gap: float
    seconds: float
    first_roster_seconds: float | None
    budget_completed: bool
    stopped_by: str
    seed: int
    workers: int
    deterministic: bool
    ortools_version: str


@dataclass(frozen=True)
class PredictedServiceLevels:
    """The weekly service level the roster delivers with multi-skill pooling and whole-shift absence, from the
    roster simulation run inside the plan (``scheduler.simulation.prediction``): overall and per queue, with
    each queue's 95% confidence half-width, the replications and the seed. ``service_level`` beside it is the
    Erlang-per-queue figure."""

    method: str
    replications: int
    seed: int
    overall: float
    by_queue: Mapping[str, float]
    ci95_half_width: Mapping[str, float]


@dataclass(frozen=True)
class SurplusKpis:
    """Agent-hours on the floor that no queue's requirement uses (``scheduler.validation.surplus``): in all,
    per weekday, and in release blocks of an hour or more (listed in ``surplus.csv``)."""

    agent_hours: float
    by_weekday: Mapping[str, float]
    block_hours: float
    blocks: int


@dataclass(frozen=True)
class DeferredKpis:
    """One deferred queue's week under the roster: the share of items falling due in the week handled within
    the deadline, the backlog's peak and end-of-week size in contacts, and the oldest item's age in minutes on
    the deadline's clock (opening hours only for an ``open_hours`` deadline)."""

    share_within_deadline: float
    deadline_minutes: int
    peak_backlog_contacts: float
    end_of_week_backlog_contacts: float
    oldest_item_minutes: int


@dataclass(frozen=True)
class WeeklyTargetKpis:
    """The weekly service-level mode (``objective.service_level: weekly``): per queue, the weekly level the
    roster delivers by the validator's count (``scheduler.validation.weekly_service``), its target, whether it
    is met, its lowest interval by the same count, and the per-interval floor the plan kept."""

    by_queue: Mapping[str, float]
    target: Mapping[str, float]
    met: Mapping[str, bool]
    min_interval_service_level: float
    worst_interval: Mapping[str, float] = field(default_factory=dict)  # each queue's lowest interval level


@dataclass(frozen=True)
class Kpis:
    """The contents of ``kpis.json``. Hours are agent-hours; ``cost`` is in the contracts' currency;
    ``config`` is the plan YAML's path as given on the command line."""

    week_start: str  # ISO date of the planned Monday
    config: str
    agents: int
    shifts: int
    hard_violations: int
    service_level: ServiceLevels
    service_level_target: Mapping[str, float]
    worst_interval_service_level: Mapping[str, float]
    understaffed_agent_hours: float
    overstaffed_agent_hours: float
    paid_hours: float
    cost: float
    penalties: Mapping[str, Penalty]
    solver: SolverKpis
    versions: Mapping[str, str]
    warnings: tuple[str, ...] = ()
    predicted_service_level: PredictedServiceLevels | None = None
    surplus: SurplusKpis | None = None
    deferred: Mapping[str, DeferredKpis] = field(default_factory=dict)  # only plans with deferred queues
    weekly_target: WeeklyTargetKpis | None = None  # only in the weekly service-level mode

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, keys in the published order; ``deferred`` only when a queue is deferred."""
        data = self._base_dict()
        if self.deferred:
            data["deferred"] = {queue: {"share_within_deadline": d.share_within_deadline,
                                        "deadline_minutes": d.deadline_minutes,
                                        "peak_backlog_contacts": d.peak_backlog_contacts,
                                        "end_of_week_backlog_contacts": d.end_of_week_backlog_contacts,
                                        "oldest_item_minutes": d.oldest_item_minutes}
                                for queue, d in self.deferred.items()}
        return data

    def _base_dict(self) -> dict[str, Any]:
        return {
            "week_start": self.week_start,
            "config": self.config,
            "agents": self.agents,
            "shifts": self.shifts,
            "hard_violations": self.hard_violations,
            "service_level": {"overall": self.service_level.overall, "by_queue": dict(self.service_level.by_queue)},
            "service_level_target": dict(self.service_level_target),
            "worst_interval_service_level": dict(self.worst_interval_service_level),
            "understaffed_agent_hours": self.understaffed_agent_hours,
            "overstaffed_agent_hours": self.overstaffed_agent_hours,
            "paid_hours": self.paid_hours,
            "cost": self.cost,
            "penalties": {rule: {"amount": p.amount, "unit": p.unit, "weight": p.weight, "penalty": p.penalty}
                          for rule, p in self.penalties.items()},
            "solver": {
                "status": self.solver.status, "objective": self.solver.objective,
                "best_bound": self.solver.best_bound, "gap": self.solver.gap, "seconds": self.solver.seconds,
                "first_roster_seconds": self.solver.first_roster_seconds,
                "budget_completed": self.solver.budget_completed, "stopped_by": self.solver.stopped_by,
                "seed": self.solver.seed, "workers": self.solver.workers,
                "deterministic": self.solver.deterministic, "ortools_version": self.solver.ortools_version,
            },
            "versions": dict(self.versions),
            "warnings": list(self.warnings),
            **_extras(self),
        }

    def to_json(self) -> str:
        """The bytes of ``kpis.json`` (indented, newline-terminated, no NaN)."""
        return json_text(self.to_dict())

    @classmethod
    def from_json(cls, text: str, label: str = KPI_FILE) -> Kpis:
        """Parse ``kpis.json`` text; ``InputError`` ``label: ...`` on bad JSON or a bad value."""
        return cls.from_dict(parse_kpis_text(text, label), label)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], label: str = KPI_FILE) -> Kpis:
        """Check every key of the schema; ``warnings`` and the solver's ``first_roster_seconds``,
        ``budget_completed`` and ``stopped_by`` (added later) default when absent."""
        read = _Reader(data, label)
        solver = read.mapping("solver")
        solver_read = _Reader(solver, label, "solver.")
        first = solver.get("first_roster_seconds")
        return cls(
            week_start=_iso_date(read.text("week_start"), label),
            config=read.text("config"),
            agents=read.whole("agents"),
            shifts=read.whole("shifts"),
            hard_violations=read.whole("hard_violations"),
            service_level=ServiceLevels(
                overall=check_number(lookup(data, "service_level.overall", label), "service_level.overall", label,
                                     high=1.0),
                by_queue=read.numbers("service_level.by_queue", high=1.0)),
            service_level_target=read.numbers("service_level_target", high=1.0),
            worst_interval_service_level=read.numbers("worst_interval_service_level", high=1.0),
            understaffed_agent_hours=read.number("understaffed_agent_hours"),
            overstaffed_agent_hours=read.number("overstaffed_agent_hours"),
            paid_hours=read.number("paid_hours"),
            cost=read.number("cost"),
            penalties={str(rule): _penalty(value, f"penalties.{_key(rule)}", label)
                       for rule, value in read.mapping("penalties").items()},
            solver=SolverKpis(
                status=solver_read.text("status"),
                objective=solver_read.number("objective", low=-math.inf),
                best_bound=solver_read.number("best_bound", low=-math.inf),
                gap=solver_read.number("gap"),
                seconds=solver_read.number("seconds"),
                first_roster_seconds=(None if first is None
                                      else check_number(first, "solver.first_roster_seconds", label)),
                budget_completed=solver_read.flag("budget_completed", default=True),
                stopped_by=solver_read.text("stopped_by", default="budget"),
                seed=solver_read.whole("seed"),
                workers=solver_read.whole("workers"),
                deterministic=solver_read.flag("deterministic"),
                ortools_version=solver_read.text("ortools_version"),
            ),
            versions={str(k): _text(v, f"versions.{_key(k)}", label) for k, v in read.mapping("versions").items()},
            warnings=tuple(_text(w, "warnings[]", label) for w in read.sequence("warnings")),
            predicted_service_level=predicted_from(data, label),
            surplus=surplus_from(data, label),
            weekly_target=weekly_target_from(data, label),
            deferred={str(queue): _deferred(value, f"deferred.{_key(queue)}", label)
                      for queue, value in (read.mapping("deferred") if "deferred" in data else {}).items()},
        )


def _extras(kpis: Kpis) -> dict[str, Any]:
    """The keys added after the first release, present only when set (older files stay byte-identical)."""
    out: dict[str, Any] = {}
    if kpis.predicted_service_level is not None:
        p = kpis.predicted_service_level
        out["predicted_service_level"] = {
            "method": p.method, "replications": p.replications, "seed": p.seed, "overall": p.overall,
            "by_queue": dict(p.by_queue), "ci95_half_width": dict(p.ci95_half_width)}
    if kpis.surplus is not None:
        out["surplus"] = {"agent_hours": kpis.surplus.agent_hours, "by_weekday": dict(kpis.surplus.by_weekday),
                          "block_hours": kpis.surplus.block_hours, "blocks": kpis.surplus.blocks}
    if kpis.weekly_target is not None:
        w = kpis.weekly_target
        out["weekly_target"] = {"by_queue": dict(w.by_queue), "target": dict(w.target), "met": dict(w.met),
                                "min_interval_service_level": w.min_interval_service_level,
                                "worst_interval": dict(w.worst_interval)}
    return out


def weekly_target_from(data: Mapping[str, Any], label: str) -> WeeklyTargetKpis | None:
    if "weekly_target" not in data:
        return None
    read = _Reader(_Reader(data, label).mapping("weekly_target"), label, "weekly_target.")
    met = read.mapping("met")
    return WeeklyTargetKpis(by_queue=read.numbers("by_queue", high=1.0), target=read.numbers("target", high=1.0),
                            met={str(q): bool(v) for q, v in met.items()},
                            min_interval_service_level=read.number("min_interval_service_level", high=1.0),
                            worst_interval=read.numbers("worst_interval", high=1.0))


def predicted_from(data: Mapping[str, Any], label: str) -> PredictedServiceLevels | None:
    if "predicted_service_level" not in data:
        return None
    read = _Reader(_Reader(data, label).mapping("predicted_service_level"), label, "predicted_service_level.")
    return PredictedServiceLevels(
        method=read.text("method"), replications=read.whole("replications"), seed=read.whole("seed"),
        overall=read.number("overall", high=1.0), by_queue=read.numbers("by_queue", high=1.0),
        ci95_half_width=read.numbers("ci95_half_width", high=1.0))


def surplus_from(data: Mapping[str, Any], label: str) -> SurplusKpis | None:
    if "surplus" not in data:
        return None
    read = _Reader(_Reader(data, label).mapping("surplus"), label, "surplus.")
    return SurplusKpis(agent_hours=read.number("agent_hours"), by_weekday=read.numbers("by_weekday"),
                       block_hours=read.number("block_hours"), blocks=read.whole("blocks"))


def read_kpis(path: str | Path) -> Kpis:
    """A whole ``kpis.json`` written by ``wfm plan``, every key checked; errors name ``path`` as given."""
    return Kpis.from_dict(read_kpis_object(path), str(path))


def read_kpis_object(path: str | Path, label: str | None = None) -> dict[str, Any]:
    """The JSON object in a ``kpis.json`` file, unchecked beyond that; ``InputError`` ``label: ...`` (default:
    the path as given) for a missing, special, unreadable or non-JSON file or a top level that is no object."""
    label = str(path) if label is None else label
    try:
        text = regular_file(path, "file").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{label}: cannot read: {error_summary(exc)}") from None
    return parse_kpis_text(text, label)


def parse_kpis_text(text: str, label: str) -> dict[str, Any]:
    """The JSON object in ``text``; one-line ``InputError`` ``label: ...`` otherwise."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{label}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:  # a hostile file nested thousands deep
        raise InputError(f"{label}: invalid JSON: nested too deep") from None
    if not isinstance(data, dict):
        raise InputError(f"{label}: top level must be a JSON object, got {type(data).__name__}")
    return data


def lookup(data: Mapping[str, Any], key_path: str, label: str) -> Any:
    """The value at a dotted key path; ``InputError`` ``label: missing key a.b`` if any part is absent."""
    node: Any = data
    for part in key_path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise InputError(f"{label}: missing key {key_path}")
        node = node[part]
    return node


def is_number(value: Any) -> bool:
    """A finite JSON number (``true`` is an int in Python, but never a valid KPI value)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_number(value: Any, key_path: str, label: str, low: float = 0.0, high: float | None = None) -> float:
    """``value`` if it is a finite number in [low, high] (as read: an int stays an int), else ``InputError``."""
    if not is_number(value) or value < low or (high is not None and value > high):
        bounds = f" in [{low:g}, {high:g}]" if high is not None else f" >= {low:g}" if low > -math.inf else ""
        raise InputError(f"{label}: {key_path} must be a number{bounds}, got {excerpt(value)}")
    number: float = value
    return number


def _text(value: Any, key_path: str, label: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{label}: {key_path} must be text, got {excerpt(value)}")
    return value


def _iso_date(text: str, label: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{label}: week_start must be a date YYYY-MM-DD, got {excerpt(text)}") from None
    return text


def _key(key: object) -> str:
    """A data key (queue id, rule) for a key path in an error message; a long or odd one is cut and quoted."""
    text = str(key)
    return text if len(text) <= 40 and text.isprintable() else excerpt(text, 40)


def _deferred(value: Any, key_path: str, label: str) -> DeferredKpis:
    if not isinstance(value, Mapping):
        raise InputError(f"{label}: {key_path} must be an object, got {excerpt(value)}")
    read = _Reader(value, label, key_path + ".")
    return DeferredKpis(share_within_deadline=read.number("share_within_deadline", high=1.0),
                        deadline_minutes=read.whole("deadline_minutes"),
                        peak_backlog_contacts=read.number("peak_backlog_contacts"),
                        end_of_week_backlog_contacts=read.number("end_of_week_backlog_contacts"),
                        oldest_item_minutes=read.whole("oldest_item_minutes"))


def _penalty(value: Any, key_path: str, label: str) -> Penalty:
    if not isinstance(value, Mapping):
        raise InputError(f"{label}: {key_path} must be an object, got {excerpt(value)}")
    read = _Reader(value, label, key_path + ".")
    return Penalty(amount=read.number("amount"), unit=read.text("unit"), weight=read.whole("weight"),
                   penalty=read.number("penalty"))


class _Reader:
    """Typed reads of one JSON object's keys; errors name ``prefix + key``."""

    def __init__(self, data: Mapping[str, Any], label: str, prefix: str = "") -> None:
        self.data, self.label, self.prefix = data, label, prefix

    def _get(self, key: str, default: Any, check: Callable[[Any], T]) -> T:
        if key not in self.data and default is not None:
            kept: T = default
            return kept
        return check(self._own(key))

    def _own(self, key: str) -> Any:
        if key not in self.data:
            raise InputError(f"{self.label}: missing key {self.prefix}{key}")
        return self.data[key]

    def number(self, key: str, low: float = 0.0, high: float | None = None) -> float:
        return self._get(key, None, lambda v: check_number(v, self.prefix + key, self.label, low, high))

    def whole(self, key: str) -> int:
        def check(value: Any) -> int:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(f"{self.label}: {self.prefix}{key} must be a whole number >= 0, got {excerpt(value)}")
            return value
        return self._get(key, None, check)

    def text(self, key: str, default: str | None = None) -> str:
        return self._get(key, default, lambda v: _text(v, self.prefix + key, self.label))

    def flag(self, key: str, default: bool | None = None) -> bool:
        def check(value: Any) -> bool:
            if not isinstance(value, bool):
                raise InputError(f"{self.label}: {self.prefix}{key} must be true or false, got {excerpt(value)}")
            return value
        return self._get(key, default, check)

    def mapping(self, key: str) -> Mapping[str, Any]:
        def check(value: Any) -> Mapping[str, Any]:
            if not isinstance(value, Mapping):
                raise InputError(f"{self.label}: {self.prefix}{key} must be an object, got {excerpt(value)}")
            return value
        return self._get(key, None, check)

    def numbers(self, key: str, high: float | None = None) -> dict[str, float]:
        """A mapping of queue id to number, e.g. ``service_level.by_queue``."""
        value = lookup(self.data, key, self.label)
        if not isinstance(value, Mapping):
            raise InputError(f"{self.label}: {self.prefix}{key} must be a mapping of queue id to number, "
                             f"got {excerpt(value)}")
        return {str(k): check_number(v, f"{self.prefix}{key}.{_key(k)}", self.label, high=high)
                for k, v in value.items()}

    def sequence(self, key: str) -> list[Any]:
        if key not in self.data:
            return []
        value = self.data[key]
        if not isinstance(value, list):
            raise InputError(f"{self.label}: {self.prefix}{key} must be a list, got {excerpt(value)}")
        return value
