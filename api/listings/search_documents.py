"""A listing's search documents, kept in step with every ORM write inside the same transaction (after each flush).

What is indexed is the listings' business: which listings residents may see (published, not deleted), which of
their fields and reference names a search finds them by. The engine (api.textsearch) turns texts into tokens
and stores documents; it knows nothing of listings. The flush hook is registered by api.listings.write_hooks.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from api.textsearch.grid import scoped_tokens
from api.textsearch.index import (
    ContentDocument,
    PlaceDocument,
    clear_documents,
    compact,
    remove_place_documents,
    write_content_documents,
    write_place_documents,
)
from api.textsearch.tokens import district_scoped, document, place_filter_tokens
from models import Article, Bundle, BundleMatter, Category, District, Event, Place, Street


def reference_names(connection: Connection) -> dict[str, tuple[str, str | None]]:
    """Reference names by code: categories, districts and streets (small tables)."""
    names: dict[str, tuple[str, str | None]] = {}
    for code, name, name_en in connection.execute(select(Category.code, Category.name, Category.name_en)):
        names[code] = (name, name_en)
    for code, name, name_en in connection.execute(select(District.code, District.name, District.name_en)):
        names[code] = (name, name_en)
    for code, name in connection.execute(select(Street.code, Street.name)):
        names[code] = (name, None)
    return names


def _category_texts(code: str | None, names: dict) -> list[str | None]:
    texts: list[str | None] = []
    while code:
        texts += names.get(code, (None, None))
        code = code.rpartition(".")[0]
    return texts


def _flat_strings(values: Iterable[Any]) -> list[str]:
    strings = []
    for value in values:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, list):
            strings += [item for item in value if isinstance(item, str)]
    return strings


def place_document(place: Any, names: dict, *, area_names: bool = True) -> PlaceDocument:
    """`area_names=False`: the area field before migration 0010, without the name's words."""
    district = names.get(place.district_code, (None, None))
    street = names.get(place.street_code, (None, None)) if place.street_code else (None, None)
    body = [
        *_category_texts(place.category_code, names),
        *district,
        street[0],
        place.address,
        place.address_en,
        place.description,
        *(place.tags or []),
        *_flat_strings((place.attributes or {}).values()),
    ]
    name, body_tokens = document([place.name, place.name_en], body)
    # District and street names in pinyin too: residents type "xuhui" as often as 徐汇.
    places_pinyin, _ = document([district[0], street[0]], [])
    pinyin_only = " ".join(token for token in places_pinyin.split() if token.isascii())
    filters = " ".join(place_filter_tokens(place.category_code, place.district_code))
    # The area field: every word scoped to the district, the name's words again, and the filter tokens, so that a
    # search within a district is answered by this field alone, name matches included (its own index on
    # PostgreSQL: the city-wide `doc` stays small).
    words = dict.fromkeys(f"{name} {body_tokens} {pinyin_only}".split())
    name_words = district_scoped(place.district_code, name.split(), "n") if area_names else []
    area = " ".join((*district_scoped(place.district_code, list(words)), *name_words, filters))
    body = f"{body_tokens} {pinyin_only} {filters}".strip()
    # The grid holds exactly the tokens of `doc` (name and body), so it finds exactly what `doc` finds.
    grid_words = scoped_tokens(place.lat, place.lng, dict.fromkeys(f"{name} {body}".split()), "w")
    return PlaceDocument(
        place.id,
        name,
        body,
        area,
        grid_words,
        place.lat,
        place.lng,
        place.category_code,
        place.district_code,
        place.schedule_id,
    )


def event_document(event_row: Any, names: dict) -> ContentDocument:
    body = [
        event_row.summary,
        event_row.body,
        event_row.venue_name,
        event_row.address,
        event_row.organizer,
        *_category_texts(event_row.category_code, names),
        *names.get(event_row.district_code or "", ()),
    ]
    name, body_tokens = document([event_row.title, event_row.title_en], body)
    return "event", str(event_row.id), name, body_tokens


def article_document(article: Any) -> ContentDocument:
    expert = article.expert or {}
    body = [
        article.summary,
        article.body,
        article.topic.replace("_", " "),
        article.audience,
        expert.get("name"),
        expert.get("title"),
        expert.get("organization"),
    ]
    name, body_tokens = document([article.title, article.title_en], body)
    return "article", str(article.id), name, body_tokens


