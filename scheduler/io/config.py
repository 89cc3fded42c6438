"""Load and validate a plan YAML once, into ``scheduler.domain.plan.PlanConfig``.

Every error is a one-line ``InputError`` naming the file, the key path and the bad value, e.g.
``plan.yaml: shift_templates[1].breaks[0].minutes must be > 0, got -15``. The file format is documented
in ``docs/config.md``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from forecasting.queueing.limits import (
    MAX_AHT_SECONDS,
    MAX_ANSWER_SECONDS,
    MAX_PATIENCE_SECONDS,
    MIN_MAX_OCCUPANCY,
)
from forecasting.ranges import TIMESTAMP_RANGE_TEXT, date_in_range
from forecasting.service import MODEL_NAMES as FORECAST_MODELS
from forecasting.untrusted import MAX_EXCERPT_CHARS, excerpt, id_problem, regular_file
from scheduler.domain.clock import CLOCK_PATTERN, minute_to_clock, parse_window
from scheduler.domain.plan import (
    MAX_SHIFT_END_MINUTE,
    MINUTES_PER_DAY,
    WEEKDAYS,
    Activity,
    Agent,
    Bot,
    BreakRule,
    Contract,
    Fairness,
    ObjectiveWeights,
    OpeningHours,
    PlanConfig,
    QualityGates,
    Queue,
    ShiftTemplate,
    SolverSettings,
    TimeWindow,
)
from scheduler.errors import InputError
from scheduler.io.agents_csv import load_agents
from scheduler.io.horizon_config import HORIZON_CONTRACT_KEYS, horizon_contract_keys, horizon_weeks
from scheduler.io.levels import check_min_levels, eligible_agents, parse_floor_rules, parse_levels, parse_ratio_rules

CHANNELS = ("voice", "chat", "email", "social", "backoffice")
# Channels where an agent handles one contact at a time; only chat may have concurrency above 1.
SINGLE_CONTACT_CHANNELS = ("voice", "email", "social", "backoffice")
# Channels that may be deferred (``deadline_minutes``); back-office work always is. A bot may front chat and social.
DEFERRED_CHANNELS = ("email", "social", "backoffice")
DEADLINE_COVERS = ("cumulative", "interval")
BOT_CHANNELS = ("chat", "social")
DEADLINE_CLOCKS = ("open_hours", "elapsed")
BOT_ESCALATION = ("open_hours",)
MAX_DEADLINE_MINUTES = 7 * 24 * 60
BREAK_KINDS = ("break", "lunch")
INTERVAL_CHOICES_MINUTES = (5, 10, 15, 30, 60)
# The model checks rest only between shifts on consecutive days; with shifts inside one day, two days apart
# always leave at least 24 h, so a longer minimum could not be enforced.
MAX_MIN_REST_HOURS = 24
WEEKDAY_NAMES: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ISO_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Documented ranges (docs/config.md). Objective weights and costs stay far inside what CP-SAT's int64
# coefficients and the JSON outputs can hold: a weight times a week of agent-minutes of a large centre
# stays below 1e15.
MAX_WEIGHT = 1_000_000
MAX_HOURLY_COST = 10_000.0
MAX_TIME_LIMIT_SECONDS = 7 * 24 * 3600.0
MAX_SEED = 1_000_000_000
MAX_WORKERS = 64
MAX_AGENTS_ON_BREAK = 100_000
MAX_UNDERSTAFFING_GROWTH = 1_000.0
MAX_FORECAST_FACTOR = 100.0  # forecast.volume_factor and forecast.aht_factor (what-if scaling)
# Nesting deeper than this in a plan YAML is refused (no real plan nests more than a few levels).
MAX_YAML_DEPTH = 50
# Spaces and tabs ending a line (before LF, CRLF, CR or the end of the text).
TRAILING_BLANKS = re.compile(r"[ \t]+(?=\r\n|\n|\r|\Z)")
# A percentage typed where a fraction is asked for (``service_level_target: 80%``).
PERCENT_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class _Loader(yaml.SafeLoader):
    """Safe YAML with dates kept as text (checked by ``_Node.iso_date``, so a bad date names its key), times
    typed without quotes (``8:00``, a base-60 number to YAML 1.1) kept as text, and bad ``!!int`` / ``!!float``
    values reported as YAML errors with their line."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.YAMLError(f"nested more than {MAX_YAML_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def flatten_mapping(self, node: Any) -> None:
        """A key given twice in one mapping is an error (YAML readers would keep the last one silently: a second
        ``shrinkage:`` added below the first would win unseen). Checked on the mapping as written, the first time
        it is flattened: flattening puts the keys of its merges (``<<: *anchor``) in front of its own, and a
        mapping reached first through a merge is flattened again when its alias is built."""
        seen: set[int] = self.__dict__.setdefault("_keys_checked", set())
        if id(node) not in seen:
            seen.add(id(node))
            first_line: dict[str, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                if key_node.value in first_line:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {excerpt(key_node.value)} appears twice (first on line "
                                    f"{first_line[key_node.value]})", key_node.start_mark)
                first_line[key_node.value] = key_node.start_mark.line + 1
        super().flatten_mapping(node)


def _meant(key: str, allowed: tuple[str, ...]) -> str:
    """A hint for a key typed by hand: the allowed key it spells but for case, spaces or hyphens (``TimeZone``,
    ``Max Occupancy``), else a close one (``max_occupncy``)."""
    plain = key.strip().lower().replace(" ", "_").replace("-", "_")
    same = [a for a in allowed if a.replace("_", "") == plain.replace("_", "")]
    if same:
        return f"; keys are lower case with underscores: {same[0]!r}"
    close = difflib.get_close_matches(plain, allowed, n=1, cutoff=0.8)
    return f"; did you mean {close[0]!r}?" if close else ""


def _scalar_or_fail(kind: str, construct: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def build(loader: Any, node: Any) -> Any:
        if ":" in str(node.value):  # YAML 1.1's base-60 numbers: ``8:00`` is the time typed, not 480
            return loader.construct_yaml_str(node)
        try:
            return construct(loader, node)
        except (ValueError, OverflowError):
            raise yaml.constructor.ConstructorError(
                None, None, f"{str(node.value)[:40]!r} is not a valid {kind}", node.start_mark) from None
    return build


def _date_as_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    return loader.construct_yaml_str(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)
_Loader.add_constructor("tag:yaml.org,2002:int", _scalar_or_fail("whole number", yaml.SafeLoader.construct_yaml_int))
_Loader.add_constructor("tag:yaml.org,2002:float", _scalar_or_fail("number", yaml.SafeLoader.construct_yaml_float))


class _Node:
    """A YAML value together with its key path, so every error can name where it is. ``file`` None: a
    command-line option, named by ``path`` alone (``--seed``)."""

    def __init__(self, file: Path | None, path: str, value: Any) -> None:
        self.file, self.path, self.value = file, path, value

    def fail(self, rule: str) -> InputError:
        shown = self.value
        if isinstance(shown, (dict, list)) or not self.path:
            # The top level is the whole file: a file named by mistake (/etc/passwd) is never echoed.
            got = repr(type(shown).__name__)
        elif isinstance(shown, (date, str)):
            got = excerpt(str(shown))
        else:
            got = excerpt(shown)
        return InputError(f"{self.prefix}{self.path or '(top level)'} {rule}, got {got}")

    @property
    def prefix(self) -> str:
        """``plan.yaml: `` before a message, or nothing for a command-line option."""
        return "" if self.file is None else f"{self.file.name}: "

    def child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def mapping(self, allowed: tuple[str, ...]) -> dict[str, Any]:
        if self.value is None:  # a key with nothing under it, e.g. "objective:": an empty section
            self.value = {}
        if not isinstance(self.value, dict):
            raise self.fail("must be a mapping")
        for key in self.value:
            if key not in allowed:
                # the key the file gave is cut, not the path to it (a nested typo kept its name)
                named = excerpt(self.child_path(str(key)), len(self.path) + 1 + MAX_EXCERPT_CHARS)
                raise InputError(
                    f"{self.prefix}unknown key {named} "
                    f"(expected one of: {', '.join(allowed)}{_meant(str(key), allowed)})"
                )
        return self.value

    def get(self, key: str, default: Any = ...) -> _Node:
        data = self.value if isinstance(self.value, dict) else {}
        if key not in data:
            if default is ...:
                raise InputError(f"{self.prefix}missing key {self.child_path(key)!r}")
            return _Node(self.file, self.child_path(key), default)
        return _Node(self.file, self.child_path(key), data[key])

    def items(self) -> list[_Node]:
        if not isinstance(self.value, list) or not self.value:
            raise self.fail("must be a non-empty list")
        return [_Node(self.file, self.child_path(i), v) for i, v in enumerate(self.value)]

    def string(self) -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            raise self.fail("must be a non-empty string")
        return self.value.strip()

    def identifier(self) -> str:
        """A non-empty id that is written to output files (see ``forecasting.untrusted.id_problem``)."""
        text = self.string()
        problem = id_problem(text)
        if problem:
            raise InputError(f"{self.prefix}{self.path} {excerpt(text)} {problem}")
        return text

    def number(self, low: float | None = None, high: float | None = None, *, open_low: bool = False) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            percent = PERCENT_PATTERN.match(self.value) if isinstance(self.value, str) else None
            hint = f"; write a percentage as a fraction: {float(percent.group(1)) / 100:g}" if percent else ""
            raise InputError(f"{self.fail('must be a number')}{hint}")
        v = float(self.value)
        if not math.isfinite(v):
            raise self.fail("must be a finite number")
        if low is not None and (v <= low if open_low else v < low):
            raise self.fail(f"must be {'>' if open_low else '>='} {low:g}")
        if high is not None and v > high:
            raise self.fail(f"must be <= {high:g}")
        return v

    def integer(self, low: int | None = None, high: int | None = None) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.fail("must be a whole number")
        if low is not None and self.value < low:
            raise self.fail(f"must be >= {low}")
        if high is not None and self.value > high:
            raise self.fail(f"must be <= {high}")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail("must be true or false")
        return self.value

    def clock_minute(self, allow_midnight_end: bool = False, *, allow_next_day: bool = False) -> int:
        """``HH:MM`` as minutes after midnight; ``24:00`` with ``allow_midnight_end``; ``allow_next_day``: up to
        ``MAX_SHIFT_END_MINUTE`` (``30:00`` is 06:00 the next day)."""
        text = self.value if isinstance(self.value, str) else ""
        m = CLOCK_PATTERN.match(text.strip())
        what = "a time of day HH:MM"
        if allow_next_day:
            what = f"a time HH:MM up to {minute_to_clock(MAX_SHIFT_END_MINUTE)}"
        if not m:
            raise self.fail(f"must be {what}")
        hours, minutes = int(m.group(1)), int(m.group(2))
        total = hours * 60 + minutes
        limit = MAX_SHIFT_END_MINUTE if allow_next_day else MINUTES_PER_DAY if allow_midnight_end else \
            MINUTES_PER_DAY - 1
        if minutes >= 60 or total > limit:
            raise self.fail(f"must be {what}")
        return total

    def iso_date(self) -> date:
        # YAML reads an unquoted date as a date and a date with a time as a datetime (a date subclass)
        if isinstance(self.value, datetime):
            raise self.fail("must be a date YYYY-MM-DD without a time of day")
        if isinstance(self.value, date):
            return self._in_range(self.value)
        text = self.value.strip() if isinstance(self.value, str) else ""
        if ISO_DATE_PATTERN.match(text[:10]) and len(text) > 10 and text[10] in "Tt ":
            raise self.fail("must be a date YYYY-MM-DD without a time of day")
        try:
            if not ISO_DATE_PATTERN.match(text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            raise self.fail("must be a date YYYY-MM-DD") from None
        return self._in_range(day)

    def _in_range(self, day: date) -> date:
        if not date_in_range(day):
            raise self.fail(f"must be {TIMESTAMP_RANGE_TEXT}")
        return day

    def multiple_of(self, value: int, step: int, what: str) -> int:
        if value % step:
            raise self.fail(f"must be a multiple of {what} ({step} min)")
        return value


def _weekday(node: _Node) -> int:
    """``mon`` or ``monday`` (any case) -> 0."""
    text = node.value.strip().lower() if isinstance(node.value, str) else ""
    if text in WEEKDAYS:
        return WEEKDAYS.index(text)
    if text in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.index(text)
    raise node.fail(f"must be a weekday ({', '.join(WEEKDAYS)} or the full name, e.g. monday)")


def _weekday_list(node: _Node) -> tuple[int, ...]:
    if not isinstance(node.value, list) or not node.value:
        raise node.fail(f"must be a non-empty list of weekdays ({', '.join(WEEKDAYS)})")
    return tuple(sorted({_weekday(item) for item in node.items()}))


def _opening_hours(node: _Node, interval_minutes: int) -> OpeningHours:
    data = node.mapping(WEEKDAYS)
    windows: list[TimeWindow | None] = []
    for day in WEEKDAYS:
        child = _Node(node.file, node.child_path(day), data.get(day, "closed"))
        try:
            window = parse_window(str(child.value))
        except ValueError:
            raise child.fail('must be "HH:MM-HH:MM" (end after start) or "closed"') from None
        if window and (window.start_minute % interval_minutes or window.end_minute % interval_minutes):
            raise child.fail(f"must start and end on the {interval_minutes}-minute interval grid")
        windows.append(window)
    if all(w is None for w in windows):
        raise node.fail("must open on at least one day")
    return OpeningHours(tuple(windows))


def _queue(node: _Node, interval_minutes: int, centre_hours: OpeningHours) -> Queue:
    node.mapping(
        ("id", "channel", "service_level_target", "answer_seconds", "default_aht_seconds", "max_occupancy",
         "concurrency", "opening_hours", "patience_seconds", "deadline_minutes", "deadline_clock", "bot",
         "min_level", "deadline_cover")
    )
    channel = node.get("channel").string()
    if channel not in CHANNELS:
        raise node.get("channel").fail(f"must be one of {', '.join(CHANNELS)}")
    max_occ = node.get("max_occupancy", None)
    patience = node.get("patience_seconds", None)
    hours = node.get("opening_hours", None)
    concurrency_node = node.get("concurrency", 1)
    concurrency = concurrency_node.integer(1, 20)
    if concurrency > 1 and channel in SINGLE_CONTACT_CHANNELS:
        raise concurrency_node.fail(f"must be 1 on {channel} queues (only chat handles several contacts at once)")
    deadline, clock = _deadline(node, channel, interval_minutes)
    bot_node = node.get("bot", None)
    return Queue(
        queue_id=node.get("id").identifier(),
        channel=channel,
        service_level_target=node.get("service_level_target").number(0.0, 1.0, open_low=True),
        answer_seconds=0.0 if deadline is not None else node.get("answer_seconds").number(0.0, MAX_ANSWER_SECONDS),
        default_aht_seconds=node.get("default_aht_seconds").number(0.0, MAX_AHT_SECONDS, open_low=True),
        max_occupancy=None if max_occ.value is None else max_occ.number(MIN_MAX_OCCUPANCY, 1.0),
        concurrency=concurrency,
        opening_hours=centre_hours if hours.value is None else _opening_hours(hours, interval_minutes),
        patience_seconds=None if patience.value is None else patience.number(0.0, MAX_PATIENCE_SECONDS,
                                                                             open_low=True),
        deadline_minutes=deadline,
        deadline_clock=clock,
        bot=None if bot_node.value is None else _bot(bot_node, channel, interval_minutes),
        min_level=None if node.get("min_level", None).value is None else node.get("min_level").string(),
        deadline_cover=_deadline_cover(node, deadline),
    )


def _deadline_cover(node: _Node, deadline: int | None) -> str:
    """``deadline_cover`` of a queue: how the roster covers a deferred queue's work (deferred queues only)."""
    cover = node.get("deadline_cover", None)
    if cover.value is None:
        return "cumulative" if deadline is not None else "interval"  # measured in the README, *The cushion*
    if deadline is None:
        raise cover.fail("is only for deferred queues (ones with deadline_minutes)")
    value = cover.string()
    if value not in DEADLINE_COVERS:
        raise cover.fail(f"must be one of {', '.join(DEADLINE_COVERS)}")
    return value


def _deadline(node: _Node, channel: str, interval_minutes: int) -> tuple[int | None, str]:
    """``deadline_minutes`` and ``deadline_clock`` of a queue: set, the queue is deferred, and the live-queue keys
    (``answer_seconds``, ``patience_seconds``, ``max_occupancy``) are refused."""
    deadline_node = node.get("deadline_minutes", None)
    clock_node = node.get("deadline_clock", None)
    if deadline_node.value is None:
        if channel == "backoffice":
            raise InputError(f"{node.prefix}missing key {node.child_path('deadline_minutes')!r} "
                             "(back-office work is always deferred)")
        if clock_node.value is not None:
            raise clock_node.fail("needs deadline_minutes on the same queue")
        return None, "open_hours"
    if channel not in DEFERRED_CHANNELS:
        raise deadline_node.fail(f"is only for {', '.join(DEFERRED_CHANNELS)} queues, not {channel}")
    deadline = deadline_node.integer(interval_minutes, MAX_DEADLINE_MINUTES)
    deadline_node.multiple_of(deadline, interval_minutes, "the interval")
    for key in ("answer_seconds", "patience_seconds", "max_occupancy"):
        live = node.get(key, None)
        if live.value is not None:
            raise live.fail("must not be given on a deferred queue (one with deadline_minutes)")
    clock = "open_hours" if clock_node.value is None else clock_node.string()
    if clock not in DEADLINE_CLOCKS:
        raise clock_node.fail(f"must be one of {', '.join(DEADLINE_CLOCKS)}")
    return deadline, clock


def _bot(node: _Node, channel: str, interval_minutes: int) -> Bot:
    node.mapping(("containment", "escalate_during", "backlog_deadline_minutes"))
    if channel not in BOT_CHANNELS:
        raise node.fail(f"is only for {', '.join(BOT_CHANNELS)} queues, not {channel}")
    escalate = node.get("escalate_during", "open_hours")
    if escalate.string() not in BOT_ESCALATION:
        raise escalate.fail(f"must be one of {', '.join(BOT_ESCALATION)}")
    backlog = node.get("backlog_deadline_minutes", 60)
    minutes = backlog.integer(interval_minutes, MAX_DEADLINE_MINUTES)
    backlog.multiple_of(minutes, interval_minutes, "the interval")
    containment = node.get("containment")
    share = containment.number(0.0, 1.0)
    if share >= 1.0:
        raise containment.fail("must be below 1 (some contacts always escalate)")
    return Bot(containment=share, escalate_during=escalate.string(), backlog_deadline_minutes=minutes)


def _break(node: _Node, interval_minutes: int, length_minutes: int) -> BreakRule:
    node.mapping(("name", "kind", "minutes", "paid", "earliest_after_start_minutes",
                  "latest_after_start_minutes"))
    kind = node.get("kind", "break").string()
    if kind not in BREAK_KINDS:
        raise node.get("kind").fail(f"must be one of {', '.join(BREAK_KINDS)}")
    minutes_node = node.get("minutes")
    minutes = minutes_node.integer(1)
    minutes_node.multiple_of(minutes, interval_minutes, "the interval")
    earliest_node = node.get("earliest_after_start_minutes")
    earliest = earliest_node.multiple_of(earliest_node.integer(0), interval_minutes, "the interval")
    latest_node = node.get("latest_after_start_minutes")
    latest = latest_node.multiple_of(latest_node.integer(earliest), interval_minutes, "the interval")
    if latest + minutes > length_minutes:
        raise latest_node.fail(f"plus the break's {minutes} minutes must fit the shift's {length_minutes}")
    return BreakRule(
        name=node.get("name", kind).string(),
        kind=kind,
        minutes=minutes,
        paid=node.get("paid", kind == "break").boolean(),
        earliest_after_start_minutes=earliest,
        latest_after_start_minutes=latest,
    )


def _template(node: _Node, interval_minutes: int) -> ShiftTemplate:
    node.mapping(("id", "length_minutes", "earliest_start", "latest_start", "start_step_minutes", "days",
                  "breaks", "min_break_gap_minutes"))
    length_node = node.get("length_minutes")
    length = length_node.multiple_of(length_node.integer(1), interval_minutes, "the interval")
    earliest_node, latest_node = node.get("earliest_start"), node.get("latest_start")
    earliest = earliest_node.multiple_of(earliest_node.clock_minute(), interval_minutes, "the interval")
    latest = latest_node.clock_minute()
    if latest < earliest:
        raise latest_node.fail("must not be before earliest_start")
    if latest + length > MAX_SHIFT_END_MINUTE:
        raise latest_node.fail(f"plus length_minutes {length} must end by {minute_to_clock(MAX_SHIFT_END_MINUTE)} "
                               f"(12:00 the day after the start)")
    step_node = node.get("start_step_minutes", interval_minutes)
    step = step_node.multiple_of(step_node.integer(1), interval_minutes, "the interval")
    if (latest - earliest) % step:
        raise latest_node.fail(f"must be earliest_start plus a multiple of start_step_minutes ({step})")
    days = node.get("days", None)
    breaks_node = node.get("breaks", [])
    breaks = tuple(_break(b, interval_minutes, length) for b in breaks_node.items()) if breaks_node.value else ()
    gap_node = node.get("min_break_gap_minutes", 0)
    gap = gap_node.multiple_of(gap_node.integer(0), interval_minutes, "the interval")
    # Each break's earliest possible start, with every break before it taken as early as it can be.
    earliest_start = None
    for i, rule in enumerate(breaks):
        start = rule.earliest_after_start_minutes
        if earliest_start is not None:
            prev = breaks[i - 1]
            start = max(start, earliest_start + prev.minutes + gap)
            if start > rule.latest_after_start_minutes:
                path = f"{breaks_node.child_path(i)}.latest_after_start_minutes"
                raise _Node(node.file, path, rule.latest_after_start_minutes).fail(
                    f"leaves no room: {excerpt(prev.name)} ends at the earliest {earliest_start + prev.minutes} min "
                    f"after the start and the {gap}-minute gap follows it"
                )
        earliest_start = start
    return ShiftTemplate(
        template_id=node.get("id").string(),
        length_minutes=length,
        earliest_start_minute=earliest,
        latest_start_minute=latest,
        start_step_minutes=step,
        weekdays=tuple(range(7)) if days.value is None else _weekday_list(days),
        breaks=breaks,
        min_break_gap_minutes=gap,
    )


def _check_night_opening(node: _Node, templates: tuple[ShiftTemplate, ...], hours: OpeningHours) -> None:
    """A template running past midnight needs the centre open through the night on every weekday it runs: that
    day's ``centre.opening_hours`` to 24:00 and the next day's from 00:00 to the shift's latest end."""
    for i, template in enumerate(templates):
        end = template.last_end_minute
        if end <= MINUTES_PER_DAY:
            continue
        for weekday in template.weekdays:
            window, following = hours.window(weekday), hours.window((weekday + 1) % 7)
            if window is not None and following is not None and window.end_minute == MINUTES_PER_DAY and \
                    following.contains(0, end - MINUTES_PER_DAY):
                continue
            day, next_day = WEEKDAYS[weekday], WEEKDAYS[(weekday + 1) % 7]
            shown = {d: "closed" if w is None else f"{minute_to_clock(w.start_minute)}-{minute_to_clock(w.end_minute)}"
                     for d, w in ((day, window), (next_day, following))}
            raise _Node(node.file, f"{node.child_path(i)}.days", WEEKDAYS[weekday]).fail(
                f"runs {excerpt(template.template_id)} past midnight (to {minute_to_clock(end - MINUTES_PER_DAY)} on "
                f"{next_day}), but centre.opening_hours is {shown[day]} on {day} and {shown[next_day]} on "
                f"{next_day}: a night shift needs the centre open to 24:00 and from 00:00 to its end")


TIME_OFF_COUNTS = ("worked_day", "credit_minimum")  # contracts[].time_off_counts_as


def _contract(node: _Node, templates_by_id: dict[str, ShiftTemplate]) -> Contract:
    node.mapping(("id", "min_weekly_hours", "max_weekly_hours", "max_days_per_week", "min_days_per_week",
                  "min_rest_hours", "max_consecutive_days", "min_consecutive_days_off", "max_weekend_days",
                  "earliest_start", "latest_end", "hourly_cost", "shift_templates", "max_late_shifts_per_week",
                  "late_shift_start", "time_off_counts_as", *HORIZON_CONTRACT_KEYS))
    min_hours = node.get("min_weekly_hours", 0).number(0.0, 168.0)
    max_node = node.get("max_weekly_hours")
    max_hours = max_node.number(0.0, 168.0, open_low=True)
    if min_hours > max_hours:
        raise node.get("min_weekly_hours").fail(f"must not exceed max_weekly_hours ({max_hours:g})")
    templates: list[str] = []
    for item in node.get("shift_templates").items():
        name = item.string()
        if name not in templates_by_id:
            raise item.fail(f"must name a shift template ({', '.join(sorted(templates_by_id))})")
        if name in templates:
            raise item.fail("names a shift template listed before it in this contract")
        templates.append(name)
    rest_node = node.get("min_rest_hours", 0)
    rest_hours = rest_node.number(0.0)
    if rest_hours > MAX_MIN_REST_HOURS:
        raise rest_node.fail(f"must be <= {MAX_MIN_REST_HOURS}: the roster model only enforces rest between "
                             "shifts on consecutive days")
    chosen = [templates_by_id[name] for name in templates] or list(templates_by_id.values())
    # a night shift brings the day after next within reach of the rest: its gap must be kept by construction
    two_day_gap = 2 * MINUTES_PER_DAY + min(t.earliest_start_minute for t in chosen) - max(
        t.last_end_minute for t in chosen) if chosen else 2 * MINUTES_PER_DAY
    if round(rest_hours * 60) > two_day_gap:
        raise rest_node.fail(f"must be <= {two_day_gap / 60:g} with these shift templates: a shift ending at "
                             f"{minute_to_clock(max(t.last_end_minute for t in chosen))} (past midnight) leaves "
                             "that much before the earliest start two days on, and the roster model only enforces "
                             "rest between shifts on consecutive days")
    max_days = node.get("max_days_per_week", 7).integer(1, 7)
    min_days_node = node.get("min_days_per_week", 0)
    min_days = min_days_node.integer(0, 7)
    if min_days > max_days:
        raise min_days_node.fail(f"must not exceed max_days_per_week ({max_days})")
    earliest_node, latest_node = node.get("earliest_start", None), node.get("latest_end", None)
    earliest = None if earliest_node.value is None else earliest_node.clock_minute()
    latest = None if latest_node.value is None else latest_node.clock_minute(allow_next_day=True)
    if earliest is not None and latest is not None and latest <= earliest:
        raise latest_node.fail(f"must be after earliest_start ({minute_to_clock(earliest)})")
    if earliest is not None or latest is not None:
        low, high = earliest or 0, MAX_SHIFT_END_MINUTE if latest is None else latest
        fits = any(low <= start and start + t.length_minutes <= high
                   for t in (templates_by_id[name] for name in templates) for start in t.start_minutes())
        if not fits:
            culprit = latest_node if latest is not None else earliest_node
            raise culprit.fail(f"leaves no start of this contract's shift templates ({', '.join(templates)}) "
                               f"between {minute_to_clock(low)} and {minute_to_clock(high)}")
    late_node = node.get("max_late_shifts_per_week", None)
    late_limit = None if late_node.value is None else late_node.integer(0, 7)
    late_start = node.get("late_shift_start", "14:00").clock_minute()
    counts_node = node.get("time_off_counts_as", "worked_day")
    counts_as = counts_node.string()
    if counts_as not in TIME_OFF_COUNTS:
        raise counts_node.fail(f"must be one of {', '.join(TIME_OFF_COUNTS)}, got {counts_as!r}")
    return Contract(
        contract_id=node.get("id").string(),
        min_weekly_minutes=round(min_hours * 60),
        max_weekly_minutes=round(max_hours * 60),
        max_days_per_week=max_days,
        min_rest_minutes=round(rest_hours * 60),
        max_consecutive_days=node.get("max_consecutive_days", 7).integer(1, 7),
        hourly_cost=node.get("hourly_cost", 0.0).number(0.0, MAX_HOURLY_COST),
        template_ids=tuple(templates),
        min_days_per_week=min_days,
        min_consecutive_days_off=node.get("min_consecutive_days_off", 1).integer(1, 7),
        max_weekend_days=node.get("max_weekend_days", 2).integer(0, 2),
        earliest_start_minute=earliest,
        latest_end_minute=latest,
        max_late_shifts_per_week=late_limit,
        late_shift_start_minute=late_start,
        time_off_counts_as=counts_as,
        **horizon_contract_keys(node, round(min_hours * 60), round(max_hours * 60)),
    )


def _unique(nodes: list[_Node], ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for node, ident in zip(nodes, ids, strict=True):
        if ident in seen:
            raise node.get("id").fail(f"duplicates another {what} id")
        seen.add(ident)


def _section(root: _Node, key: str, build: Callable[[_Node], Any], what: str) -> tuple[Any, ...]:
    nodes = root.get(key).items()
    built = tuple(build(n) for n in nodes)
    _unique(nodes, [n.get("id").string() for n in nodes], what)
    return built


def _fairness(node: _Node) -> Fairness | None:
    if node.value is None:
        return None
    node.mapping(("late_shift_ends_after", "fair_late_shifts", "fair_weekend_days"))
    return Fairness(
        late_end_minute=node.get("late_shift_ends_after", "19:00").clock_minute(allow_midnight_end=True),
        fair_late_shifts=node.get("fair_late_shifts", 7).integer(0, 7),
        fair_weekend_days=node.get("fair_weekend_days", 2).integer(0, 2),
    )


def _activity(node: _Node, interval_minutes: int, agents: tuple[Agent, ...]) -> Activity:
    node.mapping(("id", "minutes", "agents", "days", "earliest", "latest_end", "together"))
    id_node = node.get("id")
    activity_id = id_node.identifier()
    if activity_id in ("shift", *BREAK_KINDS):
        raise id_node.fail("must differ from the roster's other activity names (shift, break, lunch)")
    minutes_node = node.get("minutes")
    minutes = minutes_node.multiple_of(minutes_node.integer(1), interval_minutes, "the interval")
    known = {a.agent_id for a in agents}
    agent_ids: list[str] = []
    for item in node.get("agents").items():
        agent_id = item.value.strip() if isinstance(item.value, str) else str(item.value)
        if agent_id not in known:
            raise item.fail("must name an agent of the agents file")
        if agent_id in agent_ids:
            raise item.fail("names an agent listed before it in this activity")
        agent_ids.append(agent_id)
    days = node.get("days", None)
    earliest_node = node.get("earliest", "00:00")
    earliest = earliest_node.multiple_of(earliest_node.clock_minute(), interval_minutes, "the interval")
    latest_node = node.get("latest_end", "24:00")
    latest = latest_node.multiple_of(latest_node.clock_minute(allow_midnight_end=True), interval_minutes,
                                     "the interval")
    if latest - earliest < minutes:
        raise latest_node.fail(f"leaves less than the activity's {minutes} minutes after earliest "
                               f"({minute_to_clock(earliest)})")
    return Activity(
        activity_id=activity_id,
        minutes=minutes,
        agent_ids=tuple(agent_ids),
        weekdays=tuple(range(7)) if days.value is None else _weekday_list(days),
        window=TimeWindow(earliest, latest),
        together=node.get("together").boolean(),
    )


TOP_LEVEL_KEYS = ("centre", "history", "agents", "holidays", "forecast", "queues", "shrinkage",
                  "shift_templates", "contracts", "objective", "solver", "quality_gates", "fairness", "activities",
                  "events", "special_days",
                  "levels", "floor_rules", "ratio_rules")
MAKE_UP_DAY_HOURS = ("weekday", "weekend")


def load_config(path: Path | str) -> PlanConfig:
    """Read, validate and resolve a plan YAML (paths inside it are relative to the YAML's folder)."""
    path = Path(path)
    regular_file(path, "config file")
    try:
        # spaces and tabs at a line's end are nothing to YAML, but PyYAML stops at a tab there; only they go (a
        # split on str.splitlines' breaks would turn a form feed, refused by YAML, or a U+2028 in a name into a line)
        text = TRAILING_BLANKS.sub("", path.read_text(encoding="utf-8"))
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except RecursionError:
        raise InputError(f"{path.name}: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["invalid YAML"])[0][:100]
        tab = "; YAML indents and separates with spaces, not tabs: replace the tab" if "'\\t'" in problem else ""
        context = getattr(exc, "context_mark", None)
        if (mark is not None and context is not None and context.line < mark.line
                and getattr(exc, "context", None) == "while scanning a simple key"):
            # a key without its ':' (``interval_minutes 15``): PyYAML notices on the next line, but names the key's
            where = f" line {context.line + 1}"
            problem = f"{problem} after the key there (YAML stopped at line {mark.line + 1})"
        raise InputError(f"{path.name}:{where} {problem}{tab}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not UTF-8 text") from None
    if raw is None:
        raise InputError(f"{path.name}: the file is empty")
    root = _Node(path, "", raw)
    root.mapping(TOP_LEVEL_KEYS)

    centre = root.get("centre")
    centre.mapping(("name", "timezone", "interval_minutes", "opening_hours", "max_agents_on_break", "make_up_days"))
    interval_node = centre.get("interval_minutes", 15)
    interval = interval_node.integer()
    if interval not in INTERVAL_CHOICES_MINUTES:
        raise interval_node.fail(f"must be one of {', '.join(map(str, INTERVAL_CHOICES_MINUTES))}")
    hours = _opening_hours(centre.get("opening_hours"), interval)

    queues = _section(root, "queues", lambda n: _queue(n, interval, hours), "queue")
    templates = _section(root, "shift_templates", lambda n: _template(n, interval), "shift template")
    templates_by_id = {t.template_id: t for t in templates}
    _check_night_opening(root.get("shift_templates"), templates, hours)
    contracts = _section(root, "contracts", lambda n: _contract(n, templates_by_id), "contract")

    forecast = root.get("forecast", {})
    forecast.mapping(("history_weeks", "week_start", "model", "volume_factor", "aht_factor", "weeks"))
    model_node = forecast.get("model", "smoothed_profile")
    if model_node.string() not in FORECAST_MODELS:
        raise model_node.fail(f"must be one of {', '.join(FORECAST_MODELS)}")
    week_start_node = forecast.get("week_start", None)
    week_start = None if week_start_node.value is None else week_start_node.iso_date()
    if week_start is not None and week_start.weekday() != 0:
        raise week_start_node.fail("must be a Monday")
    holidays_node = root.get("holidays", [])
    holidays: tuple[date, ...] = ()
    holiday_country = None
    if isinstance(holidays_node.value, str):
        holiday_country = _holiday_country(holidays_node)
    elif holidays_node.value:
        holidays = tuple(h.iso_date() for h in holidays_node.items())

    base = path.parent
    history_path = base / root.get("history").string()
    agents_node = root.get("agents")
    agents_path = base / agents_node.string()
    if not agents_path.exists():
        raise agents_node.fail(f"must name an existing agents CSV (looked for {agents_path})")
    levels = parse_levels(root)
    check_min_levels(root, queues, levels)
    agents = load_agents(agents_path, {q.queue_id for q in queues}, {c.contract_id for c in contracts},
                         {level.level_id: level.default_proficiency for level in levels})
    agents = eligible_agents(agents, queues, levels, agents_path.name)

    activities_node = root.get("activities", None)
    activities = () if not activities_node.value else _section(
        root, "activities", lambda n: _activity(n, interval, agents), "activity")

    objective = root.get("objective", {})
    objective.mapping(("understaffed_agent_interval", "overstaffed_agent_interval", "paid_hour", "unmet_preference",
                       "start_change_hour", "changed_shift", "moved_break", "unfair_shift", "service_level",
                       "min_interval_service_level", "weekly_shortfall_contact", "weekly_floor",
                       "weekly_start"))
    defaults = ObjectiveWeights()
    weights = ObjectiveWeights(
        understaffed_agent_interval=objective.get(
            "understaffed_agent_interval", defaults.understaffed_agent_interval).integer(0, MAX_WEIGHT),
        overstaffed_agent_interval=objective.get(
            "overstaffed_agent_interval", defaults.overstaffed_agent_interval).integer(0, MAX_WEIGHT),
        paid_hour=objective.get("paid_hour", defaults.paid_hour).integer(0, MAX_WEIGHT),
        unmet_preference=objective.get("unmet_preference", defaults.unmet_preference).integer(0, MAX_WEIGHT),
        start_change_hour=objective.get("start_change_hour", defaults.start_change_hour).integer(0, MAX_WEIGHT),
        changed_shift=objective.get("changed_shift", defaults.changed_shift).integer(0, MAX_WEIGHT),
        moved_break=objective.get("moved_break", defaults.moved_break).integer(0, MAX_WEIGHT),
        unfair_shift=objective.get("unfair_shift", defaults.unfair_shift).integer(0, MAX_WEIGHT),
        **_service_level_keys(objective, defaults),
    )
    solver = root.get("solver", {})
    solver.mapping(("time_limit_seconds", "seed", "workers", "deterministic", "proficiency_cover"))
    sdef = SolverSettings()
    settings = SolverSettings(
        time_limit_seconds=_time_limit(solver.get("time_limit_seconds", sdef.time_limit_seconds)),
        seed=_seed(solver.get("seed", sdef.seed)),
        workers=_workers(solver.get("workers", sdef.workers)),
        deterministic=solver.get("deterministic", sdef.deterministic).boolean(),
        proficiency_cover=None if solver.get("proficiency_cover", None).value is None  # unset: automatic
        else solver.get("proficiency_cover").boolean(),
    )
    if settings.proficiency_cover and weights.service_level == "weekly":
        # the weekly mode's curves and exact scoring count whole heads per queue, not weighted capacity
        raise solver.get("proficiency_cover").fail("cannot be combined with objective.service_level: weekly")
    gates = root.get("quality_gates", {})
    gates.mapping(("service_level_drop", "understaffing_growth"))
    gdef = QualityGates()
    quality = QualityGates(
        service_level_drop=gates.get("service_level_drop", gdef.service_level_drop).number(0.0, 1.0),
        understaffing_growth=gates.get("understaffing_growth", gdef.understaffing_growth).number(
            0.0, MAX_UNDERSTAFFING_GROWTH),
    )
    return PlanConfig(
        source=path,
        name=str(centre.get("name", path.stem).value),
        timezone=_timezone(centre.get("timezone", "UTC")),
        interval_minutes=interval,
        opening_hours=hours,
        max_agents_on_break=(None if centre.get("max_agents_on_break", None).value is None
                             else centre.get("max_agents_on_break").integer(1, MAX_AGENTS_ON_BREAK)),
        history_path=history_path,
        agents_path=agents_path,
        holidays=holidays,
        holiday_country=holiday_country,
        history_weeks=forecast.get("history_weeks", 8).integer(1, 104),
        forecast_model=model_node.string(),
        volume_factor=forecast.get("volume_factor", 1.0).number(0.0, MAX_FORECAST_FACTOR, open_low=True),
        aht_factor=forecast.get("aht_factor", 1.0).number(0.0, MAX_FORECAST_FACTOR, open_low=True),
        fairness=_fairness(root.get("fairness", None)),
        **_calendar_keys(root, centre),
        activities=activities,
        levels=levels,
        floor_rules=parse_floor_rules(root, levels, queues, agents),
        ratio_rules=parse_ratio_rules(root, levels, queues),
        week_start=week_start,
        weeks=horizon_weeks(forecast.get("weeks", 1)),
        queues=queues,
        shrinkage=root.get("shrinkage", 0.0).number(0.0, 0.95),
        templates=templates,
        contracts=contracts,
        agents=agents,
        weights=weights,
        solver=settings,
        quality_gates=quality,
    )


SERVICE_LEVEL_MODES = ("interval", "weekly")
WEEKLY_FLOORS = ("tangent", "level")
WEEKLY_STARTS = ("envelope", "level")


def _service_level_keys(objective: _Node, defaults: ObjectiveWeights) -> dict[str, Any]:
    """``objective.service_level`` (a mode), ``min_interval_service_level`` (a share in [0, 1)) and
    ``weekly_shortfall_contact`` (a weight); the last two only mean something in the weekly mode."""
    mode = objective.get("service_level", defaults.service_level)
    if mode.string() not in SERVICE_LEVEL_MODES:
        raise mode.fail(f"must be one of {', '.join(SERVICE_LEVEL_MODES)}")
    floor = objective.get("min_interval_service_level", defaults.min_interval_service_level)
    level = floor.number(0.0, 1.0)
    if level >= 1.0:
        raise floor.fail("must be < 1")
    weekly_floor = objective.get("weekly_floor", defaults.weekly_floor)
    if weekly_floor.string() not in WEEKLY_FLOORS:
        raise weekly_floor.fail(f"must be one of {', '.join(WEEKLY_FLOORS)}")
    weekly_start = objective.get("weekly_start", defaults.weekly_start)
    if weekly_start.string() not in WEEKLY_STARTS:
        raise weekly_start.fail(f"must be one of {', '.join(WEEKLY_STARTS)}")
    return {"service_level": mode.string(), "min_interval_service_level": level,
            "weekly_shortfall_contact": objective.get(
                "weekly_shortfall_contact", defaults.weekly_shortfall_contact).integer(1, MAX_WEIGHT),
            "weekly_floor": weekly_floor.string(), "weekly_start": weekly_start.string()}


def _timezone(node: _Node) -> str:
    """``centre.timezone``: an IANA name that ``zoneinfo`` knows (checked here, so the error names plan.yaml's key
    rather than the history that is read with it)."""
    name = node.string()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a region's folder (America) is no zone
        raise node.fail("must be an IANA time zone name like Europe/London") from None
    return name


def _time_limit(node: _Node) -> float:
    return node.number(0.0, MAX_TIME_LIMIT_SECONDS, open_low=True)


def _seed(node: _Node) -> int:
    return node.integer(0, MAX_SEED)


def _workers(node: _Node) -> int:
    return node.integer(1, MAX_WORKERS)


def check_solver_options(time_limit_seconds: float | None, seed: int | None, workers: int | None,
                         wall_limit_seconds: float | None = None) -> None:
    """Check command-line overrides of ``solver:`` with the same rules as the config keys (InputError naming
    the option, e.g. ``--seed must be >= 0, got -1``); None means not given. ``--wall-limit`` has the time
    limit's range."""
    for option, value, check in (("--time-limit", time_limit_seconds, _time_limit), ("--seed", seed, _seed),
                                 ("--workers", workers, _workers), ("--wall-limit", wall_limit_seconds, _time_limit)):
        if value is not None:
            check(_Node(None, option, value))


def _calendar_keys(root: _Node, centre: _Node) -> dict[str, Any]:
    """``events``, ``special_days`` and ``centre.make_up_days`` (docs/config.md, "Holidays, events and
    special days") as ``PlanConfig`` fields."""
    from forecasting.calendar import load_special_days
    from forecasting.events import parse_events

    make_up = centre.get("make_up_days", "weekday")
    if make_up.value not in MAKE_UP_DAY_HOURS:
        raise make_up.fail(f"must be {' or '.join(MAKE_UP_DAY_HOURS)}")
    events = parse_events(root.get("events", None).value, f"{root.prefix}events")
    special_node = root.get("special_days", None)
    special: dict[date, float] = {}
    if isinstance(special_node.value, str):
        special = load_special_days(root.file.parent / special_node.string() if root.file else Path(special_node.value))
    elif isinstance(special_node.value, dict):
        for key, value in special_node.value.items():
            child = _Node(root.file, special_node.child_path(str(key)), value)
            day = _Node(root.file, child.path, key).iso_date()
            if isinstance(value, str) and value.strip().lower() == "closed":
                special[day] = 0.0
            else:
                special[day] = child.number(0.0)
    elif special_node.value is not None:
        raise special_node.fail("must map dates to closed or a multiplier >= 0, or name a CSV file date,effect")
    return {"events": events, "special_days": tuple(sorted(special.items())), "make_up_day_hours": make_up.value}


def _holiday_country(node: _Node) -> str | None:
    """``holidays`` given as text: ``auto``, a country code the ``holidays`` package knows, or ``none`` (None)."""
    from forecasting.calendar import country_holidays

    text = node.string()
    if text.lower() == "none":
        return None
    if text.lower() == "auto":
        return "auto"
    try:
        country_holidays(text, date(2000, 1, 1), date(2000, 1, 1))
    except InputError:
        raise node.fail("must be a list of dates, auto, none or a country code the holidays package knows "
                        "(US, GB, IE, CN, ...)") from None
    return text.upper()
