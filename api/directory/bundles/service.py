"""One-thing bundles (一件事) and the guide that picks the matters and documents a resident needs."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.bundles.schemas import (
    BundleDetail,
    BundleSummary,
    GuideAnswer,
    GuideMaterial,
    Matter,
    Question,
    QuestionOption,
)
from api.errors import NotFound, ValidationFailed
from api.http import Language, localized
from api.visibility import publicly_visible
from models import Bundle, BundleMatter


async def list_bundles(
    session: AsyncSession, language: Language, codes: list[str] | None = None
) -> list[BundleSummary]:
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
    return [_summary(bundle, count, language) for bundle, count in (await session.execute(statement)).all()]


def _summary(bundle: Bundle, matter_count: int, language: Language) -> BundleSummary:
    return BundleSummary(
        code=bundle.code,
        name=localized(language, bundle.name, bundle.name_en) or bundle.name,
        summary=bundle.summary,
        lead_department=bundle.lead_department,
        matter_count=matter_count,
        sample=bundle.is_sample,
    )


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


def _matter(matter: BundleMatter, language: Language) -> Matter:
    return Matter(
        code=matter.code,
        name=localized(language, matter.name, matter.name_en) or matter.name,
        department=matter.department,
        legal_days=matter.legal_days,
        promised_days=matter.promised_days,
        online_depth=matter.online_depth,
        fee_yuan=matter.fee_yuan,
        fee_note=matter.fee_note,
        applies_when=matter.applies_when,
        materials=matter.materials,
    )


def _question(question: dict[str, Any], language: Language) -> Question:
    options = question.get("options")
    return Question(
        code=question["code"],
        text=localized(language, question["text"], question.get("text_en")) or question["text"],
        type=question["type"],
        options=[
            QuestionOption(value=o["value"], label=localized(language, o["label"], o.get("label_en")) or o["label"])
            for o in options
        ]
        if options
        else None,
    )


async def bundle_detail(session: AsyncSession, code: str, language: Language) -> BundleDetail:
    bundle, matters = await _bundle_with_matters(session, code)
    return BundleDetail(
        **_summary(bundle, len(matters), language).model_dump(),
        name_zh=bundle.name,
        name_en=bundle.name_en,
        channels=bundle.channels,
        questions=[_question(q, language) for q in bundle.questions],
        matters=[_matter(m, language) for m in matters],
        version=bundle.version,
    )


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


async def guide(session: AsyncSession, code: str, answers: dict[str, bool | str], language: Language) -> GuideAnswer:
    """The matters that apply to these answers and one merged list of the documents they need."""
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
    return GuideAnswer(
        bundle=bundle.code,
        matters=[_matter(m, language) for m in applying],
        materials=list(merged.values()),
        materials_total=total,
        materials_required=len(merged),
        promised_days=max((m.promised_days for m in applying), default=0),
        unanswered=sorted(unanswered),
    )
