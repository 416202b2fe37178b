"""Indexes for the coordinator queues: a run's proposals by score, a program's waitlist by wait

Revision ID: 5d0c7a9e2b41
Revises: 1a29fdd38f8b
Create Date: 2026-11-27 07:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d0c7a9e2b41'
down_revision = '1a29fdd38f8b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_queue', ['program_id', 'status', 'waiting_since', 'id'], unique=False)
    with op.batch_alter_table('match_proposals', schema=None) as batch_op:
        batch_op.create_index('ix_match_proposals_run_status_score', ['run_id', 'status', 'score', 'id'], unique=False)
        batch_op.create_index('ix_match_proposals_run_score', ['run_id', 'score', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('match_proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_match_proposals_run_score')
        batch_op.drop_index('ix_match_proposals_run_status_score')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_queue')
