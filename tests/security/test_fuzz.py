"""Fuzzing every form and every API write route with Hypothesis.

Each web form is found by requesting its page as someone allowed to use it (the access
matrix says who) and noting the WTForms forms the view builds; their real fields are then
posted with fuzzed values: control characters and NUL bytes, numbers too big for the database
(2**31, 2**63), very long text, choices that do not exist, half-filled dates, and fields the
form does not have. The API's write routes get fuzzed JSON: wrong types, nested junk,
unknown fields, huge numbers.

Nothing may answer 500, and a rejected request (a 4xx, or a form shown again with errors)
must write nothing: the row count of every table but the access log (which records
refusals too) and the sessions, and the referrals' versions, are the same afterwards. Every
example runs in a SAVEPOINT rolled back after it.

The number of examples is set by the Hypothesis profile (tests/security/conftest.py):
FUZZ_PROFILE=long for a longer run (`make fuzz`).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, FormField, SubmitField
from wtforms.fields.choices import SelectFieldBase

from app.extensions import db
from app.forms.base import BaseForm
from app.models import ApiToken, Referral
from tests.conftest import TEST_PASSWORD, system_account_for
from tests.referrals import steps
from tests.referrals.steps import notification_json
from tests.security.conftest import FUZZ_SETTINGS
from tests.security.isolation import rolled_back
from tests.security.matrix import build_path, parse, route_key
from tests.security.test_access_matrix import MATRIX
from tests.security.world import PERSON_ROLES, build_world

# Tables a refused request may still write to: the access log records attempts (a failed
# sign-in, a refused view), and the session notes when it was last used.
MAY_CHANGE = {"audit_events", "audit_chain", "user_sessions"}

HUGE = [2**31, 2**31 - 1, 2**63, 2**63 - 1, -(2**63) - 1, 2**64, -1, 0, 10**100]
NASTY_TEXT = [
    "\x00",
    "a\x00b",
    "\x1b[31mred",
    "line\r\nbreak",
    "\x7f\x85\x9f",
    "\u202eevil",
    "\ufeff",
    "x" * 6000,
    " ",
    "",
    '=HYPERLINK("http://example.com")',
    "<script>alert(1)</script>",
    "'; DROP TABLE referrals; --",
    "../../etc/passwd",
    "NaN",
    "1e309",
    "2026-13-45",
    "yes",
    "y",
    *(str(n) for n in HUGE),
]
# Anything text can be, short of lone surrogates, which no client can send as UTF-8.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
TEXT = st.one_of(st.sampled_from(NASTY_TEXT), ANY_TEXT)


# --- Finding the forms --------------------------------------------------------------


def leaves(form) -> list:
    """Every field a browser would post for this form, nested rows included."""
    found = []
    for field in form:
        if isinstance(field, FormField):
            found += leaves(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                found += leaves(entry.form) if isinstance(entry, FormField) else [entry]
        elif not isinstance(field, SubmitField) and field.name != "csrf_token":
            found.append(field)
    return found


def forms_built(client, method: str, path: str, headers: dict) -> list:
    """The BaseForms the view builds for this request, by patching BaseForm.__init__."""
    built = []
    original = BaseForm.__init__

    def noting(self, *args, **kwargs):
        original(self, *args, **kwargs)
        built.append(self)

    with mock.patch.object(BaseForm, "__init__", noting):
        client.open(path, method=method, headers=headers)
    return built


def value_strategy(field):
    """Fuzzed values for one field: its real choices mixed with junk."""
    choices = []
    if isinstance(field, SelectFieldBase):
        try:
            choices = [str(c[0]) for c in field.iter_choices()]
        except (TypeError, ValueError):
            choices = []
    if isinstance(field, BooleanField):
        choices = ["y", ""]
    if "Date" in type(field).__name__:
        part = st.one_of(st.sampled_from(["1", "12", "31", "2026", "0", "", "x", *map(str, HUGE)]), TEXT)
        return st.lists(part, min_size=0, max_size=4)
    single = st.one_of(st.sampled_from(choices), TEXT) if choices else TEXT
    return st.lists(single, min_size=0, max_size=2)  # none (left out), one, or the field twice


def posted(field_values: dict[str, list[str]], extra: dict[str, str]) -> MultiDict:
    data = MultiDict()
    for name, values in field_values.items():
        for value in values:
            data.add(name, value)
    for name, value in extra.items():
        data.add(name, value)
    return data


# --- Judging the answer -------------------------------------------------------------


def counts() -> tuple:
    """Rows in each table a refusal must leave alone, and the referrals' versions. Read on the
    test's connection, outside the session, so that the request starts the session afresh."""
    connection = db.session.get_bind()
    tables = [t for t in db.metadata.sorted_tables if t.name not in MAY_CHANGE]
    row = connection.execute(select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables)))
    versions = connection.scalar(text("SELECT coalesce(sum(version), 0) FROM referrals"))
    return (*row.one(), versions)


def rejected(response) -> bool:
    if response.status_code >= 400:
        return True
    return response.status_code == 200 and "govuk-error-summary" in response.get_data(as_text=True)


