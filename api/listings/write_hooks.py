"""What follows every ORM write of a listing, in the same transaction: its derived columns (before the flush) and
its search documents (after it).

Registered by whoever writes listings through a session — the app factory, the command-line tasks, the seed, the
benchmarks, the tests — rather than as a side effect of importing a module, so that nothing depends on what
happened to be imported first. `install()` may be called any number of times: each hook is registered once.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

from api.listings.derived import derive_columns
from api.listings.search_documents import index_after_flush

_HOOKS = (("before_flush", derive_columns), ("after_flush", index_after_flush))


def install() -> None:
    for name, hook in _HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
