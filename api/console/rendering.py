"""The one place console pages are built: Jinja2 templates in the reader's language, with who is signed in, the
CSRF token, the navigation and a notice; and the one way to send the browser on (a redirect, or htmx's header)."""

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.console import notices
from api.console.i18n import LANGUAGES, language_of, problem_text, translations
from api.console.navigation import ROLE_LABELS, current_section, sections_for
from api.timestamps import to_local

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/console/static"


def _static_versions() -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12] for path in STATIC_DIR.iterdir() if path.is_file()
    }


_VERSIONS = _static_versions()


def static_url(name: str) -> str:
    """A static file's address with its content's hash, so a new release is never served from an old cache."""
    return f"{STATIC_PREFIX}/{name}?v={_VERSIONS[name]}"


def local_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(moment)
    return local.strftime(pattern) if local else ""


def _environment(language: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    environment.globals["static"] = static_url
    environment.globals["language"] = language
    environment.filters["local_time"] = local_time
    return environment


_ENVIRONMENTS = {language: _environment(language) for language in LANGUAGES}


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    language = language_of(request)
    user = getattr(request.state, "console_user", None)
    sections = sections_for(user) if user else []
    page = {
        "request": request,
        "user": user,
        "csrf_token": user.csrf_token if user else "",
        "sections": sections,
        "role_labels": ROLE_LABELS,
        "current_section": current_section(request.url.path, sections),
        "notice": notices.text_of(request.query_params.get("notice")),
        "problem_text": lambda code, fallback: problem_text(language, code, fallback),
    }
    html = _ENVIRONMENTS[language].get_template(template).render({**page, **(context or {})})
    return HTMLResponse(html, status_code=status, headers=headers)


def redirect(request: Request, path: str, *, notice: str | None = None) -> Response:
    """Send the browser to a console page (a 303 after a form, htmx's HX-Redirect after an htmx request)."""
    if notice is not None:
        if notices.text_of(notice) is None:
            raise ValueError(f"unregistered notice {notice!r}")
        path += ("&" if "?" in path else "?") + urlencode({"notice": notice})
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": path})
    return RedirectResponse(path, status_code=303)


def next_page_url(request: Request, cursor: str | None) -> str | None:
    """The next page of the list being shown: the same address and filters, with the cursor the list answered."""
    if not cursor:
        return None
    kept = [(name, value) for name, value in request.query_params.multi_items() if name not in ("cursor", "notice")]
    return f"{request.url.path}?{urlencode([*kept, ('cursor', cursor)])}"


def safe_next(target: str | None, default: str = "/console") -> str:
    """Where to go after sign-in or a language change: only a path of this console (no open redirect)."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return default
