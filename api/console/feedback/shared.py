"""What the queue, the case and the dashboard share: names for codes and people, and the deadline in working days."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from api.accounts import users
from api.console.auth import ConsoleUser, role_required
from api.console.i18n import language_of
from api.db import SessionDep
from api.directory import service as directory
from api.errors import ValidationFailed
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


def checked(model: type[ModelT], data: dict, fields: dict[str, str] | None = None) -> ModelT:
    """`data` read as the API's body `model` would read it, so that the console accepts what the API accepts;
    its refusal as a ValidationFailed naming the form's fields (`fields` maps the body's names to the form's)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = fields or {}
        errors = [
            {
                # A rule of the whole body (no field) goes above the form.
                "loc": ["body", fields.get(str(error["loc"][-1]), str(error["loc"][-1]))] if error["loc"] else ["body"],
                "msg": error["msg"],
                "type": error["type"],
            }
            for error in exc.errors()
        ]
        raise ValidationFailed("the form is not valid", errors=errors) from exc
