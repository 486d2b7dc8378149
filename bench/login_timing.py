"""Does a sign-in with an unknown username take as long as one with a wrong password? (issue 4)

    .venv/bin/python -m bench.login_timing [--rounds 40]

Runs the real app in process on a throw-away SQLite database with the production argon2id cost, alternates
unknown-user and wrong-password sign-ins, and prints the median and p90 of each and their ratio (1.00 = alike).
"""

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from api.config import Settings
from api.db import Database
from api.lifecycle import create_staff_user, migrate
from api.main import create_app
from seed.loader import load_seed

PASSWORD = "lantern-harbour-quietly-71"


async def _measure(rounds: int, folder: Path) -> dict[str, list[float]]:
    url = f"sqlite+aiosqlite:///{folder / 'timing.sqlite3'}"
    await asyncio.to_thread(migrate, url)
    settings = Settings(_env_file=None, database_url=url, rate_limit_key_prefix="timing")
    database = Database(settings)
    async with database.sessionmaker() as session, session.begin():
        await load_seed(session, include_samples=False)
    await database.dispose()
    await create_staff_user(
        settings, username="chief", password=PASSWORD, role="admin", districts=[], display_name=None
    )
    app = create_app(settings)
    timings: dict[str, list[float]] = {"unknown user": [], "wrong password": []}
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for round_number in range(rounds):
            for kind, username in (("unknown user", f"nobody{round_number}"), ("wrong password", "chief")):
                # A cleared throttle keeps 429s out of the sample.
                await app.state.accounts.limiter.storage.reset()
                started = time.perf_counter()
                answer = await client.post(
                    "/v1/auth/login", json={"username": username, "password": f"wrong-{round_number}-password"}
                )
                timings[kind].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 401, answer.text
    return timings


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        timings = asyncio.run(_measure(rounds, Path(folder)))
    medians = {kind: statistics.median(values) for kind, values in timings.items()}
    for kind, values in timings.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{kind:15} median {medians[kind]:7.1f} ms   p90 {p90:7.1f} ms   ({len(values)} sign-ins)")
    print(f"ratio unknown/wrong: {medians['unknown user'] / medians['wrong password']:.2f}")


if __name__ == "__main__":
    main()
