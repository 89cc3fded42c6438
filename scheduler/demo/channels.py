"""The example centre's other channels (``wfm example --channels voice,voice,chat,email,social``).

Each channel of the list becomes a queue: the n-th ``voice`` the n-th voice queue of the default lineup (sales,
service, billing, ...), ``chat`` the chat queue with a bot in front of it (contacts arrive around the clock; the
bot answers ``BOT_CONTAINMENT`` of them and escalations outside the chat's hours wait for the opening), ``email``
a deferred queue answered within a day on the clock (mail arrives all day and night, most in office hours),
``social`` a deferred queue answered within two open hours (messages peak in the evening; open until 22:00 on
weekdays), ``backoffice`` deferred case work due within two open days. A channel named twice gets numbered
queues (``email2``). The skill sets in ``CHANNEL_SKILL_GROUPS`` mix live and deferred queues, so agents blend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

from scheduler.errors import InputError

if TYPE_CHECKING:
    from scheduler.demo.example import QueueProfile

CHANNEL_NAMES = ("voice", "chat", "email", "social", "backoffice")
MAX_CHANNELS = 50
BOT_CONTAINMENT = 0.3
BOT_BACKLOG_DEADLINE_MINUTES = 60
NIGHT_LEVEL = 0.12  # arrivals per interval between 23:00 and 07:00, relative to the daytime shape
INTERVAL_MINUTES = 15
_EMAIL_DAYS = (1.25, 1.10, 1.04, 1.00, 0.95, 0.40, 0.30)
_SOCIAL_DAYS = (1.00, 0.98, 0.98, 1.00, 1.05, 0.60, 0.45)
_SOCIAL_CLOSE = 22 * 60

# Skill sets mixing the channels (relative frequency, as example._SKILL_GROUPS; used when all their queues exist).
CHANNEL_SKILL_GROUPS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("email",), 6.0),
    (("service", "email"), 10.0),
    (("sales", "service", "email"), 6.0),
    (("social",), 4.0),
    (("chat", "social"), 8.0),
    (("email", "social"), 4.0),
    (("backoffice",), 4.0),
    (("service", "backoffice"), 4.0),
)


def parse_channels(text: str | Sequence[str]) -> tuple[str, ...]:
    """``voice,voice,chat`` (or a sequence) as a tuple of channel names; ``InputError`` naming a bad one."""
    items = [c.strip() for c in (text.split(",") if isinstance(text, str) else text)]
    if not items or any(not c for c in items):
        raise InputError(f"--channels must be a comma-separated list of {', '.join(CHANNEL_NAMES)}, got {text!r}")
    bad = [c for c in items if c not in CHANNEL_NAMES]
    if bad:
        raise InputError(f"--channels: unknown channel {bad[0]!r} (expected one of {', '.join(CHANNEL_NAMES)})")
    if len(items) > MAX_CHANNELS:
        raise InputError(f"--channels must name at most {MAX_CHANNELS} queues, got {len(items)}")
    return tuple(items)


def channel_lineup(channels: Sequence[str], default_six: Sequence[QueueProfile],
                   extra_line_bases: Sequence[str]) -> tuple[QueueProfile, ...]:
    """The queue profiles of ``channels``, built from the default six-queue lineup's profiles."""
    channels = parse_channels(channels)
    by_id = {p.queue_id: p for p in default_six}
    voices = [p for p in default_six if p.channel == "voice"]
    chat, billing = by_id["chat"], by_id["billing"]
    made = {
        "chat": replace(chat, all_day=True, bot_containment=BOT_CONTAINMENT),
        "email": replace(billing, queue_id="email", channel="email", service_level_target=0.9, aht_seconds=420,
                         day_weights=_EMAIL_DAYS, peak_hour=10.0, evening_level=0.35, evening_aht_uplift=0.0,
                         deadline_minutes=24 * 60, deadline_clock="elapsed", all_day=True),
        "social": replace(chat, queue_id="social", channel="social", service_level_target=0.9, aht_seconds=300,
                          concurrency=1, weekday_close_minute=_SOCIAL_CLOSE, day_weights=_SOCIAL_DAYS,
                          peak_hour=20.0, shoulder=0.5, evening_level=0.9, deadline_minutes=120,
                          deadline_clock="open_hours", all_day=True),
        "backoffice": replace(billing, queue_id="backoffice", channel="backoffice", service_level_target=0.95,
                              aht_seconds=900, deadline_minutes=2 * 12 * 60, deadline_clock="open_hours"),
    }
    profiles = []
    seen: dict[str, int] = {}
    for channel in channels:
        count = seen.get(channel, 0)
        seen[channel] = count + 1
        if channel == "voice":
            if count < len(voices):
                profiles.append(voices[count])
            else:
                extra = count - len(voices)
                base = extra_line_bases[extra % len(extra_line_bases)]
                profiles.append(replace(by_id[base], queue_id=f"{base}{extra // len(extra_line_bases) + 2}"))
            continue
        profile = made[channel]
        profiles.append(profile if count == 0 else replace(profile, queue_id=f"{profile.queue_id}{count + 1}"))
    return tuple(profiles)


def night_factor(hours: np.ndarray) -> np.ndarray:
    """Multiplier of the intraday shape at ``hours`` (interval midpoints, hours of the day): low at night."""
    return np.where((hours < 7.0) | (hours >= 23.0), NIGHT_LEVEL, 1.0)


def open_in_week(profile: QueueProfile) -> np.ndarray:
    """Per arrival interval of the week (``example._week_intervals`` order), whether the queue is open."""
    masks = []
    for weekday in range(7):
        open_minute, close_minute = profile.hours(weekday)
        starts = np.arange(0, 24 * 60, INTERVAL_MINUTES) if profile.all_day else np.arange(
            open_minute, close_minute, INTERVAL_MINUTES)
        masks.append((starts >= open_minute) & (starts < close_minute))
    return np.concatenate(masks).astype(float)


def channel_queue_yaml(profile: QueueProfile, target: str, max_occupancy: str) -> list[str]:
    """The plan.yaml lines of a deferred queue or of a queue behind a bot (without its opening hours)."""
    lines = [f"  - id: {profile.queue_id}", f"    channel: {profile.channel}",
             f"    service_level_target: {target}"]
    if profile.deadline_minutes is not None:
        lines += [f"    deadline_minutes: {profile.deadline_minutes}", f"    deadline_clock: {profile.deadline_clock}",
                  f"    default_aht_seconds: {profile.aht_seconds}", "    concurrency: 1"]
    else:
        lines += [f"    answer_seconds: {profile.answer_seconds}", f"    default_aht_seconds: {profile.aht_seconds}",
                  f"    max_occupancy: {max_occupancy}", f"    concurrency: {profile.concurrency}"]
    if profile.bot_containment is not None:
        lines.append(f"    bot: {{containment: {profile.bot_containment:g}, escalate_during: open_hours, "
                     f"backlog_deadline_minutes: {BOT_BACKLOG_DEADLINE_MINUTES}}}")
    return lines



@cache
def skipped_minutes(day: date, zone_name: str) -> frozenset[int]:
    """Minutes of ``day`` (on the interval grid) that do not exist in the zone: the hour the clocks skip at the
    spring daylight-saving change (a history row stamped there is refused)."""
    zone = ZoneInfo(zone_name)
    skipped = set()
    for minute in range(0, 24 * 60, INTERVAL_MINUTES):
        local = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)
        back = local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != local:
            skipped.add(minute)
    return frozenset(skipped)
