"""pattern alerts: an alert kind for a person on an open or recent case named again

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 08:02:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BEFORE = ('new_task', 'escalation', 'due_soon')
AFTER = ('new_task', 'escalation', 'due_soon', 'pattern')



def upgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_alerts_alert_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_alerts_alert_kind'), sa.column('kind').in_(AFTER))


def downgrade():
    op.execute(sa.text("DELETE FROM alerts WHERE kind = 'pattern'"))
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_alerts_alert_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_alerts_alert_kind'), sa.column('kind').in_(BEFORE))
