"""Constant reads compiled once per dialect and run on the driver connection.

The hottest reads (a place by id) spend most of their time in SQLAlchemy's per-statement work — building,
cache-key walking, execution context, result wrapping — not in the database. A `PreparedRead` does that work
once: it compiles its statement for the dialect, remembers the positional order of its parameters and the
result processors of its columns (SQLAlchemy's own, so values come back exactly as through Core), and then runs
the SQL text on a driver connection: the session's own (inside its transaction when there is one), or a pool of
driver connections kept for public reads (`api.readers`), which also skips the session and its checkout.
"""

from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Dialect, Float, Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

# A row of a prepared read: an instance of a namedtuple class made per statement, read by attribute like a Core
# row (`row.name`) at tuple speed. (A dict with `__getattr__` paid a failed attribute lookup for every field
# of every summary: bench/README.md.)
PreparedRow = Any


@dataclass(frozen=True)
class _Compiled:
    sql: str
    parameter_order: tuple[str, ...]
    constants: dict[str, Any]
    row_type: Any  # namedtuple class of the selected column names
    # (position, processor) of the few columns whose driver values need converting (SQLite's booleans and times):
    # a page is ~20 rows of ~20 columns, and walking every column of every row cost more than converting these.
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    def arguments(self, parameters: dict[str, Any]) -> list[Any]:
        return [parameters[name] if name in parameters else self.constants[name] for name in self.parameter_order]

    def row(self, values: Sequence[Any]) -> PreparedRow:
        if not self.processors:
            return self.row_type._make(values)
        converted = list(values)
        for position, process in self.processors:
            value = converted[position]
            if value is not None:
                converted[position] = process(value)
        return self.row_type._make(converted)


def _result_processor(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    # Both drivers return floats for float columns already; SQLAlchemy's numeric processors would want the
    # driver's type code, which a prepared read does not have.
    if isinstance(column_type, Float) and not column_type.asdecimal:
        return None
    return column_type.dialect_impl(dialect).result_processor(dialect, None)


class Reader(Protocol):
    """Where prepared reads run: the driver connection of a session, or a pool of them."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def database_key(self) -> object:
        """The same for every reader of one database: per-database caches are keyed by it."""
        ...

    async def records(self, sql: str, arguments: list[Any], *, limit_one: bool) -> Sequence[Sequence[Any]]: ...


async def driver_records(
    driver: Any, dialect: Dialect, sql: str, arguments: list[Any], *, limit_one: bool
) -> Sequence[Sequence[Any]]:
    """Rows from an asyncpg or aiosqlite connection, in one round trip."""
    if dialect.name == "postgresql":
        if limit_one:
            record = await driver.fetchrow(sql, *arguments)
            return [] if record is None else [record]
        return await driver.fetch(sql, *arguments)
    # One hop to aiosqlite's thread for execute + fetch together.
    records = list(await driver.execute_fetchall(sql, arguments))
    return records[:1] if limit_one else records


class SessionReader:
    """Reads on the session's own connection, inside its transaction when there is one."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> Dialect:
        return self.session.get_bind().dialect

    @property
    def database_key(self) -> object:
        bind = self.session.get_bind()
        return bind.engine if isinstance(bind, Connection) else bind

    async def records(self, sql: str, arguments: list[Any], *, limit_one: bool) -> Sequence[Sequence[Any]]:
        connection = await self.session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        return await driver_records(driver, connection.dialect, sql, arguments, limit_one=limit_one)


def request_reader(session: AsyncSession, reader: Reader) -> Reader:
    """The session's own connection once it holds one, else `reader`: a request never holds two connections, so
    the pools' sizes bound the connections a worker opens."""
    return SessionReader(session) if session.in_transaction() else reader


def as_reader(source: AsyncSession | Reader) -> Reader:
    return SessionReader(source) if isinstance(source, AsyncSession) else source


class PreparedRead:
    """One constant SELECT; named bind parameters are supplied per call."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled_for(self, dialect: Dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            result = self.statement.compile(dialect=dialect)
            columns = list(self.statement.selected_columns)
            compiled = _Compiled(
                sql=str(result),
                parameter_order=tuple(result.positiontup or ()),
                constants={key: value for key, value in result.params.items() if value is not None},
                row_type=namedtuple("PreparedRow", self.statement.selected_columns.keys()),  # noqa: PYI024
                processors=tuple(
                    (position, process)
                    for position, column in enumerate(columns)
                    if (process := _result_processor(column.type, dialect)) is not None
                ),
            )
            self._by_dialect[dialect.name] = compiled
        return compiled

    async def first(self, source: AsyncSession | Reader, **parameters: Any) -> PreparedRow | None:
        rows = await self._fetch(as_reader(source), parameters, limit_one=True)
        return rows[0] if rows else None

    async def all(self, source: AsyncSession | Reader, **parameters: Any) -> list[PreparedRow]:
        return await self._fetch(as_reader(source), parameters, limit_one=False)

    async def values(self, source: AsyncSession | Reader, **parameters: Any) -> Sequence[Sequence[Any]]:
        """The rows as the driver returns them, in the selected order: for columns no result processor changes
        (numbers, text) read in bulk, where a named row each would cost more than the read."""
        reader = as_reader(source)
        compiled = self._compiled_for(reader.dialect)
        return await reader.records(compiled.sql, compiled.arguments(parameters), limit_one=False)

    async def _fetch(self, reader: Reader, parameters: dict[str, Any], *, limit_one: bool) -> list[PreparedRow]:
        compiled = self._compiled_for(reader.dialect)
        records = await reader.records(compiled.sql, compiled.arguments(parameters), limit_one=limit_one)
        return [compiled.row(record) for record in records]
