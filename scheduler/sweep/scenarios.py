"""The scenario file of ``wfm sweep``: a base plan (or several sites' plans) and what each scenario changes.

```yaml
base: plan.yaml                    # relative to this file; or sites: [{id: north, base: north/plan.yaml}, ...]
scenarios:
  - id: volume_up
    volume_factor: 1.1             # multiplies forecast.volume_factor of the plan
    aht_factor: 1.05               # multiplies forecast.aht_factor
    shrinkage: 0.2                 # replaces shrinkage
    overrides:                     # deep-merged into the plan; list items matched by their id
      queues: [{id: voice, service_level_target: 0.9}]
    add_agents: {like: A004, count: 3}   # or {contract: part_time, skills: [voice], count: search, max: 20}
```

Everything is checked before anything runs: each scenario's merged plan is loaded with the plan's own loader
(``scheduler.io.config.load_config``), so an override key the plan does not know fails as it would in the plan
YAML. Errors are one-line ``InputError``s naming the scenario file and the key path.
"""

from __future__ import annotations

import copy
import csv
import io
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from forecasting.untrusted import excerpt, regular_file
from scheduler.errors import InputError
from scheduler.io.config import load_config

SWEEP_KEYS = ("base", "sites", "scenarios")
SCENARIO_KEYS = ("id", "volume_factor", "aht_factor", "shrinkage", "overrides", "add_agents")
SITE_KEYS = ("id", "base")
AGENT_GROUP_KEYS = ("count", "like", "contract", "skills", "availability", "id_prefix", "min", "max")
SEARCH = "search"
MAX_ADDED_AGENTS = 10_000
MAX_FACTOR = 100.0
# Names in the sweep's output folder that a scenario's folder may not take (case-insensitively).
RESERVED_NAMES = ("configs", "summary.csv", "summary.html", "headcount.csv")
# A scenario or site id names a folder: letters, digits, '.', '_' and '-', starting with a letter or digit.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class AgentGroup:
    """``add_agents``: ``count`` copies (``None``: searched in [``min_count``, ``max_count``]) of one agent row,
    ids ``<id_prefix>001``, ``<id_prefix>002``, ..."""

    count: int | None
    row: tuple[tuple[str, str], ...]  # the new rows' columns but agent_id, in the agents file's column order
    id_prefix: str
    min_count: int = 0
    max_count: int = 0

    @property
    def is_search(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Scenario:
    """One plan of the sweep: ``key`` names its folder (``<scenario id>``, or ``<site>.<scenario>`` with sites).

    ``plan`` is the merged plan mapping with ``history`` an absolute path and ``agents`` the agents file's name;
    ``agents_text`` is the base agents file as text (new rows are appended by ``agents_csv``)."""

    key: str
    scenario_id: str
    site: str | None
    plan: dict[str, Any] = field(compare=False)
    history_path: Path
    agents_name: str
    agents_text: str
    groups: tuple[AgentGroup, ...] = ()

    @property
    def search(self) -> AgentGroup | None:
        return next((g for g in self.groups if g.is_search), None)

    def added_agents(self, searched: int | None = None) -> int:
        """Agents added with ``searched`` as the searched group's count."""
        return sum((searched or 0) if g.is_search else (g.count or 0) for g in self.groups)

    def agents_csv(self, searched: int | None = None) -> str:
        """The agents file with every group's rows appended (the searched group with ``searched`` rows)."""
        text = self.agents_text if self.agents_text.endswith("\n") or not self.agents_text else self.agents_text + "\n"
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for group in self.groups:
            count = (searched or 0) if group.is_search else (group.count or 0)
            width = max(3, len(str(group.max_count or count)))
            for number in range(1, count + 1):
                writer.writerow([f"{group.id_prefix}{number:0{width}d}", *(value for _, value in group.row)])
        return text + out.getvalue()


@dataclass(frozen=True)
class Sweep:
    source: Path
    scenarios: tuple[Scenario, ...]


class _Where:
    """A value of the scenario file with its key path, so errors name it."""

    def __init__(self, file: Path, path: str, value: Any) -> None:
        self.file, self.path, self.value = file, path, value

    def fail(self, rule: str) -> InputError:
        shown = repr(type(self.value).__name__) if isinstance(self.value, (dict, list)) else excerpt(self.value)
        return InputError(f"{self.file.name}: {self.path} {rule}, got {shown}")

    def child(self, key: str | int) -> _Where:
        data = self.value
        value = data.get(key) if isinstance(data, dict) else \
            data[key] if isinstance(data, list) and isinstance(key, int) else None
        path = f"{self.path}[{key}]" if isinstance(key, int) else (f"{self.path}.{key}" if self.path else key)
        return _Where(self.file, path, value)

    def mapping(self, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            raise self.fail("must be a mapping")
        for key in self.value:
            if key not in allowed:
                where = f"{self.path}.{key}" if self.path else str(key)
                raise InputError(f"{self.file.name}: unknown key {excerpt(where)} (expected one of: "
                                 f"{', '.join(allowed)})")
        return self.value

    def items(self) -> list[_Where]:
        if not isinstance(self.value, list) or not self.value:
            raise self.fail("must be a non-empty list")
        return [self.child(i) for i in range(len(self.value))]

    def text(self) -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            raise self.fail("must be a non-empty string")
        return self.value.strip()

    def folder_id(self) -> str:
        text = self.value if isinstance(self.value, str) else str(self.value) if isinstance(self.value, int) else ""
        if not ID_PATTERN.match(text) or WINDOWS_RESERVED.match(text) or text.lower() in RESERVED_NAMES:
            raise self.fail("must be a folder name: 1-64 letters, digits, '.', '_' or '-', starting with a letter "
                            f"or digit, not a name Windows reserves nor one of {', '.join(RESERVED_NAMES)}")
        return text

    def positive(self, high: float) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)) or not math.isfinite(self.value):
            raise self.fail("must be a number")
        if self.value <= 0:
            raise self.fail("must be > 0")
        if self.value > high:
            raise self.fail(f"must be <= {high:g}")
        return float(self.value)

    def whole(self, low: int, high: int) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.fail("must be a whole number")
        if not low <= self.value <= high:
            raise self.fail(f"must be in [{low}, {high}]")
        return self.value


