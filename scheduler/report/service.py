"""The report's service-level prediction and surplus section, from ``kpis.json``'s ``predicted_service_level``
and ``surplus`` (absent in plan folders of older versions: then no section)."""

from __future__ import annotations

from html import escape
from typing import Any

from scheduler.validation.kpis import KPI_FILE, predicted_from, surplus_from, weekly_target_from


def service_section(kpis: dict[str, Any]) -> str:
    """HTML of the section; empty when the plan folder has neither figure."""
    predicted = predicted_from(kpis, KPI_FILE)
    surplus = surplus_from(kpis, KPI_FILE)
    parts = []
    if predicted is not None:
        erlang = kpis.get("service_level", {}).get("by_queue", {})
        targets = kpis.get("service_level_target", {})
        rows = "".join(
            f"<tr><td>{escape(queue)}</td><td>{level:.1%} ± {predicted.ci95_half_width.get(queue, 0) * 100:.1f}</td>"
            f"<td>{_pct(erlang.get(queue))}</td><td>{_pct(targets.get(queue))}</td></tr>"
            for queue, level in predicted.by_queue.items())
        parts.append(
            "<h3>Service level the roster delivers</h3><table><tr><th>queue</th><th>predicted (simulation)</th>"
            "<th>Erlang per queue</th><th>target</th></tr>" + rows + "</table>"
            f'<p class="muted">Predicted: {predicted.replications} simulated weeks of the roster '
            f"({escape(predicted.method)}), "
            f"{predicted.overall:.1%} overall; multi-skilled agents pool across queues. Erlang per queue: each queue "
            "on its own with the heads allocated to it. Check with <code>wfm simulate</code>.</p>")
    if surplus is not None:
        days = "".join(f"<td>{hours:,.1f}</td>" for hours in surplus.by_weekday.values())
        heads = "".join(f"<th>{escape(day)}</th>" for day in surplus.by_weekday)
        parts.append(
            f"<h3>Surplus: {surplus.agent_hours:,.1f} agent-hours the targets do not need</h3>"
            f"<table><tr><th></th>{heads}</tr><tr><td>agent-hours</td>{days}</tr></table>"
            f'<p class="muted">Agents on the floor whom no queue\'s requirement uses; {surplus.block_hours:,.1f} h '
            f"of it in {surplus.blocks} blocks of an hour or more that named agents could spend on other work or "
            "voluntary time off with every queue still at its requirement (surplus.csv lists them).</p>")
    weekly = weekly_target_from(kpis, KPI_FILE)
    if weekly is not None:  # the weekly service-level mode: each queue's week against its target
        rows = "".join(
            f"<tr><td>{escape(queue)}</td><td>{level:.1%}</td><td>{_pct(weekly.target.get(queue))}</td>"
            f"<td>{'met' if weekly.met.get(queue) else 'missed'}</td><td>{_pct(weekly.worst_interval.get(queue))}</td>"
            "</tr>" for queue, level in weekly.by_queue.items())
        parts.append(
            "<h3>Weekly service level against the target</h3><table><tr><th>queue</th><th>weekly (validator)</th>"
            "<th>target</th><th></th><th>worst interval</th></tr>" + rows + "</table>"
            f'<p class="muted">Rostered to the weekly target (<code>objective.service_level: weekly</code>): each '
            f"queue's contact-weighted week must reach its target, every interval at least "
            f"{weekly.min_interval_service_level:.0%}; counted by the independent validator (Erlang at the heads "
            "each interval's agents give the queues).</p>")
    if not parts:
        return ""
    return '<section id="service"><h2>Service level and surplus</h2>' + "".join(parts) + "</section>"


def _pct(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "-"
