"""The machinery of the access matrix: which requests to make and how an answer is judged.
The table itself is in test_access_matrix.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from werkzeug.routing import Rule

from tests.security.isolation import rolled_back
from tests.security.world import ROLES, Area, World

SIGN_IN = "sign-in"  # a redirect to the sign-in page
MAY = "may"  # allowed: anything but 401, 403, 404, a redirect to sign in, or a 500


@dataclass(frozen=True)
class Route:
    """One row of the matrix. `params` fills the rule's path parameters from an area's records;
    `own` and `other` are the expected answers, one per role in ROLES order, for Testshire's
    record and Otherland's (`other` is None for a route that takes no record). `mixed`, for a
    route naming a record inside another (an action of a referral, a token of a user), is the
    answer for Testshire's outer record with Otherland's inner one."""

    params: Callable[[Area], dict]
    own: str
    other: str | None = None
    method: str | None = None  # default: GET if the rule has it, else POST
    json: dict | None = None  # a body for POSTs to the API
    mixed: str | None = None
    # For a route taking a referral: the answers on a referral of Testshire the school (an agency
    # outside the MASH) is not invited to; the MASH's agencies take part in it as in any other.
    absent: str | None = None


OUTER = ("referral_id", "user_id")  # the outer record of a nested route, kept from Testshire


def mixed_values(route: Route, own: Area, other: Area) -> dict:
    values = route.params(other)
    mine = route.params(own)
    for key in OUTER:
        if key in values:
            values[key] = mine[key]
            break
    return values


def absent_values(route: Route, own: Area) -> dict:
    """Testshire's records, with the referral at triage, which the school is not invited to."""
    return {**route.params(own), "referral_id": own.ids["triage_referral_id"]}


def parse(columns: str) -> dict[str, str]:
    values = columns.split()
    if len(values) != len(ROLES):
        raise ValueError(f"{columns!r}: want {len(ROLES)} columns ({', '.join(ROLES)})")
    return dict(zip(ROLES, values, strict=True))


def route_key(app: Flask, rule: Rule) -> str:
    """The endpoint, or the endpoint and rule where an endpoint has more than one rule."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == rule.endpoint]
    return rule.endpoint if len(rules) == 1 else f"{rule.endpoint} {rule.rule}"


def answer(status: int, location: str) -> str:
    if status in (301, 302, 303) and location.startswith("/sign-in"):
        return SIGN_IN
    return str(status)


def agrees(expected: str, got: str) -> bool:
    if got == "500":
        return False
    if expected == MAY:
        return got not in {"401", "403", "404", SIGN_IN}
    return expected == got


def request_cell(app: Flask, world: World, rule: Rule, route: Route, role: str, values: dict) -> str:
    """Make one request, rolled back afterwards (tests/security/isolation.py)."""
    method = route.method or ("GET" if "GET" in rule.methods else "POST")
    path = build_path(app, rule, values)
    client = world.client(role)
    with rolled_back(client):
        kwargs = {"headers": world.headers(role)}
        if route.json is not None:
            kwargs["json"] = route.json
        try:
            response = client.open(path, method=method, **kwargs)
        except Exception as error:  # TESTING propagates exceptions: that is the 500
            return f"500 ({type(error).__name__}: {error})"[:300]
        return answer(response.status_code, response.headers.get("Location", ""))


def build_path(app: Flask, rule: Rule, values: dict) -> str:
    needed = rule.arguments - set(rule.defaults or {})
    wanted = {k: v for k, v in values.items() if k in needed}
    missing = needed - set(wanted)
    if missing:
        raise KeyError(f"{rule.rule}: no value for {', '.join(sorted(missing))}")
    built = rule.build(wanted, append_unknown=False)
    assert built is not None, f"{rule.rule}: could not build it from {wanted}"
    return built[1]
