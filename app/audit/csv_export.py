"""CSV downloads for the audit area, safe to open in a spreadsheet.

`csv_response(filename, headings, rows)` streams a CSV attachment. `rows` may
be any iterable of sequences, including a generator that reads the database
as it goes: the response keeps the request (and so the session) open until
the last row is written. Build the rows set-based (a few queries in all), not
one query per case.

Every text cell goes through `safe_cell`, which stops CSV formula injection
(OWASP): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading apostrophe, so a spreadsheet shows the text
rather than running it. Numbers are written as they are, so a count of -1
stays a number. Dates should be formatted by the caller (Ofsted's lists use
DD/MM/YYYY: `uk_csv_date`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from flask import Response, stream_with_context

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows written per chunk sent to the client: big enough to be quick, small enough to stream.
CHUNK_ROWS = 500


def safe_cell(value: object) -> str | int | float:
    """A CSV cell: None -> "", bool -> Yes/No, numbers as they are, text escaped against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def uk_csv_date(value: date | datetime | None) -> str:
    """DD/MM/YYYY, as Ofsted's Annex A lists are written; "" for no date.

    A datetime should already be in London time (see app.audit.scope.LONDON)."""
    if value is None:
        return ""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def csv_lines(headings: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text in chunks: the heading line first, then CHUNK_ROWS rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in headings])
    pending = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def csv_response(filename: str, headings: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """A streamed CSV attachment called `filename` (UTF-8, CRLF line ends, RFC 4180 quoting)."""
    safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "export.csv"
    response = Response(stream_with_context(csv_lines(headings, rows)), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
