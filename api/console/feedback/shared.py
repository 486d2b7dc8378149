"""What the queue, the case and the dashboard share: names for codes and people, and the deadline in working days."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel

from api.accounts import users
from api.console.auth import ConsoleUser, role_required
from api.console.i18n import language_of
from api.db import SessionDep
from api.directory import service as directory
from api.feedback import deadlines, states, views
from models import Feedback

ModelT = TypeVar("ModelT", bound=BaseModel)
# Residents' phone numbers are revealed by reviewers only, as in the API (api.deps.PhoneRevealer): not by admins.
PHONE_REVEALERS = ("reviewer",)
ConsolePhoneRevealer = Annotated[ConsoleUser, Depends(role_required(*PHONE_REVEALERS))]


@dataclass(frozen=True)
class Deadline:
    """A deadline as the team reads it: working days left (negative once passed) and whether it is overdue."""

    due_at: datetime
    open: bool
    overdue: bool
    working_days_left: int


def deadline_of(feedback: Feedback, now: datetime | None = None) -> Deadline:
    return Deadline(
        due_at=feedback.due_at,
        open=feedback.status in states.OPEN_STATUSES,
        overdue=views.overdue(feedback, now),
        working_days_left=deadlines.working_days_left(feedback.due_at, now),
    )


class Names:
    """Districts' and categories' names in the reader's language, and the team's names by account id."""

    def __init__(self, reference: directory.names.ReferenceNames, language: str, team: dict[int, str]) -> None:
        self.reference, self.language, self.team = reference, language, team

    def district(self, code: str | None) -> str:
        names = self.reference.districts.get(code or "")
        if names is None:
            return code or ""
        return (names.name_en or names.name) if self.language == "en" else names.name

    def category(self, code: str | None) -> str:
        names = self.reference.categories.get(code or "")
        if names is None:
            return code or ""
        return (names.name_en or names.name) if self.language == "en" else names.name

    def person(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        return self.team.get(user_id, f"#{user_id}")

    def districts(self) -> list[tuple[str, str]]:
        return [(code, self.district(code)) for code in sorted(self.reference.districts)]

    def categories(self) -> list[tuple[str, str]]:
        return [(code, f"{self.category(code)} ({code})") for code in sorted(self.reference.categories)]


async def names_for(session: SessionDep, request: Request) -> Names:
    team = {
        account.id: account.display_name or account.username or f"#{account.id}"
        for account in await users.feedback_team(session)
    }
    return Names(await directory.reference_names(session), language_of(request), team)
