"""One-thing bundles (一件事) and the guide that picks the matters and documents a resident needs."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import PublicRead
from api.directory.bundles import views
from api.directory.bundles.schemas import BundleDetail, BundleSummary, GuideAnswer, GuideMaterial
from api.errors import NotFound, ValidationFailed
from api.http import Language
from api.pagination import Page, page_in_memory
from api.visibility import publicly_visible
from models import Bundle, BundleMatter


async def list_bundles(public: PublicRead, *, limit: int, cursor: str | None) -> Page[BundleSummary]:
    """By code."""
    async with public.session() as session:
        bundles = await bundle_summaries(session, public.language)
    return page_in_memory(bundles, "code", kind="bundles", limit=limit, cursor=cursor)


async def bundle_summaries(
    session: AsyncSession, language: Language, codes: list[str] | None = None
) -> list[BundleSummary]:
    """The published bundles (those of `codes` only, when given), by code."""
    matter_counts = (
        select(BundleMatter.bundle_code, func.count().label("matters")).group_by(BundleMatter.bundle_code).subquery()
    )
    statement = (
        select(Bundle, func.coalesce(matter_counts.c.matters, 0))
        .outerjoin(matter_counts, matter_counts.c.bundle_code == Bundle.code)
        .where(publicly_visible(Bundle))
        .order_by(Bundle.code)
    )
    if codes is not None:
        statement = statement.where(Bundle.code.in_(codes))
    return [views.summary(bundle, count, language) for bundle, count in (await session.execute(statement)).all()]


async def _bundle_with_matters(session: AsyncSession, code: str) -> tuple[Bundle, list[BundleMatter]]:
    bundle = (await session.scalars(select(Bundle).where(publicly_visible(Bundle), Bundle.code == code))).first()
    if bundle is None:
        raise NotFound(f"there is no published bundle {code}")
    matters = (
        await session.scalars(
            select(BundleMatter).where(BundleMatter.bundle_code == code).order_by(BundleMatter.position)
        )
    ).all()
    return bundle, list(matters)


async def bundle_detail(public: PublicRead, code: str) -> BundleDetail:
    async with public.session() as session:
        bundle, matters = await _bundle_with_matters(session, code)
        return views.detail(bundle, matters, public.language)


def _check_answers(questions: list[dict[str, Any]], answers: dict[str, bool | str]) -> None:
    by_code = {question["code"]: question for question in questions}
    problems = []
    for code, value in answers.items():
        question = by_code.get(code)
        if question is None:
            problems.append({"loc": ["body", "answers", code], "msg": "no such question", "type": "unknown"})
        elif question["type"] == "boolean" and not isinstance(value, bool):
            problems.append({"loc": ["body", "answers", code], "msg": "answer true or false", "type": "bool_type"})
        elif question["type"] == "choice":
            allowed = [option["value"] for option in question.get("options") or []]
            if value not in allowed:
                problems.append({"loc": ["body", "answers", code], "msg": f"answer one of {allowed}", "type": "enum"})
    if problems:
        raise ValidationFailed("some answers do not fit the bundle's questions", errors=problems)


def _condition_holds(expected: Any, answer: Any) -> bool:
    return answer in expected if isinstance(expected, list) else answer == expected


async def guide(public: PublicRead, code: str, answers: dict[str, bool | str]) -> GuideAnswer:
    """The matters that apply to these answers and one merged list of the documents they need."""
    async with public.session() as session:
        bundle, matters = await _bundle_with_matters(session, code)
    _check_answers(bundle.questions, answers)
    applying, unanswered = [], set()
    for matter in matters:
        missing = [q for q in matter.applies_when if q not in answers]
        if missing:
            unanswered.update(missing)
            continue
        if all(_condition_holds(expected, answers[q]) for q, expected in matter.applies_when.items()):
            applying.append(matter)

    merged: dict[str, GuideMaterial] = {}
    total = 0
    for matter in applying:
        for material in matter.materials:
            total += 1
            known = merged.get(material["code"])
            if known is None:
                merged[material["code"]] = GuideMaterial(**material, needed_for=[matter.code])
                continue
            # One document serves every matter: bring the original if any asks for it, and enough copies.
            known.original = known.original or bool(material.get("original"))
            known.copies = max(known.copies, int(material.get("copies") or 1))
            known.needed_for.append(matter.code)
            if material.get("note") and material["note"] != known.note:
                known.note = "；".join(filter(None, [known.note, material["note"]]))
    return views.guide_answer(bundle, applying, list(merged.values()), total, unanswered, public.language)
