"""Place indexes by status and district or category end in id, so filtered pages in id order are index ranges.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:18:01.631222+00:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_status_category_code"))
        batch_op.drop_index(batch_op.f("ix_place_status_district_code"))
        batch_op.create_index("ix_place_status_category_code_id", ["status", "category_code", "id"], unique=False)
        batch_op.create_index("ix_place_status_district_code_id", ["status", "district_code", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.drop_index("ix_place_status_district_code_id")
        batch_op.drop_index("ix_place_status_category_code_id")
        batch_op.create_index(batch_op.f("ix_place_status_district_code"), ["status", "district_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_place_status_category_code"), ["status", "category_code"], unique=False)
