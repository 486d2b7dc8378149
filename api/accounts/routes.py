"""Sign-in (SMS code for residents, password for staff), token refresh and sign-out, and the caller's account."""

from fastapi import APIRouter, Depends, Request, Response, status

from api.accounts import otp, sessions, staff, users
from api.accounts.runtime import AccountsDep, client_address
from api.accounts.schemas import (
    AccountPage,
    AccountPublic,
    LoginRequest,
    OtpChallengePublic,
    OtpRequest,
    OtpVerify,
    PasswordChange,
    PhoneSearch,
    RefreshRequest,
    TokenPairPublic,
)
from api.accounts.views import account_public
from api.db import ReadSessionDep, SessionDep
from api.deps import CurrentUser, PhoneRevealer, Resident, Staff
from api.http import no_store

router = APIRouter(prefix="/v1", tags=["accounts"], dependencies=[Depends(no_store)])

_UNAUTHORIZED = {401: {"description": "Wrong, expired or replayed credentials"}}
_THROTTLED = {429: {"description": "Too many attempts; see Retry-After"}}


@router.post(
    "/auth/otp",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=OtpChallengePublic,
    responses={**_THROTTLED, 503: {"description": "The SMS gateway is not available"}},
)
async def request_sign_in_code(
    body: OtpRequest, request: Request, session: SessionDep, runtime: AccountsDep
) -> OtpChallengePublic:
    """Text a 6-digit code to a mobile number. The answer is the same for every well-formed number."""
    secret = request.app.state.settings.jwt_secret
    challenge = await otp.send_code(session, runtime, secret, body.phone, client_address(request))
    return OtpChallengePublic(challenge_id=challenge.id, expires_in=otp.CODE_VALID_MINUTES * 60)


@router.post("/auth/otp/verify", response_model=TokenPairPublic, responses=_UNAUTHORIZED)
async def verify_sign_in_code(
    body: OtpVerify, request: Request, session: SessionDep, runtime: AccountsDep
) -> TokenPairPublic:
    """Sign in with the code (the resident's account is created on first sign-in)."""
    resident = await otp.verify_code(session, request.app.state.settings.jwt_secret, body.challenge_id, body.code)
    return TokenPairPublic(**vars(await sessions.start(session, runtime.tokens, resident.id)))


@router.post("/auth/login", response_model=TokenPairPublic, responses={**_UNAUTHORIZED, **_THROTTLED})
async def staff_login(
    body: LoginRequest, request: Request, session: SessionDep, runtime: AccountsDep
) -> TokenPairPublic:
    account = await staff.sign_in(session, runtime, body.username, body.password, client_address(request))
    return TokenPairPublic(**vars(await sessions.start(session, runtime.tokens, account.id)))


@router.post("/auth/refresh", response_model=TokenPairPublic, responses=_UNAUTHORIZED)
async def refresh_tokens(body: RefreshRequest, session: SessionDep, runtime: AccountsDep) -> TokenPairPublic:
    """A new token pair; the refresh token presented stops working, and presenting it again ends the session."""
    return TokenPairPublic(**vars(await sessions.rotate(session, runtime.tokens, body.refresh_token)))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, session: SessionDep) -> Response:
    """End the session this refresh token belongs to (every token of its family)."""
    await sessions.end(session, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=AccountPublic)
async def get_me(principal: CurrentUser, session: ReadSessionDep) -> AccountPublic:
    account = await users.get_account(session, principal.user_id)
    return account_public(account, sorted(principal.districts), mask=False)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(principal: Resident, request: Request, session: SessionDep, runtime: AccountsDep) -> Response:
    """Remove your personal data (phone, name, sign-in codes, the photos you sent, the rate-limit counters of your
    phone) and end every session; feedback stays, anonymous."""
    state = request.app.state
    await users.erase_resident(session, runtime, state.settings.jwt_secret, state.photo_storage, principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/me/password",
    response_model=TokenPairPublic,
    responses={403: {"description": "Not staff, or the current password is wrong (`wrong_password`)"}, **_THROTTLED},
)
async def change_my_password(
    body: PasswordChange, principal: Staff, request: Request, session: SessionDep, runtime: AccountsDep
) -> TokenPairPublic:
    """Staff change their own password. A wrong current password counts as a failed sign-in; on success every
    other session ends (their refresh tokens stop working) and this one continues with the token pair answered."""
    pair = await staff.change_own_password(
        session, runtime, principal.user_id, body.current_password, body.new_password, client_address(request)
    )
    return TokenPairPublic(**vars(pair))


@router.post("/residents/find-by-phone", response_model=AccountPage)
async def find_resident_by_phone(reviewer: PhoneRevealer, body: PhoneSearch, session: SessionDep) -> AccountPage:
    """The account holding exactly this whole number (phone masked in the answer), for the reviewers who may reveal
    numbers: who, when and why go to the audit trail, as for revealing one; a part of a number finds nothing."""
    accounts = await users.find_by_phone(session, reviewer.user_id, body.phone, body.reason)
    grants = await users.districts_of(session, [account.id for account in accounts])
    return AccountPage(
        items=[account_public(account, grants[account.id], mask=True) for account in accounts], next_cursor=None
    )
