"""All tables, imported here so that `SQLModel.metadata` is complete for Alembic and the app."""

from models.account import (
    ROLES,
    STAFF_ROLES,
    ConsoleSession,
    DistrictGrant,
    OtpChallenge,
    RefreshToken,
    UserAccount,
)
from models.article import Article
from models.audit import AuditEntry
from models.base import EVENT_STATUSES, NAMING_CONVENTION, PUBLICATION_STATUSES
from models.bundle import Bundle, BundleMatter
from models.calendar import CALENDAR_DAY_KINDS, CalendarDay, CalendarYear
from models.category import Category
from models.curation import IMPORT_STATUSES, VERSION_SOURCES, VERSIONED_KINDS, FeedKey, ImportJob, ListingVersion
from models.event import Event
from models.feedback import (
    FEEDBACK_KINDS,
    FEEDBACK_STATUSES,
    TARGET_KINDS,
    Feedback,
    FeedbackEvent,
    FeedbackPhoto,
    FeedbackPhotoContent,
    IdempotencyRecord,
    Notification,
    ResponseTemplate,
)
from models.geo import District, Street
from models.place import Place
from models.schedule import OpeningSchedule
from models.seed_state import SeedState
from models.upkeep import UpkeepRound

__all__ = [
    "UpkeepRound",
    "NAMING_CONVENTION",
    "PUBLICATION_STATUSES",
    "ROLES",
    "STAFF_ROLES",
    "Article",
    "AuditEntry",
    "DistrictGrant",
    "OtpChallenge",
    "ConsoleSession",
    "RefreshToken",
    "UserAccount",
    "Bundle",
    "BundleMatter",
    "CALENDAR_DAY_KINDS",
    "CalendarDay",
    "CalendarYear",
    "Category",
    "EVENT_STATUSES",
    "IMPORT_STATUSES",
    "VERSIONED_KINDS",
    "VERSION_SOURCES",
    "FeedKey",
    "ImportJob",
    "ListingVersion",
    "District",
    "Event",
    "FEEDBACK_KINDS",
    "FEEDBACK_STATUSES",
    "TARGET_KINDS",
    "Feedback",
    "FeedbackEvent",
    "FeedbackPhoto",
    "FeedbackPhotoContent",
    "IdempotencyRecord",
    "Notification",
    "ResponseTemplate",
    "OpeningSchedule",
    "Place",
    "SeedState",
    "Street",
]
