"""Errors under /console, as pages: a sign-in the browser is sent to, or a page that says what went wrong."""

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from api.console.i18n import N_
from api.console.rendering import redirect, render
from api.console.security import HEADERS
from api.errors import ProblemFacts

TITLES = {
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Someone else changed this first"),
    412: N_("Someone else changed this first"),
    413: N_("The file is too large"),
    415: N_("This kind of file is not accepted"),
    422: N_("Something in the request is not valid"),
    429: N_("Too many attempts"),
    503: N_("The service is not available just now"),
}


async def problem_page(request: Request, facts: ProblemFacts) -> Response:
    if facts.status == 401:
        query = urlencode({"next": request.url.path}) if request.method == "GET" else ""
        return redirect(request, "/console/login" + (f"?{query}" if query else ""))
    headers = {key: value for key, value in (facts.headers or {}).items() if key.lower() == "retry-after"}
    # The handler of unexpected errors answers outside the middleware that adds these to console pages.
    headers.update({**HEADERS, "Cache-Control": "no-store"})
    title = TITLES.get(facts.status, N_("Something went wrong"))
    return render(
        request,
        "error.html",
        {"status": facts.status, "title": title, "facts": facts},
        status=facts.status,
        headers=headers,
    )
