"""The audit log names every action and object type the API writes: the codes are read from the source the way a
reader finds them (`audit.record(action=...)`, the rows the batch writer inserts, and the listing writes that are
audited as `<kind>.<action>`), so a new code without its label fails here."""

import ast
from pathlib import Path
from typing import get_args

from api.console.admin.audit_labels import ACTION_LABELS, DISTRICT_DETAILS, OBJECT_TYPE_LABELS
from api.curation.content.writes import ARTICLES, BUNDLES, EVENTS
from api.curation.places.writes import StatusAction

API = Path(__file__).resolve().parents[2] / "api"
# The writers whose action is built from a kind and a listing write, enumerated by `_listing_writes` below.
LISTING_WRITERS = {"api/curation/versions.py", "api/curation/places/batch.py"}
# What every listing can have besides its status changes; the test checks no other constant is passed.
PLAIN_WRITES = ("create", "edit")


def _strings(node: ast.expr | None) -> set[str] | None:
    """The texts an expression can be when it is made of literals only (`"a"`, `"a" if x else "b"`), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body), _strings(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return None


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        prefix = func.value.id + "." if isinstance(func.value, ast.Name) else ""
        return prefix + func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _audit_writes() -> tuple[set[str], set[str], set[str], set[str]]:
    """(literal actions, literal object types, files writing an action built otherwise, constant actions passed to
    the listing writers) over every module of api/."""
    actions: set[str] = set()
    object_types: set[str] = set()
    built: set[str] = set()
    listing_actions: set[str] = set()
    for path in sorted(API.rglob("*.py")):
        where = str(path.relative_to(API.parent))
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            pairs: list[tuple[ast.expr | None, ast.expr | None]] = []
            if isinstance(node, ast.Call) and _name(node) == "audit.record":
                pairs.append((_keyword(node, "action"), _keyword(node, "object_type")))
            elif isinstance(node, ast.Dict) and "AuditEntry" in source:
                pairs_of = zip(node.keys, node.values, strict=True)
                values = {k.value: v for k, v in pairs_of if isinstance(k, ast.Constant)}
                if "action" in values:
                    pairs.append((values["action"], values.get("object_type")))
            elif isinstance(node, ast.Call) and _name(node).split(".")[-1] in ("record_write", "_written", "_version"):
                # `_written(session, principal, kind, row, action, ...)` takes it by position.
                given = _keyword(node, "action") or (node.args[4] if len(node.args) > 4 else None)
                listing_actions |= _strings(given) or set()
            for action, object_type in pairs:
                if (texts := _strings(action)) is not None:
                    actions |= texts
                else:
                    built.add(where)
                object_types |= _strings(object_type) or set()
    return actions, object_types, built, listing_actions


def _listing_writes() -> set[str]:
    """`<kind>.<action>` for every listing write: the plain writes and each kind's status changes."""
    kinds = {"place": frozenset(get_args(StatusAction))}
    kinds |= {kind.name: kind.actions for kind in (EVENTS, ARTICLES, BUNDLES)}
    return {f"{kind}.{action}" for kind, changes in kinds.items() for action in (*PLAIN_WRITES, *changes)}


def test_the_extraction_finds_the_trail_it_should() -> None:
    actions, object_types, built, _ = _audit_writes()
    assert {"user.districts", "place.verify", "feedback.reveal_phone", "calendar_year_loaded"} <= actions
    assert {"user", "feed_key", "import_job", "calendar_year"} <= object_types


def test_every_action_written_has_a_label() -> None:
    actions, _, built, listing_actions = _audit_writes()
    assert built == LISTING_WRITERS, (
        "an audit action is built from parts outside the listing writers: enumerate its codes in this test"
    )
    status_changes = {a for kind in (EVENTS, ARTICLES, BUNDLES) for a in kind.actions} | set(get_args(StatusAction))
    assert listing_actions <= {*PLAIN_WRITES, *status_changes}, "a listing write this test does not enumerate"
    missing = sorted((actions | _listing_writes()) - ACTION_LABELS.keys())
    assert not missing, f"audit actions without a label in api/console/admin/audit_labels.py: {missing}"


def test_every_object_type_written_has_a_label() -> None:
    _, object_types, _, _ = _audit_writes()
    listing_kinds = {"place"} | {kind.name for kind in (EVENTS, ARTICLES, BUNDLES)}
    missing = sorted((object_types | listing_kinds) - OBJECT_TYPE_LABELS.keys())
    assert not missing, f"audit object types without a label in api/console/admin/audit_labels.py: {missing}"


def test_district_details_name_labelled_actions() -> None:
    assert DISTRICT_DETAILS.keys() <= ACTION_LABELS.keys()
