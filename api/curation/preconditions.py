"""Optimistic concurrency for staff edits: the ETag is the listing's version; an edit must name the version it
was made on (`If-Match`), so that an edit made on an older version is refused instead of silently undoing
someone else's."""

from api.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def require_if_match(if_match: str | None, version: int) -> None:
    """428 without `If-Match`; 412 when it names another version than the current one."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "send If-Match with the ETag of the version you edited (GET the listing for it)",
            headers={"ETag": etag(version)},
        )
    candidates = {candidate.strip().removeprefix("W/") for candidate in if_match.split(",")}
    if "*" not in candidates and etag(version) not in candidates:
        raise PreconditionFailed(
            f"the listing was changed by someone else since you read it: it is now at version {version}; "
            "see its history, then edit again",
            headers={"ETag": etag(version)},
        )