def _read_yaml(path: Path, what: str) -> Any:
    regular_file(path, what)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path.name}:{where} {getattr(exc, 'problem', None) or 'invalid YAML'}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not UTF-8 text") from None
    except RecursionError:
        raise InputError(f"{path.name}: nested too deeply") from None


def deep_merge(base: Any, override: Any, path: str = "") -> Any:
    """``override`` merged into ``base`` (neither is changed): mappings key by key, recursively; a list of
    mappings with ``id`` in the base is merged item by item, matched by ``id`` (an id the base does not have is
    an error, the order stays the base's); anything else is replaced. Raises ``ValueError`` naming the path."""
    if isinstance(override, dict) and isinstance(base, dict):
        merged = dict(base)
        for key, value in override.items():
            child = f"{path}.{key}" if path else str(key)
            merged[key] = deep_merge(base[key], value, child) if key in base else copy.deepcopy(value)
        return merged
    if isinstance(override, list) and _listed_by_id(base):
        merged_items = [copy.deepcopy(item) for item in base]
        index = {str(item["id"]): i for i, item in enumerate(base)}
        seen: set[str] = set()
        for i, item in enumerate(override):
            if not isinstance(item, dict) or "id" not in item:
                raise ValueError(f"{path}[{i}] must be a mapping with the id of one of the base plan's {path} "
                                 f"({', '.join(index)})")
            ident = str(item["id"])
            if ident not in index:
                raise ValueError(f"{path}[{i}].id {excerpt(ident)} matches no item of the base plan's {path} "
                                 f"({', '.join(index)})")
            if ident in seen:
                raise ValueError(f"{path}[{i}].id {excerpt(ident)} is given twice")
            seen.add(ident)
            merged_items[index[ident]] = deep_merge(base[index[ident]], item, f"{path}[{i}]")
        return merged_items
    return copy.deepcopy(override)


def _listed_by_id(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) and "id" in item for item in value)


