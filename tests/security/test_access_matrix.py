"""The access matrix: every route in the app's url_map, as every role, on a record of the
user's own area and on one of another area. Each cell is the expected answer:

    200, 400, 401, 403, 404 ...  that status exactly
    sign-in                      a redirect to the sign-in page
    may                          allowed: anything but 401, 403, 404, a redirect to sign in, or a 500

Columns, in order: police, social care, health, school (the education role, at a school of the
area), MASH manager, auditor, administrator, system account (an API token of Testshire's police
records system), anonymous. The MASH's police, social care and health agencies take part in
every referral of their area; the school only in the one it is invited to (the plan in force,
`referral_id`). On every other Testshire record it is an agency not taking part, and the
`absent` line (a referral at triage it is not invited to) checks that for a referral's own pages.

Pages are fetched with GET; a POST-only route gets an empty POST (CSRF is off in the test
configuration, as in the other tests), so the allowed answer is usually the form's refusal. Every
request runs in a SAVEPOINT rolled back afterwards, so one cell cannot change another.

A route naming a record inside another (a referral's plan action, task, disagreement, missing
episode or possible match; a system account's token) has a third line, `mixed`: Testshire's
outer record with Otherland's inner one. The inner record is then unknown there: 404, or 409
for a task ("no longer ready"; picking it up sends the user back to the inbox saying so),
exactly as for an id that does not exist, so nothing says the other area's record exists.

A route added to the app without a row here fails the test, naming it.
"""

from __future__ import annotations

from tests.security.matrix import Route, absent_values, agrees, mixed_values, parse, request_cell, route_key
from tests.security.world import build_world


def ids(*names: str, **fixed):
    """Path parameters from an area's records: `ids("referral_id")`, or renamed `task_id="triage_task_id"`."""

    def fill(area) -> dict:
        values = {name: area.ids[name] for name in names}
        for param, source in fixed.items():
            values[param] = area.ids.get(source, source)
        return values

    return fill


NONE = ids()
REFERRAL = ids("referral_id")
#                       police social health school manager auditor admin system anon
EVERYONE = "            200    200    200    200    200     200     200   200    200"
SIGNED_IN = "           200    200    200    200    200     200     200   sign-in sign-in"
CASE_READERS = "        200    200    200    200    200     200     403   sign-in sign-in"
NOT_INVITED = "         200    200    200    403    200     200     403   sign-in sign-in"
NO_CASE = "             403    403    403    403    403     403     403   sign-in sign-in"
AUDITORS = "            403    403    403    403    200     200     403   sign-in sign-in"
ADMINS = "              403    403    403    403    403     403     200   sign-in sign-in"
OTHERS_DRAFT = "        404    403    403    403    403     403     403   sign-in sign-in"
ADMINS_ELSEWHERE = "    403    403    403    403    403     403     403   sign-in sign-in"

