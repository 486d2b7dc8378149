"""The feedback team's pages: the queue (here), a case (`case.py`), the dashboard (`dashboard.py`) and the reply
templates (`reply_templates.py`)."""

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.console.auth import ConsoleReviewer
from api.console.feedback import case, dashboard, reply_templates
from api.console.feedback.labels import KIND_LABELS, STATUS_LABELS
from api.console.feedback.shared import deadline_of, names_for
from api.console.i18n import N_, text
from api.console.rendering import next_page_url, render
from api.db import ReadSessionDep
from api.feedback import states, triage
from api.pagination import CursorParam

router = APIRouter(prefix="/console/feedback", include_in_schema=False)
QUEUE_PAGE_SIZE = 25
# "open": any open status (the default: the work still to do); "all": every status.
StatusChoice = Literal["open", "all", *STATUS_LABELS]  # type: ignore[valid-type]
KindChoice = Literal["", *KIND_LABELS]  # type: ignore[valid-type]


@router.get("")
async def queue_page(
    request: Request,
    user: ConsoleReviewer,
    session: ReadSessionDep,
    status: StatusChoice = "open",
    district: Annotated[str, Query(max_length=6)] = "",
    kind: KindChoice = "",
    category: Annotated[str, Query(max_length=60)] = "",
    mine: Annotated[str, Query(max_length=1)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    cursor: CursorParam = None,
    limit: Annotated[int, Query(ge=1, le=100)] = QUEUE_PAGE_SIZE,
) -> Response:
    chosen = {
        "limit": str(limit) if limit != QUEUE_PAGE_SIZE else "",
        "status": status,
        "district": district,
        "kind": kind,
        "category": category,
        "mine": mine,
        "q": q.strip(),
    }
    filters = triage.QueueFilter(
        status=status if status in STATUS_LABELS else None,
        open_only=status == "open",
        district=district or None,
        kind=kind or None,
        category=category or None,
        assignee="me" if mine else None,
        q=chosen["q"] or None,
    )
    items, next_cursor = await triage.worklist(session, user.principal, filters, limit=limit, cursor=cursor)
    counts = await triage.status_counts(session, user.principal, filters)
    names = await names_for(session, request)
    rows = [
        {
            "feedback": item,
            "district": names.district(item.district_code),
            "assignee": names.person(item.assignee_id),
            "deadline": deadline_of(item),
        }
        for item in items
    ]
    return render(
        request,
        "feedback/queue.html",
        {
            "rows": rows,
            "chosen": chosen,
            "counts": [(code, label, counts.get(code, 0)) for code, label in STATUS_LABELS.items()],
            "open_count": sum(counts.get(code, 0) for code in states.OPEN_STATUSES),
            "all_count": sum(counts.values()),
            "count_url": lambda code: _queue_url({**chosen, "status": code}),
            "next_url": next_page_url(request, next_cursor),
            "status_options": [
                ("open", text(request, N_("Open"))),
                *((code, text(request, label)) for code, label in STATUS_LABELS.items()),
                ("all", text(request, N_("All"))),
            ],
            "kind_options": [(code, text(request, label)) for code, label in KIND_LABELS.items()],
            "status_labels": STATUS_LABELS,
            "kind_labels": KIND_LABELS,
            "districts": names.districts(),
            "categories": names.categories(),
            "filtered": any(value for key, value in chosen.items() if key not in ("status", "limit"))
            or status != "open",
        },
    )


def _queue_url(values: dict[str, str | None]) -> str:
    """The queue with these filters (the defaults and the empty ones left out of the address)."""
    query = {key: value for key, value in values.items() if value and not (key == "status" and value == "open")}
    return "/console/feedback" + (f"?{urlencode(query)}" if query else "")


# Before the case's "/{feedback_id}" (a path parameter matches any text, its int type is checked only after):
# "/dashboard" and "/templates" are pages of their own, not feedback ids.
router.include_router(dashboard.router)
router.include_router(reply_templates.router)
router.include_router(case.router)
