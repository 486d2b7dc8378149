"""The console's sections, each shown only to the roles whose routes accept them (the same role sets)."""

from dataclasses import dataclass

from api.console.auth import ADMINS, FEEDBACK_TEAM, OPERATORS, ConsoleUser
from api.console.i18n import N_

ROLE_LABELS = {
    "operator": N_("District operator"),
    "reviewer": N_("Feedback team"),
    "admin": N_("Administrator"),
}


@dataclass(frozen=True)
class Section:
    path: str
    label: str
    roles: tuple[str, ...]


SECTIONS = (
    Section("/console/feedback", N_("Feedback queue"), FEEDBACK_TEAM),
    Section("/console/feedback/dashboard", N_("Dashboard"), FEEDBACK_TEAM),
    Section("/console/listings", N_("Listings"), OPERATORS),
    Section("/console/imports", N_("Import"), OPERATORS),
    Section("/console/corrections", N_("Corrections"), OPERATORS),
    Section("/console/events", N_("Events"), OPERATORS),
    Section("/console/admin/users", N_("Users"), ADMINS),
    Section("/console/admin/keys", N_("Feed keys"), ADMINS),
    Section("/console/admin/audit", N_("Audit log"), ADMINS),
)


def sections_for(user: ConsoleUser) -> list[Section]:
    return [section for section in SECTIONS if user.may(section.roles)]


def current_section(path: str, sections: list[Section]) -> Section | None:
    """The section a path belongs to: the longest section path it starts with."""
    matching = [s for s in sections if path == s.path or path.startswith(s.path + "/")]
    return max(matching, key=lambda s: len(s.path), default=None)
