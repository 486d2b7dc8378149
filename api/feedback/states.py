"""The one place where a feedback's status may move, and who may move it.

submitted → accepted → in_progress → resolved → closed; rejected (with a public reason) from submitted or
accepted; duplicate (linked to the original) from submitted or accepted; reopened from resolved by the resident
within 7 days, then back to in_progress; resolved → closed when the resident rates it or 7 days pass.
"""

from datetime import datetime, timedelta

from api.errors import Conflict

TEAM, RESIDENT, SYSTEM = "team", "resident", "system"
REOPEN_WINDOW = timedelta(days=7)
OPEN_STATUSES = ("submitted", "accepted", "in_progress", "reopened")

TRANSITIONS: dict[tuple[str, str], str] = {
    ("submitted", "accepted"): TEAM,
    ("submitted", "rejected"): TEAM,
    ("submitted", "duplicate"): TEAM,
    ("accepted", "in_progress"): TEAM,
    ("accepted", "rejected"): TEAM,
    ("accepted", "duplicate"): TEAM,
    ("in_progress", "resolved"): TEAM,
    ("reopened", "in_progress"): TEAM,
    ("resolved", "reopened"): RESIDENT,
    ("resolved", "closed"): RESIDENT,  # by rating it; the system closes it too once the window has passed
}
# Moves that tell the resident something must say it in words.
NEEDS_PUBLIC_REPLY = {"rejected", "resolved"}


class InvalidTransition(Conflict):
    code, title = "invalid_transition", "This status change is not allowed"


def check_move(current: str, target: str, actor: str) -> None:
    """Raise InvalidTransition unless `actor` (team, resident, system) may move `current` → `target`."""
    allowed_actor = TRANSITIONS.get((current, target))
    if allowed_actor is None or (allowed_actor != actor and not (actor == SYSTEM and target == "closed")):
        moves = sorted(to for (origin, to), who in TRANSITIONS.items() if origin == current and who == actor)
        hint = f"; from {current} you may move to {', '.join(moves)}" if moves else ""
        raise InvalidTransition(f"feedback cannot move from {current} to {target}{hint}")


def path_to(current: str, target: str, actor: str) -> list[str]:
    """The statuses `actor` moves a feedback through, in order, to bring it from `current` to `target` by the fewest
    moves the workflow allows (each one a move of its own, in the history); InvalidTransition when there is none."""
    paths: dict[str, list[str]] = {current: []}
    frontier = [current]
    while frontier and target not in paths:
        following = []
        for status in frontier:
            for (origin, to), who in TRANSITIONS.items():
                if origin == status and who == actor and to not in paths:
                    paths[to] = [*paths[status], to]
                    following.append(to)
        frontier = following
    if target not in paths or target == current:
        raise InvalidTransition(f"feedback cannot move from {current} to {target}")
    return paths[target]


def within_reopen_window(resolved_at: datetime | None, now: datetime) -> bool:
    return resolved_at is not None and now - resolved_at <= REOPEN_WINDOW
