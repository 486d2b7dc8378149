"""Console sessions on their own: the idle limit, the CSRF token bound to the session, revocation."""

from datetime import UTC, datetime, timedelta

from api.accounts import console_sessions, sessions
from tests.accounts.conftest import new_staff

KEY = "a-signing-key-of-the-tests-32-bytes-long"


async def test_a_session_ends_after_thirty_idle_minutes_and_each_request_restarts_the_clock(app, session) -> None:
    operator = await new_staff(app, session, "operator")
    start = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    started = await console_sessions.start(session, KEY, operator.id, now=start)
    busy = start + timedelta(minutes=29)
    assert await console_sessions.resume(session, KEY, started.secret, now=busy) is not None
    # 29 minutes after the last request, not after the sign-in: still open.
    assert await console_sessions.resume(session, KEY, started.secret, now=busy + timedelta(minutes=29)) is not None
    assert await console_sessions.resume(session, KEY, started.secret, now=busy + timedelta(minutes=60)) is None


async def test_the_csrf_token_belongs_to_its_session(app, session) -> None:
    operator = await new_staff(app, session, "operator")
    one = await console_sessions.start(session, KEY, operator.id)
    other = await console_sessions.start(session, KEY, operator.id)
    assert console_sessions.csrf_matches(KEY, "session", one.secret, one.csrf_token)
    assert not console_sessions.csrf_matches(KEY, "session", one.secret, other.csrf_token)
    assert not console_sessions.csrf_matches(KEY, "session", one.secret, None)
    assert not console_sessions.csrf_matches(
        "another-key-another-key-another-key", "session", one.secret, one.csrf_token
    )


async def test_revoking_an_accounts_sessions_ends_its_console_sessions_too(app, session) -> None:
    reviewer = await new_staff(app, session, "reviewer")
    started = await console_sessions.start(session, KEY, reviewer.id)
    await sessions.revoke_all_for(session, reviewer.id)
    assert await console_sessions.resume(session, KEY, started.secret) is None


async def test_signing_out_ends_only_that_session(app, session) -> None:
    admin = await new_staff(app, session, "admin")
    laptop = await console_sessions.start(session, KEY, admin.id)
    tablet = await console_sessions.start(session, KEY, admin.id)
    await console_sessions.end(session, laptop.secret)
    assert await console_sessions.resume(session, KEY, laptop.secret) is None
    assert await console_sessions.resume(session, KEY, tablet.secret) is not None


async def test_a_session_ends_after_a_working_day_however_busy(app, session) -> None:
    admin = await new_staff(app, session, "admin")
    start = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    started = await console_sessions.start(session, KEY, admin.id, now=start)
    moment = start
    while moment < start + console_sessions.ABSOLUTE_LIMIT - timedelta(minutes=20):
        moment += timedelta(minutes=20)
        assert await console_sessions.resume(session, KEY, started.secret, now=moment) is not None
    moment += timedelta(minutes=20)
    assert await console_sessions.resume(session, KEY, started.secret, now=moment) is None
