"""Products and lots: a clinic's catalogue, the lots it received with their expiry, stock and
recall, and the lots each session used.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("manufacturer", sa.String(length=200), nullable=False),
        sa.Column("needle_count", sa.Integer(), nullable=True),
        sa.Column("needle_mm", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _fk("products", "clinic_id", "clinics"),
        _fk("products", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    op.create_index(
        "ix_products_clinic_kind_name", "products", ["clinic_id", "kind", "name", "manufacturer"]
    )
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(length=64), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("quantity_in_stock", sa.Integer(), nullable=False),
        sa.Column("recalled", sa.Boolean(), nullable=False),
        sa.Column("recalled_on", sa.Date(), nullable=True),
        sa.Column("recall_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity_in_stock >= 0", name=op.f("ck_lots_stock_not_negative")),
        _fk("lots", "clinic_id", "clinics"),
        _fk("lots", "product_id", "products"),
        _fk("lots", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
    )
    op.create_index("ix_lots_clinic_lot_number", "lots", ["clinic_id", "lot_number"])
    op.create_index(
        "uq_lots_product_id_lot_number", "lots", ["product_id", "lot_number"], unique=True
    )
    op.create_table(
        "session_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _fk("session_lots", "session_id", "sessions", ondelete="CASCADE"),
        _fk("session_lots", "lot_id", "lots"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_lots")),
    )
    op.create_index(
        "uq_session_lots_session_id_lot_id", "session_lots", ["session_id", "lot_id"], unique=True
    )
    op.create_index("ix_session_lots_lot_id", "session_lots", ["lot_id"])


def downgrade() -> None:
    op.drop_table("session_lots")
    op.drop_table("lots")
    op.drop_table("products")