def in_savepoint(client, *args, **kwargs):
    """Make the request; return (the response, or the exception, and whether rows changed).
    Rolled back afterwards."""
    with rolled_back(client):
        before = counts()
        try:
            response = client.open(*args, **kwargs)
        except Exception as error:  # TESTING propagates what would be a 500
            return error, False
        db.session.remove()
        return response, counts() != before


def describe(response_or_error) -> str:
    if isinstance(response_or_error, Exception):
        return f"500 ({type(response_or_error).__name__}: {response_or_error})"[:400]
    return str(response_or_error.status_code)


# --- The web forms ------------------------------------------------------------------


DENIED = {"401", "403", "404", "sign-in"}


def allowed_roles(route) -> list[str]:
    """Who may use the route on their own area's record: anonymous first for a public form."""
    cells = parse(route.own)
    if cells["anonymous"] not in DENIED:
        return ["anonymous"]
    return [role for role in PERSON_ROLES if cells[role] not in DENIED]


def fields_of(client, method: str, path: str, headers: dict) -> dict:
    with rolled_back(client):
        built = forms_built(client, method, path, headers)
    fields = {}
    for form in built:
        for field in leaves(form):
            fields.setdefault(field.name, field)
    return fields


def form_routes(app, world):
    """(key, client, path, fields) for every route that builds a form with fields, as the first
    allowed role whose page has one (the recovery codes page redirects those without a second
    factor to set one up, say); and the pages a route shows only in some states."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if "POST" not in rule.methods or rule.endpoint.startswith("api."):
            continue
        key = route_key(app, rule)
        route = MATRIX[key]
        path = build_path(app, rule, route.params(world.own))
        method = "GET" if "GET" in rule.methods else "POST"
        for role in allowed_roles(route):
            fields = fields_of(world.client(role), method, path, world.headers(role))
            if fields:
                found.append((key, world.client(role), path, fields))
                break
    # Triage, the task with the most fields, as well as the plan's closing task in the matrix.
    triage = f"/referrals/{world.own.ids['triage_referral_id']}/tasks/{world.own.ids['triage_task_id']}"
    found.append(
        (
            "tasks.task (triage)",
            world.client("social_care"),
            triage,
            fields_of(world.client("social_care"), "GET", triage, {}),
        )
    )
    # The code page, for someone who has given the right password and is asked for their code.
    halfway = world.app.test_client()
    response = halfway.post("/sign-in", data={"email": world.own.email("manager"), "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/sign-in/code"
    found.append(
        ("auth.sign_in_code", halfway, "/sign-in/code", fields_of(halfway, "GET", "/sign-in/code", {}))
    )
    return found


def run_collecting(attack, failures: list[str]) -> None:
    """Run a Hypothesis test and note its failures (the shrunk examples), so that one route
    failing does not stop the others being fuzzed."""
    try:
        attack()
    except AssertionError as failure:
        failures.append(str(failure)[:1500])
    except BaseExceptionGroup as group:  # Hypothesis found more than one distinct failure
        failures.extend(str(e)[:1500] for e in group.exceptions)


def fuzz_form(client, path, fields, failures, key):
    strategy = st.fixed_dictionaries({name: value_strategy(field) for name, field in fields.items()})
    junk = st.dictionaries(
        st.sampled_from(["colour", "children-0-factors", "id", "csrf_token"]), TEXT, max_size=2
    )

    @FUZZ_SETTINGS
    @given(strategy, junk)
    def attack(values, extra):
        response, wrote = in_savepoint(client, path, method="POST", data=posted(values, extra))
        problem = None
        if isinstance(response, Exception) or response.status_code >= 500:
            problem = describe(response)
        elif rejected(response) and wrote:
            problem = f"refused with {response.status_code} but wrote rows"
        if problem:
            raise AssertionError(
                f"{key} POST {path}: {problem}; posted {dict(posted(values, extra).lists())!r}"
            )

    run_collecting(attack, failures)


def test_no_form_answers_500_or_writes_when_it_refuses(app, make_agency, make_user):
    world = build_world(app, make_agency, make_user)
    routes = form_routes(app, world)
    # The forms the fuzz must reach: if discovery breaks, this says so rather than fuzzing nothing.
    reached = {key for key, *_ in routes}
    for expected in (
        "notifications.new",
        "tasks.task",
        "admin.edit_user /admin/users/new",
        "auth.sign_in",
        "auth.new_recovery_codes",
        "tasks.task (triage)",
        "auth.sign_in_code",
    ):
        assert expected in reached, f"the fuzz did not find the form of {expected}"
    failures: list[str] = []
    for key, client, path, fields in routes:
        fuzz_form(client, path, fields, failures, key)
    assert not failures, f"{len(failures)} forms failed:\n" + "\n".join(failures)


# --- The API ------------------------------------------------------------------------

SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(HUGE),
    st.integers(),
    st.floats(),
    TEXT,
)
# Junk nested two deep, written out rather than with st.recursive, whose check that the
# extension recurses misfires under the long profile.
KEYS = st.sampled_from(["a", "factors", "0", ""])
NESTED = st.one_of(st.lists(SCALAR, max_size=3), st.dictionaries(KEYS, SCALAR, max_size=3))
JUNK = st.one_of(SCALAR, NESTED, st.lists(NESTED, max_size=2), st.dictionaries(KEYS, NESTED, max_size=2))


def as_json(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


def mutated(base: dict):
    """A valid body with some fields replaced by junk, some removed, and unknown ones added."""
    keys = sorted(base)
    child_keys = sorted(base["children"][0]) if "children" in base else []
    return st.fixed_dictionaries(
        {
            "replace": st.dictionaries(st.sampled_from(keys), JUNK, max_size=3),
            "drop": st.lists(st.sampled_from(keys), max_size=2),
            "child": st.dictionaries(st.sampled_from(child_keys or ["x"]), JUNK, max_size=2),
            "unknown": st.dictionaries(
                st.sampled_from(["colour", "factors", "id", "version2"]), JUNK, max_size=1
            ),
        }
    ).map(lambda m: _apply(base, m))


def _apply(base: dict, m: dict) -> dict:
    body = json.loads(json.dumps(base))
    body.update(m["replace"])
    for key in m["drop"]:
        body.pop(key, None)
    if isinstance(body.get("children"), list) and body["children"] and isinstance(body["children"][0], dict):
        body["children"][0].update(m["child"])
    body.update(m["unknown"])
    return body


def fuzz_api(client, path, token, bodies, failures, label):
    headers = {"Authorization": f"Bearer {token}"}

    @FUZZ_SETTINGS
    @given(bodies)
    def attack(body):
        raw = body if isinstance(body, bytes) else json.dumps(body, allow_nan=True).encode()
        response, wrote = in_savepoint(
            client, path, method="POST", data=raw, headers=headers, content_type="application/json"
        )
        problem = None
        if isinstance(response, Exception) or response.status_code >= 500:
            problem = describe(response)
        elif response.status_code >= 400 and wrote:
            problem = f"refused with {response.status_code} but wrote rows"
        if problem:
            raise AssertionError(f"{label}: {problem}; body {raw[:800]!r}")

    run_collecting(attack, failures)


def notification_body() -> dict:
    """A police notification as the API takes it (OpenAPI), valid as it stands."""
    return notification_json()


def contact_body() -> dict:
    return notification_body() | {
        "referral_source": "2A",
        "referrer_name": "Pat Jones",
        "referrer_organisation": "Northtown Primary",
    }


RAW = st.one_of(
    st.sampled_from([b"", b"{", b"[]", b"null", b"\x00", b'{"a":' * 50, b"\xff\xfe", b'"text"', b"1e999"]),
    JUNK,
)


def test_the_api_bodies_the_fuzz_starts_from_are_accepted(app, make_agency, make_user):
    """Mutating a valid body reaches the deeper checks; this keeps the bodies valid."""
    world = build_world(app, make_agency, make_user)
    social_token = social_care_token(world)
    client = app.test_client()
    for token, body in ((world.own.token, notification_body()), (social_token, contact_body())):
        response, _ = in_savepoint(
            client,
            "/api/v1/notifications",
            method="POST",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.get_data(as_text=True)
    response, _ = in_savepoint(
        client,
        task_path(world),
        method="POST",
        json=triage_body(world),
        headers={"Authorization": f"Bearer {social_token}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def social_care_token(world) -> str:
    social = system_account_for(world.own.user("social_care"))
    _, token = ApiToken.issue(social, "Children's services case system", world.own.user("admin"))
    db.session.commit()
    return token


def task_path(world) -> str:
    return f"/api/v1/referrals/{world.own.ids['triage_referral_id']}/tasks/{world.own.ids['triage_task_id']}"


def triage_body(world) -> dict:
    referral = db.session.get(Referral, world.own.ids["triage_referral_id"])
    task = next(t for t in referral.ready_tasks if t.step == "triage")
    return {"version": task.ready_version or referral.version, **steps.triage(research_needed=True)}


def test_no_api_write_answers_500_or_writes_when_it_refuses(app, make_agency, make_user):
    world = build_world(app, make_agency, make_user)
    social_token = social_care_token(world)
    client = app.test_client()
    failures: list[str] = []
    fuzz_api(
        client,
        "/api/v1/notifications",
        world.own.token,
        st.one_of(mutated(notification_body()), RAW),
        failures,
        "POST /api/v1/notifications (a police system)",
    )
    fuzz_api(
        client,
        "/api/v1/notifications",
        social_token,
        st.one_of(mutated(contact_body()), RAW),
        failures,
        "POST /api/v1/notifications (a social care system: a contact)",
    )
    path = task_path(world)
    fuzz_api(
        client,
        path,
        social_token,
        st.one_of(mutated(triage_body(world)), RAW),
        failures,
        f"POST {path} (triage)",
    )
    assert not failures, f"{len(failures)} API routes failed:\n" + "\n".join(failures)