def bundle_document(bundle: Any, matters: Sequence[Any]) -> ContentDocument:
    body = [bundle.summary, bundle.lead_department]
    for matter in matters:
        body += [matter.name, matter.name_en, matter.department]
    name, body_tokens = document([bundle.name, bundle.name_en], body)
    return "bundle", bundle.code, name, body_tokens


def is_visible(place: Any) -> bool:
    return place.status == "published" and place.deleted_at is None


def _bundle_matters(connection: Connection, code: str) -> Sequence[Any]:
    return connection.execute(
        select(BundleMatter.name, BundleMatter.name_en, BundleMatter.department).where(BundleMatter.bundle_code == code)
    ).all()


def _content_documents(connection: Connection, objects: list[Any], names: dict) -> list[ContentDocument]:
    documents: list[ContentDocument] = []
    bundle_codes = {obj.code for obj in objects if isinstance(obj, Bundle)}
    bundle_codes |= {obj.bundle_code for obj in objects if isinstance(obj, BundleMatter)}
    for obj in objects:
        if isinstance(obj, Event):
            documents.append(event_document(obj, names))
        elif isinstance(obj, Article):
            documents.append(article_document(obj))
    for code in sorted(bundle_codes):
        bundle = connection.execute(select(Bundle).where(Bundle.code == code)).first()
        if bundle is not None:
            documents.append(bundle_document(bundle, _bundle_matters(connection, code)))
    return documents


def index_after_flush(session: Session, _context: Any) -> None:
    """The `after_flush` hook (api.listings.write_hooks): what this flush wrote is indexed, or removed from the
    place index when residents may no longer see it."""
    indexed_types = (Place, Event, Article, Bundle, BundleMatter)
    written = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, indexed_types)]
    if not written:
        return
    connection = session.connection()
    names = reference_names(connection)
    places = [obj for obj in written if isinstance(obj, Place)]
    write_place_documents(connection, [place_document(place, names) for place in places if is_visible(place)])
    remove_place_documents(connection, [place.id for place in places if not is_visible(place)])
    write_content_documents(connection, _content_documents(connection, written, names))


# What a listing's documents are made of, named column by column: the migrations before a later `place` column
# (0012's `name_sort`) rebuild the index with this code too.
_INDEXED_PLACE_COLUMNS = (
    Place.id,
    Place.name,
    Place.name_en,
    Place.category_code,
    Place.district_code,
    Place.street_code,
    Place.address,
    Place.address_en,
    Place.description,
    Place.tags,
    Place.attributes,
    Place.lat,
    Place.lng,
    Place.schedule_id,
    Place.status,
    Place.deleted_at,
)


def rebuild(
    connection: Connection, *, with_area: bool = True, with_grid: bool = True, area_names: bool = True
) -> dict[str, int]:
    """Re-tokenize everything (`svcdir reindex`): after a tokenizer or vocabulary change.

    `with_area=False`, `with_grid=False` and `area_names=False` write the layouts before migrations 0008, 0009
    and 0010, for the migrations before them."""
    names = reference_names(connection)
    clear_documents(connection, with_grid=with_grid)
    counts = {"place": 0, "content": 0}
    last_id = 0
    while True:
        batch = connection.execute(
            select(*_INDEXED_PLACE_COLUMNS).where(Place.id > last_id).order_by(Place.id).limit(2000)
        ).all()
        if not batch:
            break
        visible = [place for place in batch if is_visible(place)]
        documents = [place_document(place, names, area_names=area_names) for place in visible]
        write_place_documents(connection, documents, with_area=with_area, with_grid=with_grid)
        counts["place"] += len(visible)
        last_id = batch[-1].id
    content: list[ContentDocument] = [event_document(e, names) for e in connection.execute(select(Event)).all()]
    content += [article_document(a) for a in connection.execute(select(Article)).all()]
    for bundle in connection.execute(select(Bundle)).all():
        content.append(bundle_document(bundle, _bundle_matters(connection, bundle.code)))
    write_content_documents(connection, content)
    counts["content"] = len(content)
    compact(connection, with_grid=with_grid)
    return counts
