"""Levels for the example centre (``wfm example --levels``): junior, mid, senior and lead agents, a skill
proficiency per agent and skill in the agents CSV, and a hard floor rule: at least one lead on the floor
whenever the centre is open.

Leads are full-time agents free to work any day and time (without approved leave where there are enough),
``LEAD_SHARE`` of the agents and at least ``MIN_LEADS``: with breaks and lunches, covering every open interval
of the week takes about three lead shifts per weekday. The other agents are split over junior, mid and senior
by ``LEVEL_MIX``; each skill's proficiency is the level's typical value (``PROFICIENCY``) with a seeded spread
of ``PROFICIENCY_SPREAD``, rounded to 0.05.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

LEVELS = ("junior", "mid", "senior", "lead")
PROFICIENCY = {"junior": 0.8, "mid": 0.95, "senior": 1.1, "lead": 1.15}
PROFICIENCY_SPREAD = 0.05
LEVEL_MIX = (("junior", 0.35), ("mid", 0.4), ("senior", 0.25))
LEAD_SHARE = 0.1
MIN_LEADS = 5
FLOOR_RULE_ID = "lead_on_floor"


def with_levels(agents_csv: str, plan_yaml: str, seed: int) -> tuple[str, str]:
    """The example's agents CSV with a ``level`` column and proficiencies, and its plan with ``levels[]``
    and the lead floor rule (deterministic for a seed)."""
    rows = list(csv.DictReader(io.StringIO(agents_csv)))
    rng = np.random.default_rng([seed, 16])
    order = [int(i) for i in rng.permutation(len(rows))]
    free = [i for i in order if rows[i]["contract"] == "full_time" and not rows[i]["availability"]]
    free.sort(key=lambda i: bool(rows[i]["time_off"]))  # stable: agents without leave first, seeded otherwise
    leads = set(free[:min(len(free), max(MIN_LEADS, math.ceil(LEAD_SHARE * len(rows))))])
    others = [i for i in order if i not in leads]
    level_of = {i: "lead" for i in leads}
    bounds = np.cumsum([share for _, share in LEVEL_MIX]) * len(others)
    for position, i in enumerate(others):
        level_of[i] = LEVEL_MIX[int(np.searchsorted(bounds, position, side="right"))][0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("agent_id", "contract", "skills", "availability", "time_off", "level"))
    for i, row in enumerate(rows):
        level = level_of[i]
        skills = []
        for skill in row["skills"].split(";"):
            value = PROFICIENCY[level] + float(rng.uniform(-PROFICIENCY_SPREAD, PROFICIENCY_SPREAD))
            skills.append(f"{skill}:{round(value * 20) / 20:g}")
        writer.writerow((row["agent_id"], row["contract"], ";".join(skills), row["availability"], row["time_off"],
                         level))
    lines = ["levels:  # from the most junior up",
             *(f"  - {{id: {level}, default_proficiency: {PROFICIENCY[level]:g}}}" for level in LEVELS),
             "floor_rules:",
             f"  - id: {FLOOR_RULE_ID}  # a lead on the floor whenever the centre is open",
             "    level: lead",
             "    min_agents: 1",
             "    hard: true"]
    return out.getvalue(), plan_yaml + "\n".join(lines) + "\n"
