"""The weekly mode's repair within the budget (``search.weekly_repair``, issue 18)."""

from __future__ import annotations

import pytest

from scheduler.domain.roster import Roster
from scheduler.rostering.search import polish as local
from scheduler.rostering.search import weekly_repair
from scheduler.rostering.solve import evaluate
from tests.test_weekly_service_level import WEEK, WEEKLY, _instance, _tiny

# The most one step of the local search charges on the tiny centre below, with margin: a sweep's step with its
# three day-swap checks (``polish.SWAP_CHECK_UNITS`` each), a repaired slot, a trimmed shift, an exchange's drop;
# measured at most 0.01 units.
STEP_UNITS = 0.02
BUDGETS = (0.05, 0.1, 0.2, 0.4, 0.8)


def _short_start(instance) -> Roster:
    """Each agent on one shift, on day ``i % 7``: every weekly target far short, the repair's work."""
    shifts = []
    for index, agent in enumerate(instance.config.agents):
        day = index % 7
        option = local.allowed_options(instance.config, WEEK, agent, day)[0]
        shifts.append(local._with_breaks(agent.agent_id, WEEK.day(day), option)[0])
    return Roster(tuple(shifts))


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory):
    instance = _instance(_tiny(tmp_path_factory.mktemp("c"), ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    return instance, _short_start(instance)


def _polish(instance, start: Roster, budget: float, stopped=lambda spent: False) -> tuple[Roster, float]:
    spent = [0.0]

    def spend(units: float) -> None:
        spent[0] += units

    roster = local.polish(instance, start, units_left=lambda: budget - spent[0], spend=spend,
                          stopped=lambda: stopped(spent[0]))
    return roster, spent[0]


def test_the_weekly_local_search_charges_at_most_its_budget(centre) -> None:
    # the repair scores every short slot on the weekly curves; it was stopped by the wall clock only and its scoring
    # charged after it ran, so a search whose budget ended during the repair charged the whole repair past it
    instance, start = centre
    for budget in BUDGETS:
        _, spent = _polish(instance, start, budget)
        assert spent <= budget + STEP_UNITS


def test_the_weekly_roster_does_not_depend_on_a_generous_wall_cap(centre) -> None:
    # a wall-clock cap that comes after the budget's end, as a clock that runs with the work: 10% past it or
    # three times it, the same roster (the repair outran the budget, so the cap cut it at different points)
    instance, start = centre
    budget = 0.2
    near, _ = _polish(instance, start, budget, stopped=lambda spent: spent > 1.1 * budget)
    far, _ = _polish(instance, start, budget, stopped=lambda spent: spent > 3 * budget)
    assert near == far


def test_the_shortlist_repair_closes_as_much_as_scoring_every_agent(centre) -> None:
    # scored by a shortlist (the estimate's best agents), the repair of a start far short of its targets lowers the
    # objective at least 90% as much as the repair that scores every agent's shifts (``polish._repair``), which
    # charged some 0.075 units per short slot at 150 x 3
    instance, start = centre

    def repaired(repair) -> float:
        polisher = local._Polisher(instance, start)
        while repair(polisher):
            pass
        return _objective(instance, local._roster(polisher))

    before = _objective(instance, start)
    shortlisted = repaired(lambda p: weekly_repair.repair(p, lambda units: None, lambda: False))
    everyone = repaired(lambda p: local._repair(p, lambda units: None))
    assert everyone < before and before - shortlisted >= 0.9 * (before - everyone)


def _objective(instance, roster: Roster) -> float:
    return sum(c.penalty for c in evaluate(instance, roster))


def test_the_estimate_ranks_the_exact_best_change_in_the_shortlist(centre) -> None:
    # for the slots of a short start, the agent whose change the exact scoring finds best is among the shortlist
    instance, start = centre
    polisher = local._Polisher(instance, start)
    paid_weight = instance.config.weights.paid_hour
    checked = 0
    for slot in weekly_repair._largest_first(polisher)[:20]:
        day, minute = divmod(slot, polisher.slots_per_day)
        minute *= polisher.interval
        exact = []
        for agent_id in sorted(polisher.agents):
            current = polisher.by_key.get((agent_id, day))
            candidates = local.covering_candidates(polisher, agent_id, day, minute)
            exact += [(delta, agent_id) for _, _, delta in local.day_change_deltas(
                polisher, agent_id, day, current, candidates, paid_weight)]
        if not exact:
            continue
        checked += 1
        assert min(exact)[1] in weekly_repair._shortlist(polisher, day, minute, lambda units: None)
    assert checked >= 10
