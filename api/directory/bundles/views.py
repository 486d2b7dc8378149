"""What residents receive of a one-thing bundle: its summary, its details, and the guide's answer."""

from typing import Any

from api.directory.bundles.schemas import (
    BundleDetail,
    BundleSummary,
    GuideAnswer,
    GuideMaterial,
    Matter,
    Question,
    QuestionOption,
)
from api.http import Language, localized
from models import Bundle, BundleMatter


def summary(bundle: Bundle, matter_count: int, language: Language) -> BundleSummary:
    return BundleSummary(
        code=bundle.code,
        name=localized(language, bundle.name, bundle.name_en) or bundle.name,
        summary=bundle.summary,
        lead_department=bundle.lead_department,
        matter_count=matter_count,
        sample=bundle.is_sample,
    )


def matter(row: BundleMatter, language: Language) -> Matter:
    return Matter(
        code=row.code,
        name=localized(language, row.name, row.name_en) or row.name,
        department=row.department,
        legal_days=row.legal_days,
        promised_days=row.promised_days,
        online_depth=row.online_depth,
        fee_yuan=row.fee_yuan,
        fee_note=row.fee_note,
        applies_when=row.applies_when,
        materials=row.materials,
    )


def question(asked: dict[str, Any], language: Language) -> Question:
    options = asked.get("options")
    return Question(
        code=asked["code"],
        text=localized(language, asked["text"], asked.get("text_en")) or asked["text"],
        type=asked["type"],
        options=[
            QuestionOption(value=o["value"], label=localized(language, o["label"], o.get("label_en")) or o["label"])
            for o in options
        ]
        if options
        else None,
    )


def detail(bundle: Bundle, matters: list[BundleMatter], language: Language) -> BundleDetail:
    return BundleDetail(
        **summary(bundle, len(matters), language).model_dump(),
        name_zh=bundle.name,
        name_en=bundle.name_en,
        channels=bundle.channels,
        questions=[question(q, language) for q in bundle.questions],
        matters=[matter(m, language) for m in matters],
        version=bundle.version,
    )


def guide_answer(
    bundle: Bundle,
    applying: list[BundleMatter],
    materials: list[GuideMaterial],
    materials_total: int,
    unanswered: set[str],
    language: Language,
) -> GuideAnswer:
    return GuideAnswer(
        bundle=bundle.code,
        matters=[matter(m, language) for m in applying],
        materials=materials,
        materials_total=materials_total,
        materials_required=len(materials),
        promised_days=max((m.promised_days for m in applying), default=0),
        unanswered=sorted(unanswered),
    )
