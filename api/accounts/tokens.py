"""Access tokens (short-lived JWTs, HS256 pinned) and refresh tokens (opaque, stored only as a hash).

A refresh token is a random string, not a JWT, so it can never pass as an access token; an access token is not
in the refresh table, so it can never pass as a refresh token.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from api.config import Settings
from api.errors import Unauthorized
from api.http import id_from_text

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
ACCESS_TOKEN_TYPE = "access"
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="svcdir"'}


class InvalidToken(Unauthorized):
    code, title = "invalid_token", "The token is not valid"

    def __init__(self, detail: str = "the access token is missing, expired or not valid") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="svcdir", error="invalid_token"'})


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    token_id: str
    expires_at: datetime


class TokenCodec:
    def __init__(self, settings: Settings) -> None:
        self._secret = settings.jwt_secret
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self.access_lifetime = timedelta(minutes=settings.access_token_minutes)
        self.refresh_lifetime = timedelta(days=settings.refresh_token_days)

    def issue_access(self, user_id: int, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "iat": int(now.timestamp()),
            "exp": int((now + self.access_lifetime).timestamp()),
            "jti": uuid.uuid4().hex,
            "typ": ACCESS_TOKEN_TYPE,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def read_access(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],  # pinned: alg=none and every other algorithm are refused
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub", "jti"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken() from exc
        user_id = id_from_text(str(claims["sub"]))
        if claims.get("typ") != ACCESS_TOKEN_TYPE or user_id is None:
            raise InvalidToken()
        return AccessClaims(user_id, str(claims["jti"]), datetime.fromtimestamp(claims["exp"], UTC))


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def new_family_id() -> str:
    return uuid.uuid4().hex


def token_digest(token: str) -> str:
    """Refresh tokens are 256-bit random strings: a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()
