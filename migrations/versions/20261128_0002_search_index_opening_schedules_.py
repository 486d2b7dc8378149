"""Search index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), opening schedules, accessibility bits.

The search tables have no model: they hold tokens built by api.textsearch.tokens and are kept out of autogenerate.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:15:31.501624+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
import models.base

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opening_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hours", models.base.JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_schedule")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_opening_schedule_fingerprint")),
    )
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("accessibility_mask", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_place_schedule_id"), ["schedule_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_place_schedule_id_opening_schedule"), "opening_schedule", ["schedule_id"], ["id"]
        )

    if op.get_bind().dialect.name == "sqlite":
        # rowid = place.id; tokens are space-separated and contain no punctuation, so unicode61 keeps them whole.
        op.execute(
            "CREATE VIRTUAL TABLE search_place USING fts5("
            "name, body, tokenize = 'unicode61 remove_diacritics 0', prefix = '3 4 5')"
        )
        op.execute(
            "CREATE VIRTUAL TABLE search_content USING fts5("
            "kind UNINDEXED, key UNINDEXED, name, body, tokenize = 'unicode61 remove_diacritics 0', prefix = '3 4 5')"
        )
    else:
        op.execute(
            "CREATE TABLE search_place ("
            "place_id integer PRIMARY KEY REFERENCES place (id) ON DELETE CASCADE, "
            "name_doc tsvector NOT NULL, doc tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_search_place_doc ON search_place USING gin (doc)")
        op.execute(
            "CREATE TABLE search_content ("
            "id serial PRIMARY KEY, kind varchar(10) NOT NULL, key varchar(60) NOT NULL, "
            "name_doc tsvector NOT NULL, doc tsvector NOT NULL, UNIQUE (kind, key))"
        )
        op.execute("CREATE INDEX ix_search_content_doc ON search_content USING gin (doc)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS search_content")
    op.execute("DROP TABLE IF EXISTS search_place")
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_place_schedule_id_opening_schedule"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_place_schedule_id"))
        batch_op.drop_column("accessibility_mask")
        batch_op.drop_column("schedule_id")

    op.drop_table("opening_schedule")
