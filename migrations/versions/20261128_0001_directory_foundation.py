"""Directory foundation: districts, streets, taxonomy, places, events, articles, bundles.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 08:51:45.569031+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import models.base

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_ref", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("title_en", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("audience", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("expert", models.base.JSONType, nullable=True),
        sa.Column("published_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name=op.f("ck_article_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_article_source_ref")),
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_audience"), ["audience"], unique=False)
        batch_op.create_index("ix_article_status_published_at", ["status", "published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_topic"), ["topic"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "bundle",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("lead_department", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("channels", models.base.JSONType, nullable=False),
        sa.Column("questions", models.base.JSONType, nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name=op.f("ck_bundle_status")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_bundle")),
    )
    with op.batch_alter_table("bundle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bundle_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "category",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("parent_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("live_capacity_unit", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('place', 'event')", name=op.f("ck_category_kind")),
        sa.ForeignKeyConstraint(["parent_code"], ["category.code"], name=op.f("fk_category_parent_code_category")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_category")),
    )
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_category_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "district",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("center_lat", sa.Float(), nullable=False),
        sa.Column("center_lng", sa.Float(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_district")),
    )
    op.create_table(
        "seed_state",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("loaded_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_seed_state")),
    )
    op.create_table(
        "bundle_matter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("legal_days", sa.Integer(), nullable=True),
        sa.Column("promised_days", sa.Integer(), nullable=False),
        sa.Column("online_depth", sa.Integer(), nullable=False),
        sa.Column("fee_yuan", sa.Float(), nullable=False),
        sa.Column("fee_note", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("applies_when", models.base.JSONType, nullable=False),
        sa.Column("materials", models.base.JSONType, nullable=False),
        sa.CheckConstraint("online_depth BETWEEN 1 AND 4", name=op.f("ck_bundle_matter_online_depth")),
        sa.CheckConstraint("promised_days >= 0", name=op.f("ck_bundle_matter_promised_days_non_negative")),
        sa.ForeignKeyConstraint(
            ["bundle_code"], ["bundle.code"], name=op.f("fk_bundle_matter_bundle_code_bundle"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_matter")),
        sa.UniqueConstraint("bundle_code", "code", name=op.f("uq_bundle_matter_bundle_code_code")),
    )
    op.create_table(
        "street",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("district_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("is_special", sa.Boolean(), nullable=False),
        sa.CheckConstraint("kind IN ('street', 'town', 'township', 'special')", name=op.f("ck_street_kind")),
        sa.ForeignKeyConstraint(["district_code"], ["district.code"], name=op.f("fk_street_district_code_district")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_street")),
    )
    with op.batch_alter_table("street", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_district_code"), ["district_code"], unique=False)

    op.create_table(
        "place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_ref", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("category_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("address_en", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("district_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("street_code", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("phones", models.base.JSONType, nullable=False),
        sa.Column("website", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("opening_hours", models.base.JSONType, nullable=True),
        sa.Column("accessibility", models.base.JSONType, nullable=False),
        sa.Column("languages", models.base.JSONType, nullable=False),
        sa.Column("tags", models.base.JSONType, nullable=False),
        sa.Column("attributes", models.base.JSONType, nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("available", sa.Integer(), nullable=True),
        sa.Column("available_updated_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name=op.f("ck_place_status")),
        sa.CheckConstraint(
            "available IS NULL OR (available >= 0 AND (capacity IS NULL OR available <= capacity))",
            name=op.f("ck_place_available_within_capacity"),
        ),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name=op.f("ck_place_capacity_non_negative")),
        sa.CheckConstraint("lat BETWEEN -90 AND 90 AND lng BETWEEN -180 AND 180", name=op.f("ck_place_coordinates")),
        sa.ForeignKeyConstraint(["category_code"], ["category.code"], name=op.f("fk_place_category_code_category")),
        sa.ForeignKeyConstraint(["district_code"], ["district.code"], name=op.f("fk_place_district_code_district")),
        sa.ForeignKeyConstraint(["street_code"], ["street.code"], name=op.f("fk_place_street_code_street")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_place_source_ref")),
    )
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.create_index("ix_place_lat_lng", ["lat", "lng"], unique=False)
        batch_op.create_index("ix_place_status_category_code", ["status", "category_code"], unique=False)
        batch_op.create_index("ix_place_status_district_code", ["status", "district_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_place_street_code"), ["street_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_place_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_ref", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("category_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("title_en", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("starts_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("venue_place_id", sa.Integer(), nullable=True),
        sa.Column("venue_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("district_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("organizer", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("registration", models.base.JSONType, nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name=op.f("ck_event_status")),
        sa.CheckConstraint("ends_at >= starts_at", name=op.f("ck_event_ends_after_start")),
        sa.ForeignKeyConstraint(["category_code"], ["category.code"], name=op.f("fk_event_category_code_category")),
        sa.ForeignKeyConstraint(["district_code"], ["district.code"], name=op.f("fk_event_district_code_district")),
        sa.ForeignKeyConstraint(["venue_place_id"], ["place.id"], name=op.f("fk_event_venue_place_id_place")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_event_source_ref")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_category_code"), ["category_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_district_code"), ["district_code"], unique=False)
        batch_op.create_index("ix_event_status_starts_at", ["status", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_venue_place_id"), ["venue_place_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_venue_place_id"))
        batch_op.drop_index(batch_op.f("ix_event_updated_at"))
        batch_op.drop_index("ix_event_status_starts_at")
        batch_op.drop_index(batch_op.f("ix_event_district_code"))
        batch_op.drop_index(batch_op.f("ix_event_category_code"))

    op.drop_table("event")
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_updated_at"))
        batch_op.drop_index(batch_op.f("ix_place_street_code"))
        batch_op.drop_index("ix_place_status_district_code")
        batch_op.drop_index("ix_place_status_category_code")
        batch_op.drop_index("ix_place_lat_lng")

    op.drop_table("place")
    with op.batch_alter_table("street", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_district_code"))

    op.drop_table("street")
    op.drop_table("bundle_matter")
    op.drop_table("seed_state")
    op.drop_table("district")
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_parent_code"))

    op.drop_table("category")
    with op.batch_alter_table("bundle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bundle_updated_at"))

    op.drop_table("bundle")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_updated_at"))
        batch_op.drop_index(batch_op.f("ix_article_topic"))
        batch_op.drop_index("ix_article_status_published_at")
        batch_op.drop_index(batch_op.f("ix_article_audience"))

    op.drop_table("article")
