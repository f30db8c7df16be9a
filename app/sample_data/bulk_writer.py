"""Bulk inserts of generated rows, straight to the driver, with values converted by SQLAlchemy's own column types.

SQLAlchemy's executemany builds and processes a parameter dict per row, which is
most of the time at this scale; here each column's bind processor is looked up
once per table and applied only where the dialect has one (dates and times on
SQLite, JSON). PostgreSQL gets COPY instead. Ids are reserved first: from the
table's sequence on PostgreSQL (safe alongside other writers), after MAX(id) on
SQLite (whose write lock this transaction already holds).
"""

from __future__ import annotations

from operator import itemgetter

from sqlalchemy import Column, Table, func, select

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
    """Writes generated rows through the session's connection, in its transaction."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        self.mark = "?" if self.dialect.paramstyle == "qmark" else "%s"  # SQLite only: PostgreSQL gets COPY
        self.prepared: dict[str, tuple[tuple[str, ...], str, list]] = {}

    def reserve_ids(self, table: Table, count: int) -> list[int]:
        if count == 0:
            return []
        if self.postgres:
            sequence = func.pg_get_serial_sequence(table.name, "id")
            query = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
            return list(self.connection.scalars(query))
        first = self.connection.scalar(select(func.coalesce(func.max(table.c.id), 0) + 1))
        return list(range(first, first + count))

    def insert_all(self, rows: dict[Table, list[dict]]) -> None:
        """Each table's rows, parents before children."""
        for table in db.metadata.sorted_tables:
            if rows.get(table):
                self.insert(table, rows[table])

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
            cursor = self.connection.connection.driver_connection.cursor()
            with cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
            return
        self.connection.exec_driver_sql(statement, values)

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
