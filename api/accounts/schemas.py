"""Request and response bodies of sign-in, the caller's own account, and account administration."""

from typing import Literal

from pydantic import BaseModel, Field

from api.http import RequestBody
from api.timestamps import ShanghaiTime

StaffRole = Literal["operator", "reviewer", "admin"]
Role = Literal["resident", "operator", "reviewer", "admin"]


class OtpRequest(RequestBody):
    phone: str = Field(min_length=11, max_length=20, examples=["13800000000"])


class OtpChallengePublic(BaseModel):
    challenge_id: str
    expires_in: int = Field(description="Seconds the code stays valid.")


class OtpVerify(RequestBody):
    challenge_id: str = Field(min_length=1, max_length=64)
    code: str = Field(pattern=r"^[0-9]{6}$", examples=["123456"])


class LoginRequest(RequestBody):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class PasswordChange(RequestBody):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(
        min_length=8, max_length=128, description="8–128 characters, not a common or guessable password"
    )


class RefreshRequest(RequestBody):
    refresh_token: str = Field(min_length=1, max_length=128)


class TokenPairPublic(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token stays valid (at most 900).")
    refresh_expires_in: int


class AccountPublic(BaseModel):
    id: int
    role: Role
    phone: str | None = Field(description="Your own number in full; staff lists show it masked.")
    username: str | None
    display_name: str | None
    districts: list[str]
    active: bool
    created_at: ShanghaiTime
    last_sign_in_at: ShanghaiTime | None


class AccountPage(BaseModel):
    items: list[AccountPublic]
    next_cursor: str | None


class StaffCreate(RequestBody):
    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=8, max_length=128)
    role: StaffRole
    districts: list[str] = Field(default_factory=list, max_length=16)
    display_name: str | None = Field(default=None, max_length=64)


class AccountUpdate(RequestBody):
    role: Role | None = None
    districts: list[str] | None = Field(default=None, max_length=16)
    active: bool | None = None
    reason: str | None = Field(default=None, max_length=500, description="Kept in the audit trail.")


class PhoneSearch(RequestBody):
    phone: str = Field(min_length=11, max_length=20, description="The whole number.", examples=["13800000000"])
    reason: str = Field(min_length=5, max_length=500, description="Why it is needed; kept in the audit trail.")


class AuditEntryPublic(BaseModel):
    id: int
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    reason: str | None
    details: dict
    created_at: ShanghaiTime


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    next_cursor: str | None
