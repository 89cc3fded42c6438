"""The plan report as one self-contained HTML page: inline CSS, inline SVG charts, and a small inline script
that draws the agents' Gantt from embedded JSON and filters it by skill or contract. No network access."""

from __future__ import annotations

import json
from datetime import timedelta
from html import escape
from typing import Any

import numpy as np

from scheduler.report.data import HISTORY_WEEKS_SHOWN, ReportData
from scheduler.report.floor import floor_section
from scheduler.report.svg import DAY_NAMES, Series, legend, week_chart

REQUIRED_COLOR, SCHEDULED_COLOR = "#1f2933", "#3b82c4"
LEVEL_COLOR, TARGET_COLOR = "#2f855a", "#c53030"
HISTORY_COLOR, FORECAST_COLOR = "#9aa5b1", "#3b82c4"
ACTIVITY_COLORS = {"shift": "#7fb3e0", "break": "#f0a04b", "lunch": "#5fb36b"}
OTHER_ACTIVITY_COLORS = ("#a77bd6", "#d66b8f", "#4fb3b3", "#b3a24f")
COST_RULES = ("paid_hours",)  # penalty terms that price the roster rather than mark a rule broken
UNDERSTAFFED_ROWS_SHOWN = 20

CSS = """
*{box-sizing:border-box}body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
color:#1f2933;background:#f5f7fa}header{background:#1f2933;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}header p{margin:2px 0 0;color:#cbd2d9}main{padding:16px 24px;max-width:1040px}
section{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:12px 16px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 8px}h3{font-size:14px;margin:10px 0 4px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #d9e2ec;border-radius:6px;padding:8px 12px;
min-width:130px}.card b{display:block;font-size:20px}.card span{color:#52606d;font-size:12px}
.ok{color:#2f855a}.bad{color:#c53030}table{border-collapse:collapse;margin:4px 0}
td,th{border-bottom:1px solid #e4e7eb;padding:3px 10px;text-align:right}th{background:#f0f4f8}
td:first-child,th:first-child{text-align:left}
.chart{display:block;max-width:100%;height:auto}.chart text{font-size:11px;fill:#52606d}
.ytick{text-anchor:end}.xtick{text-anchor:middle}.grid{stroke:#e4e7eb}.day{stroke:#bcccdc}
.marker{stroke:#1f2933;stroke-dasharray:3 3}.series{vector-effect:non-scaling-stroke}
.legend{display:flex;gap:14px;font-size:12px;color:#52606d;margin:2px 0 8px}.legend i{display:inline-block;
width:12px;height:12px;margin-right:4px;vertical-align:-2px;border-radius:2px}
#gantt-box{max-height:640px;overflow:auto;border:1px solid #e4e7eb}#gantt text{font-size:10px;fill:#52606d}
.filters{display:flex;gap:12px;align-items:center;margin:0 0 8px}.muted{color:#7b8794}
"""

