"""Short confirmations shown after a redirect ("Saved"), named by a key in the URL so that no text travels in it.
Each part of the console registers its own keys when its module is imported."""

from api.console.i18n import N_

_NOTICES: dict[str, str] = {"signed_out": N_("You are signed out."), "language": N_("Language changed.")}


def register(notices: dict[str, str]) -> None:
    clash = set(notices) & set(_NOTICES)
    if any(_NOTICES[key] != notices[key] for key in clash):
        raise ValueError(f"notice keys registered twice: {sorted(clash)}")
    _NOTICES.update(notices)


def text_of(key: str | None) -> str | None:
    return _NOTICES.get(key) if key else None
