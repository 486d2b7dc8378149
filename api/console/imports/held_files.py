"""The file an operator checked in a dry run, kept on the server until they apply it (or for a few hours).

Why kept here, and not sent again by the browser: the import service takes a file's bytes and keeps nothing of them
(a job holds its counts and issues, not the file), and a browser cannot fill a file field by itself, so "Apply"
would have to ask the operator to choose the file again, and could then import another file than the one checked.
Kept by the server, the file applied is the very file the report is about, and the browser only names the dry
run. It is kept in a folder of the host (`HELD_IMPORTS_DIR`), like residents' photos (the app's workers share the host's
disk), under the operator's id and the dry run's id: only that operator can apply it, and the dry run's job (which
the import service lets only its operator reach) says which file it is. The folder must belong to the app's user
and be closed to others, or nothing is kept: another local user could otherwise read the files or swap one between
the dry run and "Apply".
"""

import asyncio
import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

HOLD_SECONDS = 6 * 3600


class UnsafeHoldingFolder(RuntimeError):
    pass


@dataclass(frozen=True)
class HeldFile:
    data: bytes
    filename: str | None
    content_type: str | None


def _paths(folder: Path, user_id: int, job_id: int) -> tuple[Path, Path]:
    stem = f"{int(user_id)}-{int(job_id)}"
    return folder / f"{stem}.data", folder / f"{stem}.json"


def _own_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    facts = folder.lstat()
    if not stat.S_ISDIR(facts.st_mode) or facts.st_uid != os.getuid() or facts.st_mode & 0o077:
        raise UnsafeHoldingFolder(f"{folder} must be a folder of the app's user, closed to others (mode 700)")


def _sweep(folder: Path, now: float) -> None:
    for path in folder.glob("*-*.*"):
        try:
            if now - path.stat().st_mtime > HOLD_SECONDS:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # removed by another worker meanwhile


def _hold(folder: Path, user_id: int, job_id: int, held: HeldFile) -> None:
    _own_folder(folder)
    _sweep(folder, time.time())
    data_path, facts_path = _paths(folder, user_id, job_id)
    data_path.write_bytes(held.data)
    facts_path.write_text(json.dumps({"filename": held.filename, "content_type": held.content_type}))


def _held(folder: Path, user_id: int, job_id: int) -> HeldFile | None:
    data_path, facts_path = _paths(folder, user_id, job_id)
    try:
        if time.time() - data_path.stat().st_mtime > HOLD_SECONDS:
            return None
        facts = json.loads(facts_path.read_text())
        return HeldFile(data_path.read_bytes(), facts.get("filename"), facts.get("content_type"))
    except (OSError, ValueError):
        return None


def _release(folder: Path, user_id: int, job_id: int) -> None:
    for path in _paths(folder, user_id, job_id):
        path.unlink(missing_ok=True)


async def hold(folder: Path, user_id: int, job_id: int, held: HeldFile) -> None:
    await asyncio.to_thread(_hold, folder, user_id, job_id, held)


async def held(folder: Path, user_id: int, job_id: int) -> HeldFile | None:
    """The file of this operator's dry run, while it is kept."""
    return await asyncio.to_thread(_held, folder, user_id, job_id)


def is_held(folder: Path, user_id: int, job_id: int) -> bool:
    data_path, _ = _paths(folder, user_id, job_id)
    try:
        return time.time() - data_path.stat().st_mtime <= HOLD_SECONDS
    except OSError:
        return False


async def release(folder: Path, user_id: int, job_id: int) -> None:
    await asyncio.to_thread(_release, folder, user_id, job_id)
