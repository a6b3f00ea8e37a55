"""``reports/index.html``: every playbook's latest run with status, date and links, older runs below.

Only a playbook's own runs (all its reports, its own parameters: what the schedule runs) can be
its "latest": an analyst's ``journey run --only ...`` or ``--param ...`` is marked ``adhoc`` in
its ``run.json`` and listed apart, so leadership never opens one report where nine were due.

Built from the ``run.json`` files alone, so it can be rebuilt at any time
(``journey index``) and never disagrees with what is on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from journey.data.atomic import write_text
from journey.display.report import kpi_text

_TEMPLATE = Path(__file__).parent / "templates" / "reports_index.html.j2"


def collect_runs(reports_dir: Path) -> list[dict[str, Any]]:
    """One entry per playbook: ``latest`` (its newest good own run, else its newest own run, else None),
    ``failing`` (own runs that failed after the latest good one), ``older`` own runs, ``adhoc``
    runs, newest first, and ``about`` (the newest run of any kind, for the title and audience);
    unreadable run.json files are skipped."""
    playbooks = []
    for folder in sorted(p for p in reports_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        runs = []
        for run_json in folder.glob("*/run.json"):
            if run_json.parent.name.startswith("."):
                continue
            try:
                runs.append(json.loads(run_json.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError):
                continue
        if runs:
            for run in runs:
                run["window"] = _window(run)
                run["when"] = str(run.get("started_at", "")).replace("T", " ")[:16] + " UTC"
            runs.sort(key=lambda r: r.get("run_id", ""), reverse=True)
            own = [r for r in runs if not r.get("adhoc")]
            adhoc = [r for r in runs if r.get("adhoc")]
            # a run that keeps failing does not replace the last good report: it is shown beside it
            good = next((r for r in own if r.get("status") == "ok"), None)
            failing = [r for r in own if good is not None and r.get("run_id", "") > good.get("run_id", "")]
            latest = good if good is not None else (own[0] if own else None)
            older = [r for r in own if r is not latest and r not in failing]
            if latest is not None:
                _add_history(latest, [r for r in own if r is not latest])
            playbooks.append(
                {"name": folder.name, "latest": latest, "failing": failing, "older": older, "adhoc": adhoc,
                 "about": runs[0], "next_run": _next_run(runs[0])}
            )  # fmt: skip
    return playbooks


HISTORY = 12  # runs a sparkline shows


def _add_history(latest: dict[str, Any], earlier: list[dict[str, Any]]) -> None:
    """Give each report of ``latest`` its KPIs' history over the own runs before it (newest first in
    ``earlier``; a run counts for a report when that report succeeded in it): the values for a
    sparkline and a "what changed" text against the previous run."""
    for report in latest.get("reports", []):
        lines = []
        for kpi in report.get("kpis", []):
            values = [float(kpi["value"])]
            for run in earlier[: HISTORY - 1]:
                past = next((r for r in run.get("reports", []) if r.get("name") == report.get("name")), None)
                if past is None or past.get("status") != "ok":
                    continue
                match = next((k for k in past.get("kpis", []) if k.get("name") == kpi["name"]), None)
                if match is None:
                    break
                values.append(float(match["value"]))
            values.reverse()  # oldest first
            lines.append(
                {
                    "name": kpi["name"],
                    "value": kpi_text(values[-1], kpi.get("unit", "")),
                    "change": _change(values, kpi.get("unit", "")),
                    "sparkline": sparkline(values),
                }
            )
        report["history"] = lines


def _change(values: list[float], unit: str) -> str:
    """Against the previous run: relative change, or percentage points for a share."""
    if len(values) < 2:
        return "first run"
    now, before = values[-1], values[-2]
    if unit == "%":
        return f"{(now - before) * 100:+.2f} pp vs previous run".replace("-", "\N{MINUS SIGN}")
    if before == 0:
        return "previous run 0"
    return f"{(now - before) / abs(before):+.1%} vs previous run".replace("-", "\N{MINUS SIGN}")


def sparkline(values: list[float], width: int = 96, height: int = 22) -> str:
    """An inline SVG line of ``values`` (oldest first); built from numbers only, so safe to embed.

    >>> sparkline([1.0, 3.0, 2.0]).startswith('<svg class="sparkline" width="96" height="22"')
    True
    """
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 4) / (len(values) - 1)
    points = " ".join(
        f"{2 + i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in enumerate(values)
    )
    return (
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="trend over {len(values)} runs"><polyline fill="none" stroke="#0173b2" stroke-width="1.5" '
        f'points="{points}"/></svg>'
    )


def _next_run(run: dict[str, Any]) -> str:
    """The playbook's next scheduled time from the schedule its newest run recorded ('' if none)."""
    schedule = run.get("schedule")
    if not schedule:
        return ""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from croniter import croniter

    zone = ZoneInfo(run.get("timezone") or "UTC")
    tick = croniter(schedule, dt.datetime.now(dt.UTC).astimezone(zone)).get_next(dt.datetime)
    return f"{tick:%Y-%m-%d %H:%M} {run.get('timezone') or 'UTC'}"


def _window(run: dict[str, Any]) -> str:
    """The data window the run's reports used (from their resolved parameters)."""
    for report in run.get("reports", []):
        params = report.get("parameters", {})
        if params.get("start_date") and params.get("end_date"):
            return f"{params['start_date']} to {params['end_date']}"
    return "all data"


def write_index(reports_dir: Path) -> Path:
    """Write ``index.html`` atomically and return its path."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    html = env.from_string(_TEMPLATE.read_text(encoding="utf-8")).render(playbooks=collect_runs(reports_dir))
    target = reports_dir / "index.html"
    write_text(target, html)  # runs of other playbooks, `journey index` and `serve` write it too
    return target
