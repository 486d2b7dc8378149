"""The dashboard: how feedback is handled, per district, from the same figures as the API's `/v1/stats/feedback`."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.console.auth import ConsoleReviewer
from api.console.feedback.labels import STATUS_LABELS
from api.console.feedback.shared import names_for
from api.console.i18n import N_, text
from api.console.rendering import render
from api.db import ReadSessionDep
from api.feedback import states, stats

router = APIRouter()
UNKNOWN = N_("District unknown")


@router.get("/dashboard")
async def dashboard_page(
    request: Request,
    _: ConsoleReviewer,
    session: ReadSessionDep,
    district: Annotated[str, Query(pattern=r"^([0-9]{6})?$")] = "",
) -> Response:
    names = await names_for(session, request)
    summary = await stats.feedback_stats(session, district or None)
    counts = {item["key"]: item["count"] for item in summary["by_status"]}
    rows = [
        {**row, "name": names.district(row["district"]) if row["district"] != stats.UNKNOWN_DISTRICT else None}
        for row in await stats.figures_by_district(session)
        if not district or row["district"] == district
    ]
    # The chart: the open and overdue feedback of each district, or of each status in the one district chosen.
    if district:
        bars = [
            {"label": text(request, label), "value": counts.get(code, 0), "overdue": None}
            for code, label in STATUS_LABELS.items()
        ]
    else:
        bars = [
            {"label": row["name"] or text(request, UNKNOWN), "value": row["open"], "overdue": row["overdue"]}
            for row in rows
        ]
    return render(
        request,
        "feedback/dashboard.html",
        {
            "district": district,
            "district_name": names.district(district) if district else None,
            "districts": names.districts(),
            "summary": summary,
            "open": sum(counts.get(code, 0) for code in states.OPEN_STATUSES),
            "overdue": await stats.overdue_count(session, district or None),
            "rows": rows,
            "bars": bars,
            "bars_by_status": bool(district),
            "most": max([bar["value"] for bar in bars] + [1]),
            "status_labels": STATUS_LABELS,
        },
    )
