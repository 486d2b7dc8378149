"""Feedback: records, history, photos, notifications, response templates, idempotency keys.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 11:24:52.744678+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import models.base

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("target_kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("target_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("target_category", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("district_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("correction_field", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("correction_value", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("due_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('complaint', 'suggestion', 'correction', 'praise')", name=op.f("ck_feedback_kind")
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'in_progress', 'resolved', 'closed', 'rejected', 'duplicate', 'reopened')",
            name=op.f("ck_feedback_status"),
        ),
        sa.CheckConstraint(
            "target_kind IS NULL OR target_kind IN ('place', 'event', 'article', 'bundle')",
            name=op.f("ck_feedback_target_kind"),
        ),
        sa.CheckConstraint("(lat IS NULL) = (lng IS NULL)", name=op.f("ck_feedback_location_complete")),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name=op.f("ck_feedback_rating")),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["user_account.id"], name=op.f("fk_feedback_assignee_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_feedback_author_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["district_code"], ["district.code"], name=op.f("fk_feedback_district_code_district")),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["feedback.id"], name=op.f("fk_feedback_duplicate_of_id_feedback")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("ref", name=op.f("uq_feedback_ref")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index("ix_feedback_author_id_id", ["author_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_district_code"), ["district_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_duplicate_of_id"), ["duplicate_of_id"], unique=False)
        batch_op.create_index("ix_feedback_status_due_at", ["status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_target_category"), ["target_category"], unique=False)
        batch_op.create_index("ix_feedback_target_kind_target_key", ["target_kind", "target_key"], unique=False)

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", models.base.JSONType, nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_idempotency_record_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_record_user_id_key")),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_record_created_at"), ["created_at"], unique=False)

    op.create_table(
        "response_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_response_template_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_template")),
        sa.UniqueConstraint("name", name=op.f("uq_response_template_name")),
    )
    op.create_table(
        "feedback_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_feedback_event_actor_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_feedback_event_feedback_id_feedback"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_event")),
    )
    with op.batch_alter_table("feedback_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_event_feedback_id"), ["feedback_id"], unique=False)

    op.create_table(
        "feedback_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_feedback_photo_feedback_id_feedback"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_photo")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_feedback_photo_storage_key")),
    )
    with op.batch_alter_table("feedback_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_photo_feedback_id"), ["feedback_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_notification_feedback_id_feedback"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_notification_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_user_id_id", ["user_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_id_id")

    op.drop_table("notification")
    with op.batch_alter_table("feedback_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_photo_feedback_id"))

    op.drop_table("feedback_photo")
    with op.batch_alter_table("feedback_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_event_feedback_id"))

    op.drop_table("feedback_event")
    op.drop_table("response_template")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_record_created_at"))

    op.drop_table("idempotency_record")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_target_kind_target_key")
        batch_op.drop_index(batch_op.f("ix_feedback_target_category"))
        batch_op.drop_index("ix_feedback_status_due_at")
        batch_op.drop_index(batch_op.f("ix_feedback_duplicate_of_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_district_code"))
        batch_op.drop_index(batch_op.f("ix_feedback_created_at"))
        batch_op.drop_index("ix_feedback_author_id_id")
        batch_op.drop_index(batch_op.f("ix_feedback_assignee_id"))

    op.drop_table("feedback")
