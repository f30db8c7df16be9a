"""Bulk inserts of generated rows, straight to the driver, with values converted by SQLAlchemy's own column types.

SQLAlchemy's executemany builds and processes a parameter dict per row, which is
most of the time at this scale; here each column's bind processor is looked up
once per table and applied only where the dialect has one (dates and times on
SQLite, JSON). PostgreSQL gets COPY instead. Ids are reserved first: from the
table's sequence on PostgreSQL (safe alongside other writers), after MAX(id) on
SQLite (whose write lock this transaction already holds).

On PostgreSQL one batch's COPY runs in a thread while the next batch is built: the
building is Python's work and the loading the server's, so the two cores share it.
Only that thread uses the transaction's connection until `finish`; ids come from the
sequences through a second connection meanwhile (nextval is outside any transaction).

A large load on PostgreSQL can also defer the tables' upkeep (`defer_upkeep`): each
table's foreign keys and its indexes that enforce nothing are dropped before its first
rows, in this transaction, and made again by `finish` once every row is in. One
index build and one check of each key cost far less than keeping them row by row, and
the definitions are read from the database itself, so whatever the migrations made is
made again exactly. The tables are locked against every other session until the commit:
for a development database being filled, never a live one.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from operator import itemgetter

from sqlalchemy import Column, Table, func, select, text

from app.extensions import db


def _left_to_the_database(column: Column) -> bool:
    """Whether a row may leave the column out: an id the database assigns, or a nullable column
    with no default (left out, it is NULL, as the ORM would write it)."""
    if column is column.table.autoincrement_column:
        return True
    return column.nullable and column.default is None and column.server_default is None


def insert_columns(table: Table, row: dict) -> tuple[str, ...]:
    """The table's columns that `row` gives, in the table's order.

    Refuses a row with a key the table has no column for, or one that leaves out a
    column the database would not fill in, so that rows and models cannot drift apart.
    """
    unknown = row.keys() - table.columns.keys()
    if unknown:
        raise ValueError(f"Generated {table.name} rows give {sorted(unknown)}, which the table does not have")
    missing = [c.name for c in table.columns if c.name not in row and not _left_to_the_database(c)]
    if missing:
        raise ValueError(f"Generated {table.name} rows leave out {missing}, which the table needs")
    return tuple(c.name for c in table.columns if c.name in row)


class BulkWriter:
    """Writes generated rows through the session's connection, in its transaction.

    Use it as a context manager, and call `finish` before reading what it wrote.
    """

    def __init__(self, defer_upkeep: bool = False) -> None:
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        self.mark = "?" if self.dialect.paramstyle == "qmark" else "%s"  # SQLite only: PostgreSQL gets COPY
        self.prepared: dict[str, tuple[tuple[str, ...], str, list]] = {}
        self.defer_upkeep = defer_upkeep and self.postgres
        # What was dropped, to make again: each index's CREATE INDEX, each key's (table, name, definition).
        self.dropped_indexes: list[str] = []
        self.dropped_keys: list[tuple[str, str, str]] = []
        self.deferred: set[str] = set()
        self.pending: Future | None = None
        if self.postgres:
            with_ids = [t.name for t in db.metadata.sorted_tables if "id" in t.c and t.c.id.autoincrement]
            self.sequences = dict(self.connection.execute(_SEQUENCES, {"tables": with_ids}).all())
            self.copier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-copy")
            self.id_connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if self.postgres:
            try:
                if kind is not None and self.pending is not None:
                    self.pending.exception()  # let it end before the transaction is rolled back
            finally:
                self.copier.shutdown(wait=True)
                self.id_connection.close()

    def reserve_ids(self, table: Table, count: int) -> list[int]:
        if count == 0:
            return []
        if self.postgres:
            sequence = self.sequences[table.name]
            query = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
            return list(self.id_connection.scalars(query))
        first = self.connection.scalar(select(func.coalesce(func.max(table.c.id), 0) + 1))
        return list(range(first, first + count))

    def insert_all(self, rows: dict[Table, list[dict]]) -> None:
        """Each table's rows, parents before children; on PostgreSQL in the copying thread, once
        the batch before has gone in."""
        tables = [(table, rows[table]) for table in db.metadata.sorted_tables if rows.get(table)]
        self.wait()
        if self.postgres:
            self.pending = self.copier.submit(self._insert_each, tables)
        else:
            self._insert_each(tables)

    def _insert_each(self, tables: list[tuple[Table, list[dict]]]) -> None:
        for table, rows in tables:
            self.insert(table, rows)

    def wait(self) -> None:
        """Until the batch in flight has gone in (raising what stopped it, if anything did)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def finish(self) -> None:
        """Every row in, and the tables' upkeep made again: the connection is the caller's again."""
        self.wait()
        self._restore_upkeep()

    def insert(self, table: Table, rows: list[dict]) -> None:
        """`rows`, each a dict with the same keys."""
        if not rows:
            return
        names, statement, processors = self._prepare(table, rows[0])
        if any(len(row) != len(names) for row in rows):
            raise ValueError(f"Generated {table.name} rows do not all give the same columns")
        get = itemgetter(*names)
        if processors:
            values = []
            for row in rows:
                value = list(get(row))
                for i, processor in processors:
                    value[i] = processor(value[i])
                values.append(tuple(value))
        else:
            values = [get(row) for row in rows]
        if self.postgres:  # COPY: several times faster than executemany there
            if self.defer_upkeep and table.name not in self.deferred:
                self._defer(table)
            cursor = self.connection.connection.driver_connection.cursor()
            with cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
            return
        self.connection.exec_driver_sql(statement, values)

    def _defer(self, table: Table) -> None:
        """Drop the table's foreign keys and its non-unique indexes, noting how to make them again."""
        self.deferred.add(table.name)
        where = {"table": table.name}
        indexes = self.connection.execute(_NON_UNIQUE_INDEXES, where).all()
        keys = self.connection.execute(_FOREIGN_KEYS, where).all()
        quoted = self.dialect.identifier_preparer.format_table(table)
        for name, definition in keys:
            self.connection.exec_driver_sql(f"ALTER TABLE {quoted} DROP CONSTRAINT {name}")
            self.dropped_keys.append((quoted, name, definition))
        for name, definition in indexes:
            self.connection.exec_driver_sql(f"DROP INDEX {name}")
            self.dropped_indexes.append(definition)

    def _restore_upkeep(self) -> None:
        """Make again what `defer_upkeep` dropped: the indexes, then the foreign keys (each checked
        against every row as it is added)."""
        if self.dropped_indexes or self.dropped_keys:
            self.connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        for definition in self.dropped_indexes:
            self.connection.exec_driver_sql(definition)
        for quoted, name, definition in self.dropped_keys:
            self.connection.exec_driver_sql(f"ALTER TABLE {quoted} ADD CONSTRAINT {name} {definition}")
        self.dropped_indexes, self.dropped_keys = [], []

    def _prepare(self, table: Table, first: dict) -> tuple[tuple[str, ...], str, list]:
        """The columns, the statement and the bind processors for rows like `first`, worked out once a table."""
        if table.name not in self.prepared:
            names = insert_columns(table, first)
            # Identifiers from our own Table objects, quoted by the dialect; every value is bound.
            quote = self.dialect.identifier_preparer
            columns = ", ".join(quote.quote(name) for name in names)
            target = f"{quote.format_table(table)} ({columns})"
            marks = ", ".join([self.mark] * len(names))
            processors = []
            for i, name in enumerate(names):
                processor = table.c[name].type.dialect_impl(self.dialect).bind_processor(self.dialect)
                if processor is not None:
                    processors.append((i, processor))
            insert_sql = f"INSERT INTO {target} VALUES ({marks})"  # noqa: S608
            statement = f"COPY {target} FROM STDIN" if self.postgres else insert_sql
            self.prepared[table.name] = (names, statement, processors)
        return self.prepared[table.name]


# Names come back quoted where they need it (regclass and quote_ident), definitions as PostgreSQL
# itself would write them.
_NON_UNIQUE_INDEXES = text(
    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
    "JOIN pg_class t ON t.oid = i.indrelid "
    "WHERE t.relname = :table AND t.relnamespace = current_schema()::regnamespace AND NOT i.indisunique "
    "ORDER BY 1"
)
_FOREIGN_KEYS = text(
    "SELECT quote_ident(c.conname), pg_get_constraintdef(c.oid) FROM pg_constraint c "
    "JOIN pg_class t ON t.oid = c.conrelid "
    "WHERE t.relname = :table AND t.relnamespace = current_schema()::regnamespace AND c.contype = 'f' "
    "ORDER BY 1"
)
_SEQUENCES = text(
    "SELECT name, pg_get_serial_sequence(name, 'id') FROM unnest(CAST(:tables AS text[])) AS name"
)
