"""Accounts: residents (by phone) and staff (by username), their district grants, sign-in codes and refresh tokens."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from models.base import timestamp_column

ROLES = ("resident", "operator", "reviewer", "admin")
STAFF_ROLES = ROLES[1:]


class UserAccount(SQLModel, table=True):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('resident', 'operator', 'reviewer', 'admin')", name="role"),
        # Residents sign in by phone, staff by username and password; a deleted resident keeps neither.
        CheckConstraint(
            "(role = 'resident' AND username IS NULL AND password_hash IS NULL)"
            " OR (role <> 'resident' AND username IS NOT NULL AND password_hash IS NOT NULL)",
            name="credentials_match_role",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    role: str = Field(max_length=10)
    phone: str | None = Field(default=None, max_length=11, unique=True)
    username: str | None = Field(default=None, max_length=64, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    display_name: str | None = Field(default=None, max_length=64)
    is_active: bool = True
    created_at: datetime = timestamp_column()
    updated_at: datetime = timestamp_column()
    last_sign_in_at: datetime | None = timestamp_column(nullable=True)
    deleted_at: datetime | None = timestamp_column(nullable=True)


class DistrictGrant(SQLModel, table=True):
    """An operator may curate the listings of this district."""

    __tablename__ = "district_grant"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    district_code: str = Field(foreign_key="district.code", primary_key=True, max_length=6)
    granted_at: datetime = timestamp_column()


class OtpChallenge(SQLModel, table=True):
    """One SMS code sent to a phone: stored only as a keyed hash, single use, a few tries."""

    __tablename__ = "otp_challenge"
    __table_args__ = (Index("ix_otp_challenge_phone_created_at", "phone", "created_at"),)

    id: str = Field(primary_key=True, max_length=43)  # the public challenge_id
    phone: str = Field(max_length=11)
    code_hash: str = Field(max_length=64)
    attempts: int = 0
    created_at: datetime = timestamp_column()
    expires_at: datetime = timestamp_column()
    consumed_at: datetime | None = timestamp_column(nullable=True)


class RefreshToken(SQLModel, table=True):
    """A refresh token (hashed) in its family: each use rotates it; using a rotated one again revokes the family."""

    __tablename__ = "refresh_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    family_id: str = Field(max_length=32, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    issued_at: datetime = timestamp_column()
    expires_at: datetime = timestamp_column()
    used_at: datetime | None = timestamp_column(nullable=True)
    revoked_at: datetime | None = timestamp_column(nullable=True)


class ConsoleSession(SQLModel, table=True):
    """A staff member signed in to the web console: the cookie's secret is stored only as a hash; the session ends
    at sign-out, when the account's sessions are revoked, or after a stretch without a request."""

    __tablename__ = "console_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = timestamp_column()
    last_seen_at: datetime = timestamp_column()
    revoked_at: datetime | None = timestamp_column(nullable=True)
