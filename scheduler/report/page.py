"""The plan report as one self-contained HTML page: inline CSS, inline SVG charts, and a small inline script
that draws the agents' schedule from embedded JSON, filters and groups it, and shows an agent-day's details on
hover. No network access.

The page is a list of sections (``SECTIONS``): each is a function of ``ReportData`` returning one
``<section>`` (or ``""`` to leave it out), drawn in that order. To add one, write such a function (escape every
text from the data with ``html.escape``; charts from ``scheduler.report.svg``) and put it in ``SECTIONS``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from html import escape
from typing import Any

import numpy as np

from scheduler.io.daily_totals import CENTRE, FTE_DAY_HOURS
from scheduler.io.roster_grid import LEAVE
from scheduler.report.data import HISTORY_WEEKS_SHOWN, ReportData
from scheduler.report.floor import floor_section
from scheduler.report.service import service_section
from scheduler.report.svg import DAY_NAMES, DayMark, Series, legend, net_chart, week_chart, worst_slots

REQUIRED_COLOR, SCHEDULED_COLOR = "#1f2933", "#3b82c4"
LEVEL_COLOR, TARGET_COLOR = "#2f855a", "#c53030"
HISTORY_COLOR, FORECAST_COLOR = "#9aa5b1", "#3b82c4"
ACTIVITY_COLORS = {"shift": "#7fb3e0", "break": "#f0a04b", "lunch": "#5fb36b"}
OTHER_ACTIVITY_COLORS = ("#a77bd6", "#d66b8f", "#4fb3b3", "#b3a24f")
COST_RULES = ("paid_hours",)  # penalty terms that price the roster rather than mark a rule broken
UNDERSTAFFED_ROWS_SHOWN = 20
WORST_INTERVALS_MARKED = 5
WORST_APART_MINUTES = 180  # marked intervals lie this far apart, so one bad stretch does not take every mark
NET_COLORS = ("#2f855a", "#c53030")
CHANGED_COLOR, LEAVE_COLOR = "#fde68a", "#d9dde3"
# Latin first, then CJK faces of each platform (macOS, Windows, Linux), so CJK ids and centre names never
# render as boxes where a CJK font exists.
FONT_STACK = ('system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","PingFang SC",'
              '"Hiragino Sans","Hiragino Sans GB","Microsoft YaHei","Yu Gothic","Meiryo","Malgun Gothic",'
              '"Noto Sans CJK SC","Noto Sans CJK JP","Noto Sans CJK KR","Source Han Sans SC",'
              '"WenQuanYi Micro Hei",sans-serif')

CSS = """
*{box-sizing:border-box}body{font:14px/1.4 FONTS;margin:0;
color:#1f2933;background:#f5f7fa}header{background:#1f2933;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}header p{margin:2px 0 0;color:#cbd2d9}main{padding:16px 24px;max-width:1280px}
section{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:12px 16px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 8px}h3{font-size:14px;margin:10px 0 4px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #d9e2ec;border-radius:6px;padding:8px 12px;
min-width:130px}.card b{display:block;font-size:20px}.card span{color:#52606d;font-size:12px}
.ok{color:#2f855a}.bad{color:#c53030}table{border-collapse:collapse;margin:4px 0}
td,th{border-bottom:1px solid #e4e7eb;padding:3px 10px;text-align:right}th{background:#f0f4f8}
td:first-child,th:first-child,td.text,th.text{text-align:left}tr.centre td{font-weight:600;border-top:1px solid #bcccdc}
tr.queue-row td:nth-child(2){padding-left:22px;color:#52606d}td.text{text-align:left}
.badge{display:inline-block;font-size:11px;border-radius:3px;padding:0 4px;margin-left:6px;font-weight:400}
.badge.holiday{background:#fde2e2;color:#9b2c2c}.badge.special{background:#e9e3fb;color:#553c9a}
.chart{display:block;max-width:100%;height:auto}.chart text{font-size:11px;fill:#52606d}
.ytick{text-anchor:end}.xtick{text-anchor:middle}.grid{stroke:#e4e7eb}.day{stroke:#bcccdc}
.marker{stroke:#1f2933;stroke-dasharray:3 3}.series{vector-effect:non-scaling-stroke}
.mark-holiday{fill:#fde2e2}.mark-special{fill:#e9e3fb}.chart .mtext{fill:#9b2c2c;font-size:10px}
.chart .wtext{text-anchor:middle;font-size:10px;font-weight:700;fill:#c53030}.worst{cursor:help}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:#52606d;margin:2px 0 8px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border-radius:2px}
.filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center;margin:0 0 6px}.muted{color:#7b8794}
.gantt-group h3{margin:12px 0 0}.gantt-head{position:sticky;top:0;background:#fff;z-index:1;
border-bottom:1px solid #bcccdc}.gantt-head svg,.gantt-rows{display:block;max-width:100%;height:auto}
#gantt text{font-size:10px;fill:#52606d}#gantt .gantt-hour{font-size:9px;fill:#7b8794;text-anchor:middle}
#gantt .gantt-dayname{font-size:11px;fill:#1f2933;font-weight:600}#gantt .gantt-dayname.marked{fill:#9b2c2c}
.gantt-rows{cursor:crosshair}#changes td,#changes th{text-align:left;vertical-align:top}
#changes td:first-child{max-width:280px;overflow-wrap:anywhere}
#gantt-tip{position:fixed;z-index:10;max-width:340px;background:#1f2933;color:#fff;font-size:12px;
padding:6px 9px;border-radius:4px;pointer-events:none;box-shadow:0 2px 8px rgba(0,0,0,.25)}
#gantt-tip div{white-space:pre-wrap;overflow-wrap:anywhere}#gantt-tip .tip-title{font-weight:700}
@media print{
@page{size:A4 landscape;margin:10mm}
body{background:#fff;font-size:11px}header{background:none;color:#000;padding:0 0 6px}header p{color:#333}
main{max-width:none;padding:0}section{border:0;padding:0;margin:0 0 10px}
.chart,table,.legend{break-inside:avoid}.filters,#gantt-tip{display:none}
#agents{break-before:page}.gantt-group{break-before:page}.gantt-group:first-child{break-before:auto}
.gantt-head{position:static}
}
""".replace("FONTS", FONT_STACK)

# Draws the agents' schedule from the embedded JSON: per group (team, contract or level) a sticky header SVG
# (days, hours) and one SVG of rows holding, per activity kind, a single path of rectangles. Built with DOM
# calls only (createElementNS, setAttribute, textContent), never from markup text, so an id such as
# <img onerror=...> or one with quotes is shown as text and cannot become an element or attribute. The hover
# details are computed from the same data on mousemove (no element per agent-day, so 1,000 agents stay fast).
GANTT_JS = """
(function(){
var NS='http://www.w3.org/2000/svg';
var D=JSON.parse(document.getElementById('gantt-data').textContent);
var box=document.getElementById('gantt'),count=document.getElementById('gantt-count'),
tip=document.getElementById('gantt-tip'),group=document.getElementById('f-group'),
only=document.getElementById('f-changed');
var FIELDS={team:3,contract:1,level:4};
var selects=D.filters.map(function(f){var sel=document.getElementById('f-'+f[0]);
 f[1].forEach(function(v){var o=document.createElement('option');o.value=v;o.textContent=v;sel.appendChild(o);});
 return [f[0],sel];});
function add(parent,name,attrs,text){var e=document.createElementNS(NS,name);
 Object.keys(attrs).forEach(function(k){e.setAttribute(k,String(attrs[k]));});
 if(text!==undefined)e.textContent=text;parent.appendChild(e);return e;}
function hhmm(m){m=((m%1440)+1440)%1440;var h=Math.floor(m/60),n=m%60;return (h<10?'0':'')+h+':'+(n<10?'0':'')+n;}
function hours(m){return String(Math.round(m/60*100)/100)+' h';}
var markOf={};D.marks.forEach(function(m){markOf[m[0]]=m;});
var L=124,R=14,G=3,HEAD=34,span=D.dayEnd-D.dayStart,geo={W:120};
function keep(a){for(var i=0;i<selects.length;i++){var k=selects[i][0],v=selects[i][1].value;if(!v)continue;
  if(k==='skill'?a[2].indexOf(v)<0:a[FIELDS[k]]!==v)return false;}
 return !(only&&only.checked&&!a[8]);}
function x0(d){return L+d*geo.W+G;}
function px(d,m){return x0(d)+(Math.min(Math.max(m,D.dayStart),D.dayEnd)-D.dayStart)/span*(geo.W-2*G);}
function rect(d,m0,m1,y,h){var a=px(d,m0),b=px(d,m1);if(b-a<0.05)return '';
 return 'M'+a.toFixed(1)+' '+y+'h'+(b-a).toFixed(1)+'v'+h+'h-'+(b-a).toFixed(1)+'z';}
function head(parent,total){var svg=add(parent,'svg',{width:total,height:HEAD,viewBox:'0 0 '+total+' '+HEAD});
 var step=[1,2,3,4,6,12].filter(function(s){return s*60/span*(geo.W-2*G)>=22;})[0]||24;
 for(var d=0;d<7;d++){var m=markOf[d];
  if(m)add(svg,'rect',{'class':'mark-'+m[1],x:L+d*geo.W,y:0,width:geo.W,height:HEAD});
  var t=add(svg,'text',{'class':'gantt-dayname'+(m?' marked':''),x:x0(d),y:12},D.days[d]+(m?' \\u2022':''));
  if(m)add(t,'title',{},m[2]);
  for(var h=Math.ceil(D.dayStart/60/step)*step;h*60<=D.dayEnd;h+=step){
   var hx=px(d,h*60);if(hx-x0(d)<7||x0(d)+geo.W-2*G-hx<7)continue;
   add(svg,'text',{'class':'gantt-hour',x:hx.toFixed(1),y:28},hhmm(h*60).slice(0,2));}}}
function rowsSvg(parent,rows,total){var height=rows.length*R+2;
 var svg=add(parent,'svg',{'class':'gantt-rows',width:total,height:height,viewBox:'0 0 '+total+' '+height});
 var stripes=[],changed=[],leave=[],paths=D.kinds.map(function(){return [];});
 rows.forEach(function(a,r){var y=r*R;if(r%2)stripes.push('M0 '+y+'h'+total+'v'+R+'h-'+total+'z');
  for(var d=0;d<7;d++){if(a[8]&(1<<d))changed.push(rect(d,D.dayStart,D.dayEnd,y,R));
   if(a[7]&(1<<d))leave.push(rect(d,D.dayStart,D.dayEnd,y+4,R-8));}
  var seg=a[5];for(var i=0;i<seg.length;i+=4){var k=seg[i+3];
   paths[k].push(rect(seg[i],seg[i+1],seg[i+2],k===0?y+1:y+3,k===0?R-2:R-6));}});
 if(stripes.length)add(svg,'path',{'class':'gantt-stripes',fill:'#f5f7fa',d:stripes.join('')});
 for(var d=0;d<7;d++){var m=markOf[d];
  if(m)add(svg,'rect',{'class':'mark-'+m[1],x:L+d*geo.W,y:0,width:geo.W,height:height,'fill-opacity':0.6});}
 if(changed.length)add(svg,'path',{'class':'gantt-changed',fill:D.changedColor,d:changed.join('')});
 if(leave.length)add(svg,'path',{'class':'gantt-leave',fill:D.leaveColor,d:leave.join('')});
 for(d=0;d<=7;d++)add(svg,'line',{x1:L+d*geo.W,x2:L+d*geo.W,y1:0,y2:height,stroke:'#bcccdc'});
 var names=add(svg,'svg',{x:0,y:0,width:L-6,height:height});  // a nested viewport clips long ids
 rows.forEach(function(a,r){add(names,'text',{'class':'agent',x:2,y:r*R+10},a[0]);});
 D.kinds.forEach(function(k,i){if(paths[i].length)add(svg,'path',{'class':'gantt-'+k,fill:D.colors[i],
  stroke:i===0?'#fff':'none','stroke-width':i===0?1:0,d:paths[i].join('')});});
 svg.__rows=rows;return svg;}
function draw(){var rows=D.agents.filter(keep),key=group?group.value:'';
 geo.W=Math.max(70,Math.floor((box.clientWidth-L)/7));var total=L+7*geo.W;
 var groups=[],at={};rows.forEach(function(a){var g=key?(a[FIELDS[key]]||'(none)'):'';
  if(!(g in at)){at[g]=groups.length;groups.push([g,[]]);}groups[at[g]][1].push(a);});
 groups.sort(function(a,b){return a[0]<b[0]?-1:a[0]>b[0]?1:0;});
 box.textContent='';
 groups.forEach(function(g){var div=document.createElement('div');div.className='gantt-group';
  if(key){var h=document.createElement('h3');h.textContent=key+': '+g[0]+' ('+g[1].length+' agents)';
   div.appendChild(h);}
  var hd=document.createElement('div');hd.className='gantt-head';div.appendChild(hd);head(hd,total);
  rowsSvg(div,g[1],total);box.appendChild(div);});
 count.textContent=rows.length+' of '+D.agents.length+' agents';}
function line(text,cls){var e=document.createElement('div');if(cls)e.className=cls;e.textContent=text;
 tip.appendChild(e);}
function details(a,d){tip.textContent='';line(a[0],'tip-title');
 var who=[];if(a[3])who.push('team '+a[3]);if(a[4])who.push('level '+a[4]);who.push('contract '+a[1]);
 line(who.join(' \\u00b7 '));line('skills: '+(a[2].join(', ')||'-'));
 if(d<0){line('paid this week: '+hours(a[6].reduce(function(x,y){return x+y;},0)));return;}
 var m=markOf[d],shift=[],brk=[],act=[],seg=a[5];
 for(var i=0;i<seg.length;i+=4){if(seg[i]!==d)continue;var k=D.kinds[seg[i+3]],
  t=hhmm(seg[i+1])+'-'+hhmm(seg[i+2]);
  if(seg[i+3]===0)shift.push(t);else if(k==='break'||k==='lunch')brk.push(k+' '+t);else act.push(k+' '+t);}
 line(D.days[d]+(m?' ('+m[2]+')':'')+': '+(shift.length?shift.join(' / '):(a[7]&(1<<d)?'leave (time off)':'off')));
 if(brk.length)line('breaks: '+brk.join(', '));if(act.length)line('activities: '+act.join(', '));
 if(shift.length)line('paid '+hours(a[6][d])+' (week '+hours(a[6].reduce(function(x,y){return x+y;},0))+')');
 if(a[8]&(1<<d))line('changed by the re-plan','tip-changed');}
box.addEventListener('mousemove',function(e){var svg=e.target.closest?e.target.closest('svg.gantt-rows'):null;
 if(!svg||!svg.__rows){tip.hidden=true;return;}var b=svg.getBoundingClientRect(),
 sx=svg.viewBox.baseVal.width/b.width,x=(e.clientX-b.left)*sx,y=(e.clientY-b.top)*sx,
 r=Math.floor(y/R),a=svg.__rows[r];if(!a){tip.hidden=true;return;}
 var d=x<L?-1:Math.min(6,Math.floor((x-L)/geo.W));details(a,d);tip.hidden=false;
 var left=e.clientX+14,top=e.clientY+14;if(left+tip.offsetWidth>window.innerWidth)left=e.clientX-14-tip.offsetWidth;
 if(top+tip.offsetHeight>window.innerHeight)top=e.clientY-14-tip.offsetHeight;
 tip.style.left=Math.max(0,left)+'px';tip.style.top=Math.max(0,top)+'px';});
box.addEventListener('mouseleave',function(){tip.hidden=true;});
selects.forEach(function(s){s[1].addEventListener('change',draw);});
if(group)group.addEventListener('change',draw);if(only)only.addEventListener('change',draw);
var width=box.clientWidth;window.addEventListener('resize',function(){if(box.clientWidth!==width){
 width=box.clientWidth;draw();}});
draw();
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


def _day_labels(data: ReportData) -> list[str]:
    return [f"{DAY_NAMES[d]} {(data.week_start + timedelta(days=d)):%d %b}" for d in range(7)]


def _marks(data: ReportData, first_day: date) -> list[DayMark]:
    """The holidays and special days as chart marks, counted from ``first_day``."""
    return [DayMark((m.day - first_day).days, m.kind, f"{m.day:%a %d %b}: {m.label}") for m in data.marked_days]


def _net(required: np.ndarray, scheduled: np.ndarray) -> np.ndarray:
    """Scheduled minus required agents per slot; NaN where the queue is closed (no requirement)."""
    return np.where(np.isfinite(required), np.nan_to_num(scheduled) - required, np.nan)


def _centre_net(data: ReportData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre-wide required, scheduled and net agents per slot (sums over the open queues; NaN: all closed)."""
    if not data.queues:
        empty = np.full(data.slots_per_week, np.nan)
        return empty, empty, empty
    required = np.stack([q.required for q in data.queues])
    scheduled = np.stack([np.where(np.isfinite(q.required), np.nan_to_num(q.scheduled), np.nan) for q in data.queues])
    open_any = np.isfinite(required).any(axis=0)
    req = np.where(open_any, np.nansum(required, axis=0), np.nan)
    sch = np.where(open_any, np.nansum(scheduled, axis=0), np.nan)
    return req, sch, _net(req, sch)


def _slot_time(data: ReportData, slot: int) -> str:
    moment = data.week_start + timedelta(minutes=slot * data.interval_minutes)
    minute = slot * data.interval_minutes % 1440
    return f"{moment:%a %d %b} {minute // 60:02d}:{minute % 60:02d}"


def _net_chart(data: ReportData, required: np.ndarray, scheduled: np.ndarray, title: str) -> tuple[str, list[int]]:
    """The net staffing chart of one queue or the centre, its worst intervals ringed; and those slots."""
    net = _net(required, scheduled)
    worst = worst_slots(net, WORST_INTERVALS_MARKED, apart=max(1, WORST_APART_MINUTES // data.interval_minutes))
    tips = [(s, f"{_slot_time(data, s)}: net {net[s]:+g} (scheduled {scheduled[s]:g}, required {required[s]:g})")
            for s in worst]
    chart = net_chart(net, slots_per_day=data.slots_per_week // 7, day_labels=_day_labels(data),
                      marks=_marks(data, data.week_start), worst=tips, title=title, colors=NET_COLORS)
    return chart, worst


def _net_legend() -> str:
    return legend([], [("scheduled above required", NET_COLORS[0]), ("below required", NET_COLORS[1])])


def _queue_section(data: ReportData, index: int) -> str:
    queue = data.queues[index]
    per_day = data.slots_per_week // 7
    days = _day_labels(data)
    marks = _marks(data, data.week_start)
    cover = [Series("scheduled agents", queue.scheduled, SCHEDULED_COLOR, fill=True),
             Series("required agents", queue.required, REQUIRED_COLOR)]
    level = [Series("predicted service level", queue.service_level, LEVEL_COLOR, step=False)]
    history_days = 7 * HISTORY_WEEKS_SHOWN
    joined_history = np.concatenate([queue.history, np.full(data.slots_per_week, np.nan)])
    joined_forecast = np.concatenate([np.full(queue.history.size, np.nan), queue.forecast])
    history_start = data.week_start - timedelta(weeks=HISTORY_WEEKS_SHOWN)
    weeks = [(data.week_start - timedelta(weeks=HISTORY_WEEKS_SHOWN - w)) for w in range(HISTORY_WEEKS_SHOWN + 1)]
    week_labels = [""] * (history_days + 7)
    for w, start in enumerate(weeks):
        week_labels[w * 7 + 3] = f"week of {start:%d %b}" + (" (forecast)" if w == HISTORY_WEEKS_SHOWN else "")
    demand = [Series("history (contacts)", joined_history, HISTORY_COLOR, step=False, width=1),
              Series("forecast (contacts)", joined_forecast, FORECAST_COLOR, step=False)]
    target_label = f"target {_pct(queue.target)}"
    net, _worst = _net_chart(data, queue.required, queue.scheduled, f"{queue.queue_id}: net staffing")
    return (
        f'<section class="queue" id="queue-{escape(queue.queue_id)}"><h2>Queue {escape(queue.queue_id)} '
        f'<span class="muted">({escape(queue.channel)})</span></h2>'
        "<h3>Required vs scheduled agents per interval</h3>" + legend(cover)
        + week_chart(cover, slots_per_day=per_day, day_labels=days, title=f"{queue.queue_id}: agents", marks=marks)
        + "<h3>Net staffing per interval (scheduled minus required)</h3>" + _net_legend() + net
        + "<h3>Predicted service level per interval</h3>" + legend(level, [(target_label, TARGET_COLOR)])
        + week_chart(level, slots_per_day=per_day, day_labels=days, y_max=1.0, percent=True,
                     hlines=[(queue.target, TARGET_COLOR, target_label)], title=f"{queue.queue_id}: service level",
                     marks=marks)
        + f"<h3>Forecast against the last {HISTORY_WEEKS_SHOWN} weeks of history</h3>" + legend(demand)
        + week_chart(demand, slots_per_day=per_day, days=history_days + 7, day_labels=week_labels,
                     vlines=[(queue.history.size, "forecast")], title=f"{queue.queue_id}: contacts",
                     marks=_marks(data, history_start))
        + "</section>")


def _net_section(data: ReportData) -> str:
    """Centre-wide net staffing per interval, the worst intervals ringed and listed."""
    required, scheduled, net = _centre_net(data)
    if not np.isfinite(net).any():
        return ""
    chart, worst = _net_chart(data, required, scheduled, "centre: net staffing")
    rows = "".join(f"<tr><td>{rank}</td><td class=\"text\">{escape(_slot_time(data, s))}</td><td>{net[s]:+g}</td>"
                   f"<td>{required[s]:g}</td><td>{scheduled[s]:g}</td></tr>" for rank, s in enumerate(worst, start=1))
    return ('<section id="net"><h2>Net staffing, all queues</h2><p class="muted">Agents scheduled minus agents '
            "required, summed over the queues, per interval; the worst intervals (at least "
            f"{WORST_APART_MINUTES // 60} hours apart) are ringed and numbered.</p>"
            + _net_legend() + chart + "<h3>Worst intervals</h3><table><tr><th>#</th>"
            '<th class="text">interval</th><th>net</th><th>required</th><th>scheduled</th></tr>'
            f"{rows}</table></section>")


def _day_badges(data: ReportData, day: date) -> str:
    return "".join(f'<span class="badge {escape(m.kind)}">{escape(m.label)}</span>'
                   for m in data.marked_days if m.day == day)


def _daily_section(data: ReportData) -> str:
    """Per day the centre's totals, then each queue's: contacts, FTE required and scheduled, paid hours, service
    level (against the queue's target)."""
    if not data.daily:
        return ""
    targets = {q.queue_id: q.target for q in data.queues}
    rows = []
    for total in sorted(data.daily, key=lambda t: (t.day, t.queue != CENTRE)):  # each day's centre row first
        centre = total.queue == CENTRE
        target = targets.get(total.queue)
        level = "-" if total.service_level is None else _pct(total.service_level)
        met = "" if total.service_level is None or target is None else (
            ' class="ok"' if total.service_level >= target else ' class="bad"')
        net = total.scheduled_fte - total.required_fte
        day = (f"{total.day:%a %d %b}" + _day_badges(data, total.day)) if centre else ""
        rows.append(
            f'<tr class="{"centre" if centre else "queue-row"}"><td>{day}</td><td class="text">'
            f"{escape(total.queue)}</td><td>{total.contacts:,.0f}</td><td>{total.required_fte:,.1f}</td>"
            f"<td>{total.scheduled_fte:,.1f}</td><td class=\"{'bad' if net < 0 else ''}\">{net:+,.1f}</td>"
            f"<td>{'' if total.paid_hours is None else f'{total.paid_hours:,.1f}'}</td><td{met}>{level}</td></tr>")
    return ('<section id="daily"><h2>Daily totals</h2><p class="muted">Forecast contacts; required and scheduled '
            f"FTE (agent-hours on the queue / {FTE_DAY_HOURS:g}); paid hours of the shifts starting that day; service "
            "level weighted by contacts, green where it meets the queue's target.</p>"
            '<table><tr><th>day</th><th class="text">queue</th><th>contacts</th><th>required FTE</th>'
            "<th>scheduled FTE</th>"
            "<th>net FTE</th><th>paid hours</th><th>service level</th></tr>" + "".join(rows) + "</table></section>")


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
                   f"<td>{escape(after)}</td><td>{escape(change)}</td></tr>"
                   for agent_id, day, before, after, change in data.changes)
    table = ("<table><tr><th>agent</th><th>date</th><th>published</th><th>now</th><th>change</th></tr>" + rows
             + "</table>" if data.changes else '<p class="ok">No agent-day changed.</p>')
    counts = Counter(change for *_row, change in data.changes if change)
    kinds = f" ({', '.join(f'{n} {kind}' for kind, n in sorted(counts.items()))})" if counts else ""
    return (f'<section id="changes"><h2>Changes against the published roster ({len(data.changes)} agent-days)'
            f'</h2><p class="muted">Highlighted in the agents\' week below{escape(kinds)}.</p>'
            f"{table}</section>")


def _kinds(data: ReportData) -> tuple[list[str], list[str]]:
    """Every activity of the roster (shift, break, lunch first) and its colour."""
    kinds = ["shift", "break", "lunch"]
    for agent in data.agents:
        for segment in agent.segments:
            if segment.activity not in kinds:
                kinds.append(segment.activity)
    extra = iter(OTHER_ACTIVITY_COLORS * len(kinds))
    return kinds, [ACTIVITY_COLORS.get(k) or next(extra) for k in kinds]


def _filters(data: ReportData) -> list[tuple[str, list[str]]]:
    """The schedule's filters with their values; team and level only where the agents have them."""
    found = [("team", sorted({a.team for a in data.agents if a.team})),
             ("skill", sorted({s for a in data.agents for s in a.skills})),
             ("contract", sorted({a.contract_id for a in data.agents})),
             ("level", sorted({a.level for a in data.agents if a.level}))]
    return [(key, values) for key, values in found if values or key in ("skill", "contract")]


def _gantt_json(data: ReportData) -> str:
    kinds, colors = _kinds(data)
    kind_index = {k: i for i, k in enumerate(kinds)}
    minutes = [m for a in data.agents for s in a.segments
               for m in ((s.start - _midnight(s)).total_seconds() // 60, (s.end - _midnight(s)).total_seconds() // 60)]
    day_start = int(min(minutes, default=8 * 60)) // 60 * 60
    day_end = -(-int(max(minutes, default=18 * 60)) // 60) * 60
    changed = {(agent_id, day) for agent_id, day, *_rest in data.changes or ()}
    week = [data.week_start + timedelta(days=d) for d in range(7)]
    agents = []
    for agent in data.agents:
        flat: list[int] = []
        for s in agent.segments:
            flat += [(s.day - data.week_start).days, int((s.start - _midnight(s)).total_seconds() // 60),
                     int((s.end - _midnight(s)).total_seconds() // 60), kind_index[s.activity]]
        paid = [0] * 7
        for shift in agent.days:
            if 0 <= (shift.day - data.week_start).days < 7:
                paid[(shift.day - data.week_start).days] += shift.paid_minutes
        worked = {s.day for s in agent.days}
        leave = sum(1 << d for d, day in enumerate(week) if day in agent.time_off and day not in worked)
        moved = sum(1 << d for d, day in enumerate(week) if (agent.agent_id, day.isoformat()) in changed)
        agents.append([agent.agent_id, agent.contract_id, list(agent.skills), agent.team, agent.level, flat, paid,
                       leave, moved])
    payload = {
        "days": _day_labels(data),
        "marks": [[(m.day - data.week_start).days, m.kind, m.label] for m in data.marked_days
                  if 0 <= (m.day - data.week_start).days < 7],
        "dayStart": day_start, "dayEnd": max(day_end, day_start + 60),
        "kinds": kinds, "colors": colors, "changedColor": CHANGED_COLOR, "leaveColor": LEAVE_COLOR,
        "filters": [[key, values] for key, values in _filters(data)],
        "agents": agents,
    }
    # Inside <script> no "<" may appear at all ("</script>" ends it, "<!--" hides the rest of the page):
    # JSON outside strings has no <, > or &, so escaping them as \\u003c... keeps the same value.
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _midnight(segment: Any) -> Any:
    return segment.start.replace(hour=0, minute=0, second=0) - timedelta(
        days=(segment.start.date() - segment.day).days)


def _gantt_section(data: ReportData) -> str:
    kinds, colors = _kinds(data)
    swatches = [(k, c) for k, c in zip(kinds, colors, strict=True)] + [(f"{LEAVE} (time off)", LEAVE_COLOR)]
    if data.changes is not None:
        swatches.append(("changed by the re-plan", CHANGED_COLOR))
    swatches += [(f"{kind} day", color) for kind, color in (("holiday", "#fde2e2"), ("special", "#e9e3fb"))
                 if any(m.kind == kind and 0 <= (m.day - data.week_start).days < 7 for m in data.marked_days)]
    legend_html = '<div class="legend">' + "".join(
        f'<span><i style="background:{c}"></i>{escape(k)}</span>' for k, c in swatches) + "</div>"
    filters = "".join(f'<label>{key.capitalize()} <select id="f-{key}"><option value="">all</option></select>'
                      "</label>" for key, _values in _filters(data))
    groups = [key for key, values in _filters(data) if key in ("team", "level") and values]
    group_by = ('<label>Group by <select id="f-group">'
                + "".join(f'<option value="{k}">{k}</option>' for k in [*groups[:1], "contract", *groups[1:]])
                + '<option value="">none</option></select></label>')
    changed = ('<label><input type="checkbox" id="f-changed"> changed agent-days only</label>'
               if data.changes else "")
    return ('<section id="agents"><h2>Agents\' week</h2>'
            '<p class="muted">Each day is its own column (a shift belongs to the day it starts); hover a row for '
            "the agent-day's shift, breaks, activities and paid hours.</p>"
            f'<div class="filters">{filters}{group_by}{changed}<span id="gantt-count" class="muted"></span></div>'
            f'{legend_html}<div id="gantt"><noscript>The schedule needs JavaScript.</noscript></div>'
            '<div id="gantt-tip" role="tooltip" hidden></div>'
            f'<script type="application/json" id="gantt-data">{_gantt_json(data)}</script></section>')


def _queue_sections(data: ReportData) -> str:
    return "".join(_queue_section(data, i) for i in range(len(data.queues)))


# The page's sections, top to bottom (module docstring: how to add one).
def _service_section(data: ReportData) -> str:
    """The roster's predicted service level beside the Erlang-per-queue figure, and the surplus hours."""
    return service_section(data.kpis)


def _floor_section(data: ReportData) -> str:
    """The floor and ratio rules' check interval by interval (centres with such rules only)."""
    return floor_section(data.floor)


SECTIONS: tuple[Callable[[ReportData], str], ...] = (
    _kpi_section, _service_section, _daily_section, _net_section, _queue_sections, _penalty_section, _changes_section,
    _floor_section, _gantt_section)


def render(data: ReportData, extra: str = "") -> str:
    """The whole page as text (deterministic: no clock, no randomness); ``extra`` is more sections' HTML, placed
    after the queues' (e.g. ``report.backlog.backlog_section``)."""
    week_end = data.week_start + timedelta(days=6)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Plan report: {escape(data.title)}, week of {data.week_start.isoformat()}</title>"
        f"<style>{CSS}</style></head><body>"
        f"<header><h1>{escape(data.title)}</h1><p>Week {data.week_start:%a %d %b %Y} to {week_end:%a %d %b %Y} "
        f"({escape(data.timezone)}), {len(data.agents)} agents, {data.kpis.get('shifts', 0)} shifts, "
        f"{data.interval_minutes}-minute intervals</p></header><main>"
        + "".join(section(data) + (extra if section is _queue_sections else "") for section in SECTIONS)
        + f"</main><script>{GANTT_JS}</script></body></html>\n")