MATRIX: dict[str, Route] = {
    # --- Open to anyone -----------------------------------------------------------------
    "main.index": Route(NONE, SIGNED_IN),
    "main.accessibility": Route(NONE, EVERYONE),
    "main.privacy": Route(NONE, EVERYONE),
    "main.healthz": Route(NONE, EVERYONE),
    "static": Route(ids(filename="app.css"), EVERYONE),
    "api.openapi": Route(NONE, EVERYONE),
    "auth.sign_in": Route(NONE, "302 302 302 302 302 302 302 200 200"),  # signed in: on to the start page
    "auth.sign_in_code": Route(
        NONE, "302 302 302 302 302 302 302 sign-in sign-in"
    ),  # no password step pending
    "auth.session_status": Route(NONE, EVERYONE),
    # --- Anyone signed in ---------------------------------------------------------------
    "alerts.index": Route(NONE, SIGNED_IN),
    "alerts.mark_read": Route(NONE, "302 302 302 302 302 302 302 sign-in sign-in"),
    "auth.account": Route(NONE, SIGNED_IN),
    "auth.change_password": Route(NONE, SIGNED_IN),
    "auth.end_other_sessions": Route(NONE, "302 302 302 302 302 302 302 sign-in sign-in"),
    "auth.keep_alive": Route(NONE, "302 302 302 302 302 302 302 sign-in sign-in"),
    # Without a second factor, recovery codes and turning it off lead to set-up or the account page.
    "auth.new_recovery_codes": Route(NONE, "302 302 302 302 200 200 200 sign-in sign-in"),
    "auth.set_up_second_factor": Route(NONE, "200 200 200 200 302 302 302 sign-in sign-in"),  # set up already
    # The page opens for managers, auditors and admins, but the service refuses their code (test_second_factor.py).
    "auth.turn_off_second_factor": Route(NONE, "302 302 302 302 200 200 200 sign-in sign-in"),
    "auth.sign_out": Route(
        NONE, "sign-in sign-in sign-in sign-in sign-in sign-in sign-in sign-in sign-in"
    ),  # signed out
    # --- Referrals ----------------------------------------------------------------------
    "referrals.index": Route(NONE, CASE_READERS),
    "referrals.show": Route(REFERRAL, CASE_READERS, NO_CASE, absent=NOT_INVITED),
    "referrals.diagram": Route(REFERRAL, CASE_READERS, NO_CASE, absent=NOT_INVITED),
    "referrals.record_conference": Route(REFERRAL, "403 200 403 403 403 403 403 sign-in sign-in", NO_CASE),
    "referrals.record_police_protection_ended": Route(
        REFERRAL,
        "302 403 403 403 403 403 403 sign-in sign-in",
        NO_CASE,  # not in police protection: back to the referral
    ),
    "referrals.update_action": Route(
        ids("referral_id", "action_id"),
        "400 400 400 403 400 403 403 sign-in sign-in",
        NO_CASE,
        mixed=NO_CASE,
    ),  # no status chosen; the school updates only the actions its kind of agency owns
    "notifications.new": Route(NONE, "200 403 403 403 403 403 403 sign-in sign-in"),
    # A draft is its author's alone: another officer's draft, even in the same force, does not exist for them.
    "notifications.list_drafts": Route(NONE, "200 403 403 403 403 403 403 sign-in sign-in"),
    "notifications.edit_draft": Route(
        ids("draft_id"), "200 403 403 403 403 403 403 sign-in sign-in", OTHERS_DRAFT
    ),
    "notifications.check_draft": Route(
        ids("draft_id"), "400 403 403 403 403 403 403 sign-in sign-in", OTHERS_DRAFT
    ),  # the world's draft has only its incident type: the form says what is missing
    "notifications.delete_draft": Route(
        ids("draft_id"), "302 403 403 403 403 403 403 sign-in sign-in", OTHERS_DRAFT
    ),
    "notifications.new_contact": Route(
        NONE, "403 200 200 200 403 403 403 sign-in sign-in"
    ),  # a school refers
    "tasks.inbox": Route(NONE, "200 200 200 403 200 403 403 sign-in sign-in"),  # the school works no lane
    "tasks.task": Route(
        ids("referral_id", "task_id"),
        "403 200 403 403 403 403 403 sign-in sign-in",
        NO_CASE,
        mixed="409 409 409 403 409 403 403 sign-in sign-in",
    ),
    "tasks.pick_up": Route(
        ids("referral_id", "task_id"),
        "403 302 403 403 403 403 403 sign-in sign-in",
        NO_CASE,
        mixed="302 302 302 403 302 403 403 sign-in sign-in",
    ),
    # A manager sees the page with why not: managers review disagreements, they do not raise them.
    "disagreements.raise_disagreement": Route(
        REFERRAL, "200 200 200 403 200 403 403 sign-in sign-in", NO_CASE
    ),  # the MASH's agencies, who made the decision with their research
    "disagreements.review": Route(
        ids("referral_id", "disagreement_id"),
        "403 403 403 403 200 403 403 sign-in sign-in",
        NO_CASE,
        mixed="403 403 403 403 404 403 403 sign-in sign-in",
    ),
    # Social care and managers invite an agency from outside the MASH (app/participation).
    "participation.invite": Route(REFERRAL, "403 200 403 403 200 403 403 sign-in sign-in", NO_CASE),
    "missing.interview": Route(
        ids("episode_id", referral_id="episode_referral_id"),
        "200 200 200 403 200 403 403 sign-in sign-in",  # any MASH agency taking part records the interview
        NO_CASE,
        mixed="404 404 404 403 404 403 403 sign-in sign-in",
    ),
    # --- People -------------------------------------------------------------------------
    "people.search": Route(NONE, CASE_READERS),
    # A person's history across referrals is the MASH's: the school invited to one referral does not see it.
    "people.show": Route(ids("person_id"), "200 200 200 403 200 200 403 sign-in sign-in", NO_CASE),
    "people.resolve_match": Route(
        ids("match_id", referral_id="match_referral_id"),
        "403 302 403 403 302 403 403 sign-in sign-in",
        NO_CASE,
        mixed="403 404 403 403 404 403 403 sign-in sign-in",
    ),
    "people.undo_merge": Route(ids("merge_id"), "403 302 403 403 302 403 403 sign-in sign-in", NO_CASE),
    "people.merge": Route(
        ids("person_id", other_id="person_id"), "403 302 403 403 302 403 403 sign-in sign-in", NO_CASE
    ),
    "people.add_relationship": Route(
        ids("person_id"), "403 200 403 403 200 403 403 sign-in sign-in", NO_CASE
    ),
    # The world's child lives with no one: removing a relationship the records do not show is 404.
    "people.end_relationship": Route(
        ids("person_id", kind="lives_with", other_id="person_id"),
        "403 404 403 403 404 403 403 sign-in sign-in",
        NO_CASE,
    ),
    "people.flags": Route(ids("person_id"), "403 200 403 403 200 403 403 sign-in sign-in", NO_CASE),
    # --- The managers' audit and the access log -----------------------------------------
    "audit.dashboard": Route(NONE, AUDITORS),
    "audit.gap_list": Route(ids(slug="s47-no-strategy-discussion"), AUDITORS),
    "audit.gap_list_csv": Route(ids(slug="s47-no-strategy-discussion"), AUDITORS),
    "audit.ilacs": Route(NONE, AUDITORS),
    "audit.ilacs_csv": Route(ids(slug="list-1"), AUDITORS),
    "audit.results": Route(NONE, AUDITORS),
    "audit.results_csv": Route(NONE, AUDITORS),
    "audit.case_audits": Route(NONE, AUDITORS),
    "audit.case_audit": Route(ids("audit_id"), AUDITORS, NO_CASE),
    "audit.record_case_audit": Route(ids(referral_id="closed_referral_id"), AUDITORS, NO_CASE),
    "audit.samples": Route(NONE, AUDITORS),
    "audit.sample": Route(ids("sample_id"), AUDITORS, NO_CASE),
    "audit.draw_sample": Route(NONE, "403 403 403 403 400 403 403 sign-in sign-in"),  # no size given
    "access_log.referral": Route(REFERRAL, AUDITORS, NO_CASE),
    "access_log.referral_csv": Route(REFERRAL, AUDITORS, NO_CASE),
    "access_log.person": Route(ids("person_id"), AUDITORS, NO_CASE),
    "access_log.person_csv": Route(ids("person_id"), AUDITORS, NO_CASE),
    # --- Administration -----------------------------------------------------------------
    "admin.users": Route(NONE, ADMINS),
    "admin.agencies": Route(NONE, ADMINS),
    "admin.edit_user /admin/users/new": Route(NONE, ADMINS),
    "admin.edit_user /admin/users/<int:user_id>/edit": Route(ids("user_id"), ADMINS, ADMINS_ELSEWHERE),
    "admin.edit_agency /admin/agencies/new": Route(NONE, ADMINS),
    "admin.edit_agency /admin/agencies/<int:agency_id>/edit": Route(
        ids("agency_id"), ADMINS, ADMINS_ELSEWHERE
    ),
    "admin.account_action": Route(ids("user_id", action="unlock"), ADMINS, ADMINS_ELSEWHERE),
    "admin.change_active": Route(ids("user_id", action="deactivate"), ADMINS, ADMINS_ELSEWHERE),
    "admin.temporary_password": Route(ids("user_id"), ADMINS, ADMINS_ELSEWHERE),
    "admin.api_tokens": Route(ids(user_id="system_user_id"), ADMINS, ADMINS_ELSEWHERE),
    "admin.revoke_token": Route(
        ids("token_id", user_id="system_user_id"),
        "403 403 403 403 403 403 302 sign-in sign-in",
        ADMINS_ELSEWHERE,
        mixed="403 403 403 403 403 403 404 sign-in sign-in",
    ),
    "timers.response_times": Route(NONE, ADMINS),
    # --- The API (bearer tokens only: a signed-in browser is anonymous here) -------------
    "api.tasks": Route(NONE, "401 401 401 401 401 401 401 200 401"),
    "api.referral": Route(
        REFERRAL, "401 401 401 401 401 401 401 200 401", "401 401 401 401 401 401 401 403 401"
    ),
    "api.submit_notification": Route(
        NONE, "401 401 401 401 401 401 401 422 401", json={}
    ),  # nothing filled in
    "api.complete_task": Route(
        ids("referral_id", task_id="triage_task_id", referral_id="triage_referral_id"),
        "401 401 401 401 401 401 401 403 401",  # triage is the Social care lane's; the token is police's
        "401 401 401 401 401 401 401 403 401",
        json={},
        mixed="401 401 401 401 401 401 401 409 401",
    ),
}


