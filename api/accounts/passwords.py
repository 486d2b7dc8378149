"""Staff passwords: argon2id hashes (upgraded when the cost changes) and the rules a new password must meet."""

import asyncio

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from zxcvbn import zxcvbn

from api.config import Settings
from api.errors import ValidationFailed

MIN_LENGTH, MAX_LENGTH = 8, 128
# zxcvbn's scale: 3 is "safely unguessable" — it turns away dictionary words, keyboard walks, dates, names,
# the username itself and the passwords of public breach lists.
MIN_STRENGTH = 3
# zxcvbn refuses (raises on) longer text, as its work grows quickly with the length: a longer password is judged
# by its first characters, which must be strong on their own.
STRENGTH_CHECKED_CHARACTERS = 72


class PasswordHasher:
    def __init__(self, settings: Settings) -> None:
        self._hash = PasswordHash(
            (
                Argon2Hasher(
                    memory_cost=settings.password_hash_memory_kib,
                    time_cost=settings.password_hash_time_cost,
                    parallelism=settings.password_hash_parallelism,
                ),
            )
        )
        # Checked when the username is unknown, so that an unknown user costs the same time as a wrong password.
        self._decoy = self._hash.hash("decoy password that matches nothing")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hash.hash, password)

    async def verify(self, password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        """(matches, a new hash when the stored one was made with other parameters). Runs off the event loop."""
        if stored_hash is None:
            await asyncio.to_thread(self._hash.verify, password, self._decoy)
            return False, None
        return await asyncio.to_thread(self._hash.verify_and_update, password, stored_hash)


def check_new_password(password: str, username: str, field: str = "password") -> None:
    """Raise ValidationFailed unless the password is 8–128 characters and not common or guessable."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValidationFailed(
            f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters",
            errors=[{"loc": ["body", field], "msg": "wrong length", "type": "password_length"}],
        )
    verdict = zxcvbn(password[:STRENGTH_CHECKED_CHARACTERS], user_inputs=[username, "shanghai", "svcdir", "上海"])
    if verdict["score"] < MIN_STRENGTH:
        advice = verdict["feedback"].get("warning") or "it is too easy to guess"
        raise ValidationFailed(
            f"this password is too common or too easy to guess ({advice}); try a longer phrase of unrelated words",
            errors=[{"loc": ["body", field], "msg": "too weak", "type": "password_weak"}],
        )
