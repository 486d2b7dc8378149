"""Accounts as the API shows them."""

from api.accounts.phones import mask_phone
from api.accounts.schemas import AccountPublic
from api.timestamps import to_local
from models import UserAccount


def account_public(account: UserAccount, districts: list[str], *, mask: bool) -> AccountPublic:
    return AccountPublic(
        id=account.id,
        role=account.role,
        phone=mask_phone(account.phone) if mask else account.phone,
        username=account.username,
        display_name=account.display_name,
        districts=districts,
        active=account.is_active,
        created_at=to_local(account.created_at),
        last_sign_in_at=to_local(account.last_sign_in_at),
    )
