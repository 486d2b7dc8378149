"""The directory as other domains use it: summaries of listings of every kind at once, for mixed lists (the search
across kinds, the offline sync); and its reference data whole, for choosers (districts, live-figure categories)."""

from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.articles import service as articles
from api.directory.bundles import service as bundles
from api.directory.catalogue import names
from api.directory.catalogue import service as catalogue
from api.directory.catalogue.schemas import CategoryNode, DistrictPublic
from api.directory.events import service as events
from api.directory.places import service as places
from api.http import Language, plain

KINDS = ("place", "event", "article", "bundle")
Ref = tuple[str, Any]  # (kind, id) — bundles are identified by their code


async def summaries(
    session: AsyncSession, language: Language, refs: list[Ref]
) -> dict[Ref, BaseModel | dict[str, Any]]:
    """The visible listings among `refs`, by ref; the invisible ones are simply absent."""
    wanted: dict[str, list[Any]] = {kind: [] for kind in KINDS}
    for kind, identity in refs:
        wanted[kind].append(identity)
    found: dict[Ref, BaseModel | dict[str, Any]] = {}
    for place_id, summary in (await places.place_summaries(session, wanted["place"], language)).items():
        found[("place", place_id)] = summary
    for event_id, summary in (await events.event_summaries(session, wanted["event"], language)).items():
        found[("event", event_id)] = summary
    for article_id, summary in (await articles.article_summaries(session, wanted["article"], language)).items():
        found[("article", article_id)] = summary
    if wanted["bundle"]:
        for summary in await bundles.bundle_summaries(session, language, codes=wanted["bundle"]):
            found[("bundle", summary.code)] = summary
    return found


def tagged(kind: str, summary: BaseModel | dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, **plain(summary)}


async def reference_names(session: AsyncSession) -> names.ReferenceNames:
    """The names of districts, categories and streets by code (kept per process for a minute), for other domains'
    pages and filters."""
    return await names.reference_names(session)


# Whatever writes categories, districts or streets announces it (the seed); the app forgets the names on it.
REFERENCE_CHANNEL = names.REFERENCE_CHANNEL
announce_reference_change = names.announce_reference_change
forget_reference_names_once_replicated = names.forget_once_replicated


async def districts(session: AsyncSession, language: Language) -> list[DistrictPublic]:
    """Every district, in the directory's order, named in `language`."""
    return await catalogue.all_districts(session, language)


async def live_figure_categories(session: AsyncSession, language: Language) -> list[CategoryNode]:
    """The place categories whose listings take live figures (what a feed key may be scoped to)."""
    return await catalogue.live_figure_categories(session, language)