def load_sweep(path: Path) -> Sweep:
    """Read and check a scenario file; every scenario's merged plan is loaded (and so validated) once."""
    raw = _read_yaml(path, "scenario file")
    root = _Where(path, "", raw)
    if raw is None:
        raise InputError(f"{path.name}: the file is empty")
    root.mapping(SWEEP_KEYS)
    if ("base" in raw) == ("sites" in raw):
        raise InputError(f"{path.name}: give either base (one plan YAML) or sites (several)")
    sites: list[tuple[str | None, Path]] = []
    if "base" in raw:
        sites.append((None, _base_path(path, root.child("base"))))
    else:
        seen_sites: set[str] = set()
        for item in root.child("sites").items():
            item.mapping(SITE_KEYS)
            if "id" not in item.value or "base" not in item.value:
                raise item.fail("must give id and base")
            site_id = item.child("id").folder_id()
            if site_id.lower() in seen_sites:
                raise item.child("id").fail("duplicates another site id")
            seen_sites.add(site_id.lower())
            sites.append((site_id, _base_path(path, item.child("base"))))
    entries = root.child("scenarios").items() if "scenarios" in raw else []
    scenario_ids: list[str] = []
    for item in entries:
        item.mapping(SCENARIO_KEYS)
        if "id" not in item.value:
            raise item.fail("must give an id")
        ident = item.child("id").folder_id()
        if ident.lower() in (s.lower() for s in scenario_ids):
            raise item.child("id").fail("duplicates another scenario id")
        scenario_ids.append(ident)
    scenarios: list[Scenario] = []
    keys: set[str] = set()
    for site, base in sites:
        plan = _read_plan(base)
        chosen: list[_Where | None] = list(entries) if entries else [None]
        for entry in chosen:
            scenario = _scenario(path, site, base, plan, entry)
            if scenario.key.lower() in keys:
                raise InputError(f"{path.name}: site and scenario ids give the folder name {scenario.key!r} twice")
            keys.add(scenario.key.lower())
            scenarios.append(scenario)
    return Sweep(path, tuple(scenarios))


def _base_path(sweep_file: Path, node: _Where) -> Path:
    base = sweep_file.parent / node.text()
    if not base.is_file():
        raise node.fail("must name an existing plan YAML (relative to the scenario file)")
    return base


def _read_plan(base: Path) -> dict[str, Any]:
    plan = _read_yaml(base, "plan file")
    if not isinstance(plan, dict):
        raise InputError(f"{base.name}: must be a mapping of plan keys (docs/config.md)")
    return plan


def _scenario(sweep_file: Path, site: str | None, base: Path, base_plan: dict[str, Any],
              entry: _Where | None) -> Scenario:
    ident = "base" if entry is None else entry.child("id").folder_id()
    key = ident if site is None else (site if entry is None else f"{site}.{ident}")
    plan = copy.deepcopy(base_plan)
    # Paths in the base are relative to the base; paths given in overrides to the scenario file.
    for name in ("history", "agents"):
        if isinstance(plan.get(name), str):
            plan[name] = str((base.parent / plan[name]).resolve())
    groups: tuple[AgentGroup, ...] = ()
    if entry is not None:
        data = entry.value
        if "overrides" in data:
            overrides = entry.child("overrides")
            if not isinstance(overrides.value, dict):
                raise overrides.fail("must be a mapping of plan keys")
            moved = dict(overrides.value)
            for name in ("history", "agents"):
                if isinstance(moved.get(name), str):
                    moved[name] = str((sweep_file.parent / moved[name]).resolve())
            try:
                plan = deep_merge(plan, moved)
            except ValueError as error:
                raise InputError(f"{sweep_file.name}: {entry.path}.overrides.{error}") from None
        forecast = plan.get("forecast")
        for factor in ("volume_factor", "aht_factor"):
            if factor in data:
                value = entry.child(factor).positive(MAX_FACTOR)
                forecast = forecast if isinstance(forecast, dict) else {}
                before = forecast.get(factor, 1.0)
                forecast[factor] = value * before if isinstance(before, (int, float)) else value
                plan["forecast"] = forecast
        if "shrinkage" in data:
            shrink = entry.child("shrinkage")
            if isinstance(shrink.value, bool) or not isinstance(shrink.value, (int, float)) \
                    or not 0 <= shrink.value < 1:
                raise shrink.fail("must be a number in [0, 1)")
            plan["shrinkage"] = shrink.value
    agents_value = plan.get("agents")
    agents_path = Path(agents_value) if isinstance(agents_value, str) else None
    history_value = plan.get("history")
    where = f"{sweep_file.name}: {entry.path if entry is not None else 'base'} ({key})"
    if agents_path is None or not agents_path.is_file() or not isinstance(history_value, str):
        _check_loads(where, base, plan, None, "")  # the plan loader names the missing or bad key
        raise InputError(f"{where}: agents must name an existing agents CSV")
    if not Path(history_value).is_file():
        raise InputError(f"{where}: history must name an existing history file (looked for {history_value})")
    try:
        agents_text = agents_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{where}: {agents_path.name} is not UTF-8 text") from None
    if entry is not None and "add_agents" in entry.value:
        groups = _agent_groups(entry.child("add_agents"), agents_text, agents_path.name)
    scenario = Scenario(key=key, scenario_id=ident, site=site, plan=plan, history_path=Path(history_value),
                        agents_name=agents_path.name, agents_text=agents_text, groups=groups)
    search = scenario.search
    _check_loads(where, base, plan, scenario, scenario.agents_csv(search.max_count if search else None))
    return scenario