# Draws one SVG for the agents passing the filter: per activity kind one path of rectangles for all rows.
# Built with DOM calls only (createElementNS, setAttribute, textContent), never from markup text, so an id
# such as <img onerror=...> or one with quotes is shown as text and cannot become an element or attribute.
GANTT_JS = """
(function(){
var NS='http://www.w3.org/2000/svg';
var D=JSON.parse(document.getElementById('gantt-data').textContent);
var skill=document.getElementById('f-skill'),contract=document.getElementById('f-contract'),
count=document.getElementById('gantt-count'),box=document.getElementById('gantt-box');
function opts(sel,values){values.forEach(function(v){var o=document.createElement('option');o.value=v;
o.textContent=v;sel.appendChild(o);});}
opts(skill,D.skills);opts(contract,D.contracts);
function add(parent,name,attrs,text){var e=document.createElementNS(NS,name);
 Object.keys(attrs).forEach(function(k){e.setAttribute(k,String(attrs[k]));});
 if(text!==undefined)e.textContent=text;parent.appendChild(e);return e;}
function draw(){
 var s=skill.value,c=contract.value,rows=D.agents.filter(function(a){
  return (!s||a[2].indexOf(s)>=0)&&(!c||a[1]===c);});
 var L=70,W=D.dayWidth,R=14,H=24,span=D.dayEnd-D.dayStart,total=L+7*W,height=H+rows.length*R+4;
 var paths=D.kinds.map(function(){return [];});
 var svg=document.createElementNS(NS,'svg');svg.setAttribute('id','gantt');
 svg.setAttribute('width',String(total));svg.setAttribute('height',String(height));
 for(var d=0;d<7;d++){var x=L+d*W;add(svg,'line',{x1:x,x2:x,y1:0,y2:height,stroke:'#bcccdc'});
  add(svg,'text',{x:x+W/2,y:14,'text-anchor':'middle'},D.days[d]);
  for(var h=Math.ceil(D.dayStart/60);h*60<D.dayEnd;h+=3){var hx=(x+(h*60-D.dayStart)/span*W).toFixed(1);
   add(svg,'line',{x1:hx,x2:hx,y1:18,y2:height,stroke:'#eef2f6'});}}
 rows.forEach(function(a,r){var y=H+r*R,seg=a[3];
  add(svg,'text',{'class':'agent',x:2,y:y+9},a[0]);
  for(var i=0;i<seg.length;i+=4){var k=seg[i+3],top=k===0?y+1:y+3,hh=k===0?R-2:R-6,
   x0=Math.max(seg[i+1],D.dayStart),x1=Math.min(seg[i+2],D.dayEnd);if(x1<=x0)continue;
   var px=L+seg[i]*W+(x0-D.dayStart)/span*W,pw=(x1-x0)/span*W;
   paths[k].push('M'+px.toFixed(1)+' '+top+'h'+pw.toFixed(1)+'v'+hh+'h-'+pw.toFixed(1)+'z');}});
 D.kinds.forEach(function(k,i){if(paths[i].length)add(svg,'path',{'class':'gantt-'+k,
  fill:D.colors[i],d:paths[i].join('')});});
 box.textContent='';box.appendChild(svg);
 count.textContent=rows.length+' of '+D.agents.length+' agents';}
skill.addEventListener('change',draw);contract.addEventListener('change',draw);draw();
})();
"""


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _card(value: str, label: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<div class="card"><b{cls}>{escape(value)}</b><span>{escape(label)}</span></div>'


def _kpi_section(data: ReportData) -> str:
    k = data.kpis
    solver = k.get("solver", {})
    cards = [
        _card(_pct(k["service_level"]["overall"]), "service level, week (all queues)"),
        _card(f"{k['understaffed_agent_hours']:,.1f} h", "understaffed agent-hours",
              "bad" if k["understaffed_agent_hours"] > 0 else "ok"),
        _card(f"{k['overstaffed_agent_hours']:,.1f} h", "overstaffed agent-hours"),
        _card(f"{k['paid_hours']:,.1f} h", "paid hours"),
        _card(f"{k['cost']:,.2f}", "cost"),
        _card(f"{solver.get('gap', 0):.2%}", f"solver gap ({solver.get('status', '?')})"),
        _card(str(k.get("hard_violations", 0)), "hard-rule violations",
              "bad" if k.get("hard_violations", 0) else "ok"),
    ]
    rows = []
    targets = k.get("service_level_target", {})
    worst = k.get("worst_interval_service_level", {})
    for queue, level in k["service_level"]["by_queue"].items():
        target = targets.get(queue)
        met = target is None or level >= target
        rows.append(f"<tr><td>{escape(queue)}</td><td class=\"{'ok' if met else 'bad'}\">{_pct(level)}</td>"
                    f"<td>{_pct(target) if target is not None else '-'}</td>"
                    f"<td>{_pct(worst[queue]) if queue in worst else '-'}</td>"
                    f"<td class=\"{'ok' if met else 'bad'}\">{'met' if met else 'missed'}</td></tr>")
    return ('<section id="kpis"><h2>Key figures</h2><div class="cards">' + "".join(cards) + "</div>"
            "<h3>Weekly service level per queue</h3><table><tr><th>queue</th><th>service level</th><th>target</th>"
            "<th>worst interval</th><th></th></tr>" + "".join(rows) + "</table>"
            f'<p class="muted">Solver: objective {solver.get("objective", 0):,.1f}, best bound '
            f'{solver.get("best_bound", 0):,.1f}, seed {solver.get("seed", "?")}, '
            f'OR-Tools {escape(str(solver.get("ortools_version", "?")))}.</p></section>')


def _queue_section(data: ReportData, index: int) -> str:
    queue = data.queues[index]
    per_day = data.slots_per_week // 7
    days = [f"{DAY_NAMES[d]} {(data.week_start + timedelta(days=d)):%d %b}" for d in range(7)]
    cover = [Series("scheduled agents", queue.scheduled, SCHEDULED_COLOR, fill=True),
             Series("required agents", queue.required, REQUIRED_COLOR)]
    level = [Series("predicted service level", queue.service_level, LEVEL_COLOR, step=False)]
    history_days = 7 * HISTORY_WEEKS_SHOWN
    joined_history = np.concatenate([queue.history, np.full(data.slots_per_week, np.nan)])
    joined_forecast = np.concatenate([np.full(queue.history.size, np.nan), queue.forecast])
    weeks = [(data.week_start - timedelta(weeks=HISTORY_WEEKS_SHOWN - w)) for w in range(HISTORY_WEEKS_SHOWN + 1)]
    week_labels = [""] * (history_days + 7)
    for w, start in enumerate(weeks):
        week_labels[w * 7 + 3] = f"week of {start:%d %b}" + (" (forecast)" if w == HISTORY_WEEKS_SHOWN else "")
    demand = [Series("history (contacts)", joined_history, HISTORY_COLOR, step=False, width=1),
              Series("forecast (contacts)", joined_forecast, FORECAST_COLOR, step=False)]
    target_label = f"target {_pct(queue.target)}"
    return (
        f'<section class="queue" id="queue-{escape(queue.queue_id)}"><h2>Queue {escape(queue.queue_id)} '
        f'<span class="muted">({escape(queue.channel)})</span></h2>'
        "<h3>Required vs scheduled agents per interval</h3>" + legend(cover)
        + week_chart(cover, slots_per_day=per_day, day_labels=days, title=f"{queue.queue_id}: agents")
        + "<h3>Predicted service level per interval</h3>" + legend(level, [(target_label, TARGET_COLOR)])
        + week_chart(level, slots_per_day=per_day, day_labels=days, y_max=1.0, percent=True,
                     hlines=[(queue.target, TARGET_COLOR, target_label)], title=f"{queue.queue_id}: service level")
        + f"<h3>Forecast against the last {HISTORY_WEEKS_SHOWN} weeks of history</h3>" + legend(demand)
        + week_chart(demand, slots_per_day=per_day, days=history_days + 7, day_labels=week_labels,
                     vlines=[(queue.history.size, "forecast")], title=f"{queue.queue_id}: contacts")
        + "</section>")


def _penalty_section(data: ReportData) -> str:
    penalties: dict[str, dict[str, Any]] = data.kpis.get("penalties", {})
    total = sum(p["penalty"] for p in penalties.values()) or 1.0
    rows = "".join(
        f"<tr><td>{escape(rule)}</td><td>{p['amount']:,.2f}</td><td>{escape(str(p['unit']))}</td>"
        f"<td>{p['weight']:,}</td><td>{p['penalty']:,.2f}</td><td>{p['penalty'] / total:.1%}</td></tr>"
        for rule, p in penalties.items())
    broken = [(rule, p) for rule, p in penalties.items() if rule not in COST_RULES and p["amount"] > 0]
    listing = "".join(f"<li><b>{escape(rule)}</b>: {p['amount']:,.2f} {escape(str(p['unit']))} "
                      f"(penalty {p['penalty']:,.2f})</li>" for rule, p in broken)
    short = data.understaffed
    shown = short.head(UNDERSTAFFED_ROWS_SHOWN)
    short_rows = "".join(
        f"<tr><td>{start:%a %d %b %H:%M}</td><td>{escape(str(q))}</td><td>{req}</td><td>{sch}</td>"
        f"<td>{_pct(sl)}</td></tr>"
        for start, q, req, sch, sl in zip(shown["interval_start"], shown["queue"], shown["required"],
                                         shown["scheduled"], shown["service_level"], strict=True))
    more = (f'<p class="muted">and {len(short) - len(shown)} more intervals (see coverage.csv).</p>'
            if len(short) > len(shown) else "")
    understaffed = ("<h3>Understaffed intervals</h3><table><tr><th>interval</th><th>queue</th><th>required</th>"
                    f"<th>scheduled</th><th>service level</th></tr>{short_rows}</table>{more}"
                    if len(short) else '<p class="ok">No understaffed interval.</p>')
    return ('<section id="penalties"><h2>Penalty breakdown by rule</h2><table><tr><th>rule</th><th>amount</th>'
            f"<th>unit</th><th>weight</th><th>penalty</th><th>share</th></tr>{rows}</table>"
            "<h3>Soft-rule violations</h3>"
            + (f"<ul>{listing}</ul>" if broken else '<p class="ok">None.</p>') + understaffed + "</section>")


def _changes_section(data: ReportData) -> str:
    """A re-plan's changed agent-days against the published roster (nothing when the plan is not a re-plan)."""
    if data.changes is None:
        return ""
    rows = "".join(f"<tr><td>{escape(agent_id)}</td><td>{escape(day)}</td><td>{escape(before)}</td>"
                   f"<td>{escape(after)}</td></tr>" for agent_id, day, before, after in data.changes)
    table = ("<table><tr><th>agent</th><th>date</th><th>published</th><th>now</th></tr>" + rows + "</table>"
             if data.changes else '<p class="ok">No agent-day changed.</p>')
    return (f'<section id="changes"><h2>Changes against the published roster ({len(data.changes)} agent-days)'
            f"</h2>{table}</section>")


def _gantt_json(data: ReportData) -> str:
    kinds = ["shift", "break", "lunch"]
    for agent in data.agents:
        for segment in agent.segments:
            if segment.activity not in kinds:
                kinds.append(segment.activity)
    extra = iter(OTHER_ACTIVITY_COLORS * len(kinds))
    colors = [ACTIVITY_COLORS.get(k) or next(extra) for k in kinds]
    kind_index = {k: i for i, k in enumerate(kinds)}
    minutes = [m for a in data.agents for s in a.segments
               for m in ((s.start - _midnight(s)).total_seconds() // 60, (s.end - _midnight(s)).total_seconds() // 60)]
    day_start = int(min(minutes, default=8 * 60)) // 60 * 60
    day_end = -(-int(max(minutes, default=18 * 60)) // 60) * 60
    agents = []
    for agent in data.agents:
        flat: list[int] = []
        for s in agent.segments:
            flat += [(s.day - data.week_start).days, int((s.start - _midnight(s)).total_seconds() // 60),
                     int((s.end - _midnight(s)).total_seconds() // 60), kind_index[s.activity]]
        agents.append([agent.agent_id, agent.contract_id, list(agent.skills), flat, agent.level])
    payload = {
        "days": [f"{DAY_NAMES[d]} {(data.week_start + timedelta(days=d)):%d %b}" for d in range(7)],
        "dayStart": day_start, "dayEnd": max(day_end, day_start + 60), "dayWidth": 130,
        "kinds": kinds, "colors": colors,
        "skills": sorted({s for a in data.agents for s in a.skills}),
        "contracts": sorted({a.contract_id for a in data.agents}),
        "levels": sorted({a.level for a in data.agents if a.level}),
        "agents": agents,
    }
    # Inside <script> no "<" may appear at all ("</script>" ends it, "<!--" hides the rest of the page):
    # JSON outside strings has no <, > or &, so escaping them as \u003c... keeps the same value.
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _midnight(segment: Any) -> Any:
    return segment.start.replace(hour=0, minute=0, second=0) - timedelta(
        days=(segment.start.date() - segment.day).days)


def _gantt_section(data: ReportData) -> str:
    kinds_legend = "".join(f'<span><i style="background:{c}"></i>{k}</span>' for k, c in ACTIVITY_COLORS.items())
    return ('<section id="agents"><h2>Agents\' week</h2><div class="filters">'
            '<label>Skill <select id="f-skill"><option value="">all</option></select></label>'
            '<label>Contract <select id="f-contract"><option value="">all</option></select></label>'
            f'<span id="gantt-count" class="muted"></span><span class="legend">{kinds_legend}</span></div>'
            '<div id="gantt-box"><noscript>The Gantt needs JavaScript.</noscript></div>'
            f'<script type="application/json" id="gantt-data">{_gantt_json(data)}</script></section>')


def render(data: ReportData) -> str:
    """The whole page as text (deterministic: no clock, no randomness)."""
    week_end = data.week_start + timedelta(days=6)
    queues = "".join(_queue_section(data, i) for i in range(len(data.queues)))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Plan report: {escape(data.title)}, week of {data.week_start.isoformat()}</title>"
        f"<style>{CSS}</style></head><body>"
        f"<header><h1>{escape(data.title)}</h1><p>Week {data.week_start:%a %d %b %Y} to {week_end:%a %d %b %Y} "
        f"({escape(data.timezone)}), {len(data.agents)} agents, {data.kpis.get('shifts', 0)} shifts, "
        f"{data.interval_minutes}-minute intervals</p></header><main>"
        + _kpi_section(data) + queues + _penalty_section(data) + _changes_section(data) + floor_section(data.floor)
        + _gantt_section(data)
        + f"</main><script>{GANTT_JS}</script></body></html>\n")
