"""Mainland mobile numbers: one canonical form for storage, and the masked form staff see."""

import re

_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def normalize_phone(raw: str) -> str | None:
    """The 11-digit number, accepting +86 / 0086 prefixes and spaces or dashes; None when it is not a mobile."""
    digits = _SEPARATORS.sub("", raw.strip())
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
            break
    return digits if _MOBILE.fullmatch(digits) else None


def mask_phone(phone: str | None) -> str | None:
    """138****0000: enough for staff to tell numbers apart, not enough to call."""
    if not phone:
        return phone
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else "****"
