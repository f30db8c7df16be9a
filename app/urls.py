"""URL converters.

`int` in a route is replaced by `DatabaseId`: an id too big for the database's
integer columns (2^31 or more) would make PostgreSQL raise "integer out of
range", a 500. It becomes 0, an id no row has, so the view answers exactly as it
does for any other unknown id (404, or 403 where the product hides whether a
record exists).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1
NO_SUCH_ID = 0


class DatabaseId(IntegerConverter):
    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= LARGEST_ID else NO_SUCH_ID


def database_id(value: str) -> int:
    """For ``request.args.get(name, type=database_id)``: the same rule for ids in a query string.

    Not a whole number, or negative, raises ValueError, so ``get`` returns its default.
    """
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number if number <= LARGEST_ID else NO_SUCH_ID


def init_app(app) -> None:
    """A control character in the query string is a 400 before any view runs: searches and
    filters read it straight from the URL, and PostgreSQL refuses a NUL in text with a 500."""
    from flask import abort, request

    from app.forms import SINGLE_LINE_FORBIDDEN

    @app.before_request
    def refuse_control_characters_in_the_query_string() -> None:
        for values in request.args.listvalues():
            if any(SINGLE_LINE_FORBIDDEN.search(value) for value in values):
                abort(400)
