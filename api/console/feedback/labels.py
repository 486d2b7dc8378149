"""The words the feedback team's pages use for the domain's codes (statuses, kinds, moves, history entries)."""

from api.console.i18n import N_

STATUS_LABELS = {
    "submitted": N_("Submitted"),
    "accepted": N_("Accepted"),
    "in_progress": N_("In progress"),
    "reopened": N_("Reopened"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
    "rejected": N_("Rejected"),
    "duplicate": N_("Duplicate"),
}
KIND_LABELS = {
    "complaint": N_("Complaint"),
    "suggestion": N_("Suggestion"),
    "correction": N_("Correction"),
    "praise": N_("Praise"),
}
# The team's moves, as the buttons that make them read (a move to `duplicate` is made from a likely duplicate).
MOVE_LABELS = {
    "accepted": N_("Accept"),
    "in_progress": N_("Start work"),
    "resolved": N_("Resolve"),
    "rejected": N_("Reject"),
}
HISTORY_LABELS = {
    "submitted": N_("Submitted by the resident"),
    "status": N_("Status changed"),
    "reply": N_("Public reply"),
    "note": N_("Internal note"),
    "assigned": N_("Assigned"),
    "rated": N_("Rated by the resident"),
    "photo": N_("Photo added"),
}
BY_LABELS = {"resident": N_("Resident"), "team": N_("Feedback team"), "system": N_("System")}
TARGET_LABELS = {"place": N_("Listing"), "event": N_("Event"), "article": N_("Article"), "bundle": N_("Service bundle")}