def test_every_route_in_the_url_map_has_a_row(app):
    keys = {route_key(app, rule) for rule in app.url_map.iter_rules()}
    missing = sorted(keys - set(MATRIX))
    assert not missing, "routes with no row in the access matrix (tests/security/test_access_matrix.py): " + (
        ", ".join(missing)
    )
    assert not sorted(set(MATRIX) - keys), "rows in the access matrix for routes the app no longer has"


def test_every_role_gets_the_expected_answer_on_every_route(app, make_agency, make_user):
    world = build_world(app, make_agency, make_user)
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        key = route_key(app, rule)
        route = MATRIX.get(key)
        if route is None:
            failures.append(f"{key}: no row in the matrix")
            continue
        cases = [
            ("own", route.params(world.own), route.own),
            ("other area", route.params(world.other), route.other),
            ("own, holding the other area's", mixed_values(route, world.own, world.other), route.mixed),
            ("own, the school not taking part", absent_values(route, world.own), route.absent),
        ]
        for which, values, columns in cases:
            if columns is None:
                continue
            for role, expected in parse(columns).items():
                got = request_cell(app, world, rule, route, role, values)
                if not agrees(expected, got):
                    failures.append(f"{key} [{which}] as {role}: expected {expected}, got {got}")
    assert not failures, f"{len(failures)} cells disagree:\n" + "\n".join(failures)
