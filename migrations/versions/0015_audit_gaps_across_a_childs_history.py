"""audit gaps 12 to 15: repeat missing episodes, return home interviews, repeat no further action,
possible matches left open; their audit facts columns, filled for the facts already there

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# Frozen here rather than imported from app/audit (docs/audit-rules.md, "Adding a gap"):
# the rules as they are at 0015, on table stubs. Enum columns hold their values as text.
NINETY_DAYS_HOURS = 90 * 24
TWELVE_MONTHS_HOURS = 365 * 24

_facts = sa.table(
    "audit_facts",
    sa.column("referral_id"),
    sa.column("missing_pattern"),
    sa.column("interview_awaited_since"),
    sa.column("repeat_nfa"),
    sa.column("match_open_since"),
)
_referrals = sa.table("referrals", sa.column("id"), sa.column("status"), sa.column("outcome"), sa.column("closed_at"))
_episodes = sa.table(
    "missing_episodes",
    sa.column("id"),
    sa.column("referral_id"),
    sa.column("child_id"),
    sa.column("kind"),
    sa.column("reported_at"),
    sa.column("found_at"),
    sa.column("interview_status"),
)
_involvements = sa.table(
    "involvements", sa.column("referral_id"), sa.column("person_id"), sa.column("child_id"), sa.column("role")
)
_matches = sa.table(
    "possible_matches", sa.column("referral_id"), sa.column("status"), sa.column("created_at")
)


def _hours(end, start):
    """Hours from `start` to `end`, in this database's own date arithmetic."""
    if op.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", end - start) / 3600.0
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 24.0


def _missing_pattern():
    episode, earlier = _episodes.alias("episode"), _episodes.alias("earlier")
    child, theirs = _involvements.alias("child"), _involvements.alias("theirs")
    in_window = (
        sa.select(sa.func.count(earlier.c.id))
        .select_from(earlier.join(theirs, theirs.c.child_id == earlier.c.child_id))
        .where(
            theirs.c.person_id == child.c.person_id,
            earlier.c.kind == "missing",
            earlier.c.reported_at <= episode.c.reported_at,
            _hours(episode.c.reported_at, earlier.c.reported_at) <= NINETY_DAYS_HOURS,
        )
        .scalar_subquery()
    )
    return sa.exists().where(
        episode.c.referral_id == _facts.c.referral_id,
        child.c.child_id == episode.c.child_id,
        episode.c.kind == "missing",
        in_window >= 3,
    )


def _interview_awaited_since():
    return (
        sa.select(sa.func.min(_episodes.c.found_at))
        .where(
            _episodes.c.referral_id == _facts.c.referral_id,
            _episodes.c.found_at.is_not(None),
            _episodes.c.interview_status.in_(("not_yet", "offered")),
        )
        .scalar_subquery()
    )


def _repeat_nfa():
    this, earlier = _referrals.alias("this"), _referrals.alias("earlier")
    child, theirs = _involvements.alias("child"), _involvements.alias("theirs")

    def closed_nfa(r):
        return sa.and_(r.c.status == "closed", r.c.outcome == "nfa", r.c.closed_at.is_not(None))

    return sa.exists().where(
        this.c.id == _facts.c.referral_id,
        closed_nfa(this),
        child.c.referral_id == this.c.id,
        child.c.role == "child",
        theirs.c.person_id == child.c.person_id,
        theirs.c.role == "child",
        earlier.c.id == theirs.c.referral_id,
        earlier.c.id != this.c.id,
        closed_nfa(earlier),
        earlier.c.closed_at <= this.c.closed_at,
        _hours(this.c.closed_at, earlier.c.closed_at) <= TWELVE_MONTHS_HOURS,
    )


def _match_open_since():
    return (
        sa.select(sa.func.min(_matches.c.created_at))
        .where(_matches.c.referral_id == _facts.c.referral_id, _matches.c.status == "open")
        .scalar_subquery()
    )


def upgrade():
    with op.batch_alter_table('audit_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missing_pattern', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('interview_awaited_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('repeat_nfa', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('match_open_since', sa.DateTime(timezone=True), nullable=True))

    op.execute(
        _facts.update().values(
            missing_pattern=sa.case((_missing_pattern(), True), else_=False),
            interview_awaited_since=_interview_awaited_since(),
            repeat_nfa=sa.case((_repeat_nfa(), True), else_=False),
            match_open_since=_match_open_since(),
        )
    )

    with op.batch_alter_table('audit_facts', schema=None) as batch_op:
        batch_op.alter_column('missing_pattern', existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column('repeat_nfa', existing_type=sa.Boolean(), nullable=False)


def downgrade():
    with op.batch_alter_table('audit_facts', schema=None) as batch_op:
        batch_op.drop_column('match_open_since')
        batch_op.drop_column('repeat_nfa')
        batch_op.drop_column('interview_awaited_since')
        batch_op.drop_column('missing_pattern')