def _check_loads(where: str, base: Path, plan: dict[str, Any], scenario: Scenario | None, agents: str) -> None:
    """Load the merged plan with the plan's own loader (written beside a copy of its agents file)."""
    with tempfile.TemporaryDirectory(prefix="wfm-sweep-check-") as folder:
        merged = dict(plan)
        if scenario is not None:
            (Path(folder) / scenario.agents_name).write_text(agents, encoding="utf-8", newline="")
            merged["agents"] = scenario.agents_name
        target = Path(folder) / base.name
        target.write_text(yaml.safe_dump(merged, sort_keys=False, allow_unicode=True), encoding="utf-8")
        try:
            load_config(target)
        except InputError as error:
            raise InputError(f"{where}: {error}") from None


def _agent_groups(node: _Where, agents_text: str, agents_name: str) -> tuple[AgentGroup, ...]:
    items = node.items() if isinstance(node.value, list) else [node]
    rows = list(csv.DictReader(io.StringIO(agents_text.lstrip("\ufeff"))))
    header = list(rows[0].keys()) if rows else next(csv.reader(io.StringIO(agents_text.lstrip("\ufeff"))), [])
    known = {(row.get("agent_id") or "").strip(): row for row in rows}
    groups: list[AgentGroup] = []
    for item in items:
        data = item.mapping(AGENT_GROUP_KEYS)
        if "count" not in data:
            raise item.fail("must give count (a whole number, or search)")
        template: dict[str, str] = {}
        if "like" in data:
            like = str(data["like"]).strip()
            if like not in known:
                raise item.child("like").fail(f"must name an agent of {agents_name}")
            template = {k: v or "" for k, v in known[like].items() if k is not None}
        elif "contract" not in data or "skills" not in data:
            raise item.fail("must give like (an agent to copy) or contract and skills")
        if "contract" in data:
            template["contract"] = item.child("contract").text()
        if "skills" in data:
            skills = data["skills"]
            template["skills"] = ";".join(str(s).strip() for s in skills) if isinstance(skills, list) \
                else item.child("skills").text()
        if "availability" in data:
            template["availability"] = str(data["availability"] or "")
        prefix = item.child("id_prefix").text() if "id_prefix" in data else "NEW"
        if data["count"] == SEARCH:
            low = item.child("min").whole(0, MAX_ADDED_AGENTS) if "min" in data else 0
            high = item.child("max").whole(low + 1, MAX_ADDED_AGENTS) if "max" in data else max(low + 1, len(rows))
            count: int | None = None
        else:
            if "min" in data or "max" in data:
                raise item.fail("may give min and max only with count: search")
            count = low = high = item.child("count").whole(0, MAX_ADDED_AGENTS)
        row = tuple((column, template.get(column, "")) for column in header if column != "agent_id")
        new_ids = {f"{prefix}{n:0{max(3, len(str(high)))}d}" for n in range(1, high + 1)}
        clash = sorted(new_ids & set(known))
        if clash:
            raise item.child("id_prefix").fail(f"gives the id {clash[0]} an agent of {agents_name} has "
                                               "(set another id_prefix)")
        groups.append(AgentGroup(count=count, row=row, id_prefix=prefix, min_count=low, max_count=high))
    if sum(g.is_search for g in groups) > 1:
        raise node.fail("may search the count of one group only")
    prefixes = [g.id_prefix for g in groups]
    if len(set(prefixes)) != len(prefixes):
        raise node.fail("must give each group its own id_prefix")
    return tuple(groups)
