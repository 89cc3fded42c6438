"""The plan report: one self-contained, offline HTML page built from a plan folder's files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from forecasting.history import History
from scheduler.domain.plan import PlanConfig
from scheduler.report.backlog import backlog_section
from scheduler.report.data import ReportData, load_report_data
from scheduler.report.page import render

REPORT_FILE = "report.html"

__all__ = ["REPORT_FILE", "ReportData", "build_report", "load_report_data", "render", "write_report"]


def build_report(plan_dir: Path, config: Path | None = None, *, plan_config: PlanConfig | None = None,
                 history: History | None = None) -> str:
    """The report page for the plan in ``plan_dir`` (config from ``config``, else the path in kpis.json)."""
    data = load_report_data(plan_dir, config, plan_config=plan_config, history=history)
    start = datetime.combine(data.week_start, datetime.min.time())
    return render(data, backlog_section(plan_dir, start, data.interval_minutes))


def write_report(plan_dir: Path, config: Path | None = None) -> Path:
    """Rebuild ``plan_dir/report.html`` atomically (written beside it, then moved in)."""
    import os
    import tempfile

    from scheduler.io.outputs import publish_permissions
    from scheduler.report.horizon import rebuild_horizon

    text = rebuild_horizon(plan_dir, config) or build_report(plan_dir, config)  # several weeks: the week selector
    handle, temp = tempfile.mkstemp(prefix=".report.", suffix=".html", dir=plan_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        publish_permissions(Path(temp))
        os.replace(temp, plan_dir / REPORT_FILE)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return plan_dir / REPORT_FILE
