"""The config's agent levels and the rules on who is on the floor: ``levels[]``, per queue ``min_level``,
``floor_rules[]`` and ``ratio_rules[]``, validated once at load (errors name the key path)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from forecasting.untrusted import excerpt
from scheduler.domain.plan import Agent, FloorRule, Level, Queue, RatioRule
from scheduler.errors import InputError

if TYPE_CHECKING:
    from scheduler.io.config import _Node

MAX_RULE_WEIGHT = 1_000_000
MAX_PER_SENIOR = 100


def parse_levels(root: _Node) -> tuple[Level, ...]:
    """``levels[]``, from the most junior up (none when the key is absent)."""
    node = root.get("levels", None)
    if node.value is None:
        return ()
    levels: list[Level] = []
    for item in node.items():
        item.mapping(("id", "default_proficiency"))
        id_node = item.get("id")
        level_id = id_node.identifier()
        if any(level.level_id == level_id for level in levels):
            raise id_node.fail("duplicates another level id")
        levels.append(Level(level_id, item.get("default_proficiency", 1.0).number(0.0, 5.0, open_low=True)))
    return tuple(levels)


def check_min_levels(root: _Node, queues: tuple[Queue, ...], levels: tuple[Level, ...]) -> None:
    """Every queue's ``min_level`` names a level."""
    known = [level.level_id for level in levels]
    for index, queue in enumerate(queues):
        if queue.min_level is not None and queue.min_level not in known:
            raise root.get("queues").items()[index].get("min_level").fail(_unknown_level(known))


def eligible_agents(agents: tuple[Agent, ...], queues: tuple[Queue, ...], levels: tuple[Level, ...],
                    file_name: str) -> tuple[Agent, ...]:
    """The agents with only the skills their level lets them take: a queue with ``min_level`` is dropped from
    the skills of every agent below that level (an agent without a level ranks as the most junior). An agent
    left with no skill is an input error."""
    rank = {level.level_id: index for index, level in enumerate(levels)}
    minimum = {q.queue_id: rank[q.min_level] for q in queues if q.min_level is not None}
    if not minimum:
        return agents
    eligible = []
    for agent in agents:
        own = rank.get(agent.level or "", 0)
        keep = [i for i, skill in enumerate(agent.skills) if own >= minimum.get(skill, 0)]
        if not keep:
            raise InputError(f"{file_name}: agent {agent.agent_id} (level {agent.level or 'none'}) is skilled only "
                             f"for queues above their level ({', '.join(agent.skills)})")
        if len(keep) < len(agent.skills):
            proficiencies = tuple(agent.proficiencies[i] for i in keep) if agent.proficiencies else ()
            agent = replace(agent, skills=tuple(agent.skills[i] for i in keep), proficiencies=proficiencies)
        eligible.append(agent)
    return tuple(eligible)


def parse_floor_rules(root: _Node, levels: tuple[Level, ...], queues: tuple[Queue, ...],
                      agents: tuple[Agent, ...]) -> tuple[FloorRule, ...]:
    node = root.get("floor_rules", None)
    if node.value is None:
        return ()
    known_levels = [level.level_id for level in levels]
    known_agents = {a.agent_id for a in agents}
    rules: list[FloorRule] = []
    for item in node.items():
        item.mapping(("id", "min_agents", "level", "agents", "queues", "hard", "weight"))
        rule_id = _rule_id(item, [r.rule_id for r in rules])
        level_node, agents_node = item.get("level", None), item.get("agents", None)
        if (level_node.value is None) == (agents_node.value is None):
            raise item.fail("must name exactly one of level and agents")
        level = None
        agent_ids: list[str] = []
        if level_node.value is not None:
            level = level_node.string()
            if level not in known_levels:
                raise level_node.fail(_unknown_level(known_levels))
        else:
            for agent_node in agents_node.items():
                agent_id = str(agent_node.value).strip()
                if agent_id not in known_agents:
                    raise agent_node.fail("must name an agent of the agents file")
                if agent_id in agent_ids:
                    raise agent_node.fail("names an agent listed before it in this rule")
                agent_ids.append(agent_id)
        hard = item.get("hard", True).boolean()
        rules.append(FloorRule(rule_id, item.get("min_agents", 1).integer(1, max(1, len(agents))), level,
                               tuple(agent_ids), _queue_ids(item, queues), hard, _weight(item, hard)))
    return tuple(rules)


def parse_ratio_rules(root: _Node, levels: tuple[Level, ...], queues: tuple[Queue, ...]) -> tuple[RatioRule, ...]:
    node = root.get("ratio_rules", None)
    if node.value is None:
        return ()
    known_levels = [level.level_id for level in levels]
    rules: list[RatioRule] = []
    for item in node.items():
        item.mapping(("id", "junior_level", "senior_level", "max_juniors_per_senior", "queues", "hard", "weight"))
        rule_id = _rule_id(item, [r.rule_id for r in rules])
        named = []
        for key in ("junior_level", "senior_level"):
            level_node = item.get(key)
            if level_node.string() not in known_levels:
                raise level_node.fail(_unknown_level(known_levels))
            named.append(level_node.string())
        if known_levels.index(named[0]) >= known_levels.index(named[1]):
            raise item.get("senior_level").fail(f"must rank above junior_level {named[0]} in levels[]")
        hard = item.get("hard", True).boolean()
        rules.append(RatioRule(rule_id, named[0], named[1],
                               item.get("max_juniors_per_senior").integer(0, MAX_PER_SENIOR),
                               _queue_ids(item, queues), hard, _weight(item, hard)))
    return tuple(rules)


def _rule_id(item: _Node, taken: list[str]) -> str:
    id_node = item.get("id")
    rule_id = id_node.identifier()
    if rule_id in taken:
        raise id_node.fail("duplicates another rule id")
    return rule_id


def _queue_ids(item: _Node, queues: tuple[Queue, ...]) -> tuple[str, ...]:
    node = item.get("queues", None)
    if node.value is None:
        return ()
    known = {q.queue_id for q in queues}
    ids: list[str] = []
    for queue_node in node.items():
        queue_id = str(queue_node.value).strip()
        if queue_id not in known:
            raise queue_node.fail("must name a queue of queues[]")
        if queue_id not in ids:
            ids.append(queue_id)
    return tuple(ids)


def _weight(item: _Node, hard: bool) -> int:
    node = item.get("weight", None)
    if node.value is None:
        if not hard:
            raise InputError(f"{item.prefix}missing key {item.child_path('weight')!r} (a soft rule needs a weight)")
        return 0
    if hard:
        raise node.fail("is only for a soft rule (hard: false)")
    return node.integer(1, MAX_RULE_WEIGHT)


def _unknown_level(known: list[str]) -> str:
    return f"must name a level of levels[] ({', '.join(map(excerpt, known)) if known else 'none defined'})"
