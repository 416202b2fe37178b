"""Proposal counts kept by the database: a run's proposals by status, moved by triggers

Revision ID: 4e7b1c9d2a60
Revises: 15237a9eadf5
Create Date: 2026-12-01 20:30:00.000000

The triggers are written out here as they stood at this revision (the models' copy,
`mentormatch.models.PROPOSAL_COUNT_DDL`, builds new databases and may move on). On SQLite a later
migration that rebuilds `match_proposals` in batch mode drops its triggers with the old table: it
must create them again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4e7b1c9d2a60'
down_revision = '15237a9eadf5'
branch_labels = None
depends_on = None

KINDS = ("inserted", "deleted", "updated")

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION proposal_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO proposal_counts (run_id, status, total)
    SELECT run_id, status, count(*) FROM new_rows WHERE run_id IS NOT NULL GROUP BY run_id, status
    ON CONFLICT (run_id, status) DO UPDATE SET total = proposal_counts.total + excluded.total;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER proposal_counts_inserted AFTER INSERT ON match_proposals
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION proposal_counts_inserted()""",
    """CREATE OR REPLACE FUNCTION proposal_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE proposal_counts AS c SET total = c.total - gone.n
    FROM (SELECT run_id, status, count(*) AS n FROM old_rows WHERE run_id IS NOT NULL
          GROUP BY run_id, status) AS gone
    WHERE c.run_id = gone.run_id AND c.status = gone.status;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER proposal_counts_deleted AFTER DELETE ON match_proposals
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION proposal_counts_deleted()""",
    """CREATE OR REPLACE FUNCTION proposal_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE proposal_counts AS c SET total = c.total - gone.n
    FROM (SELECT o.run_id, o.status, count(*) AS n FROM old_rows o JOIN new_rows n ON n.id = o.id
          WHERE o.run_id IS NOT NULL
            AND (n.run_id IS DISTINCT FROM o.run_id OR n.status <> o.status)
          GROUP BY o.run_id, o.status) AS gone
    WHERE c.run_id = gone.run_id AND c.status = gone.status;
    INSERT INTO proposal_counts (run_id, status, total)
    SELECT n.run_id, n.status, count(*) FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.run_id IS NOT NULL AND (n.run_id IS DISTINCT FROM o.run_id OR n.status <> o.status)
    GROUP BY n.run_id, n.status
    ON CONFLICT (run_id, status) DO UPDATE SET total = proposal_counts.total + excluded.total;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER proposal_counts_updated AFTER UPDATE ON match_proposals
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
EXECUTE FUNCTION proposal_counts_updated()""",
]

SQLITE = [
    """CREATE TRIGGER proposal_counts_inserted AFTER INSERT ON match_proposals
WHEN NEW.run_id IS NOT NULL BEGIN
    INSERT INTO proposal_counts (run_id, status, total) VALUES (NEW.run_id, NEW.status, 1)
    ON CONFLICT (run_id, status) DO UPDATE SET total = total + 1;
END""",
    """CREATE TRIGGER proposal_counts_deleted AFTER DELETE ON match_proposals
WHEN OLD.run_id IS NOT NULL BEGIN
    UPDATE proposal_counts SET total = total - 1 WHERE run_id = OLD.run_id AND status = OLD.status;
END""",
    """CREATE TRIGGER proposal_counts_updated AFTER UPDATE OF run_id, status ON match_proposals
WHEN OLD.run_id IS NOT NEW.run_id OR OLD.status IS NOT NEW.status BEGIN
    UPDATE proposal_counts SET total = total - 1 WHERE run_id = OLD.run_id AND status = OLD.status;
    INSERT INTO proposal_counts (run_id, status, total) SELECT NEW.run_id, NEW.status, 1
    WHERE NEW.run_id IS NOT NULL
    ON CONFLICT (run_id, status) DO UPDATE SET total = total + 1;
END""",
]


def upgrade():
    op.create_table('proposal_counts',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'superseded', 'declined_by_guardian', name='proposal_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['matching_runs.id'], name=op.f('fk_proposal_counts_run_id_matching_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'status', name=op.f('pk_proposal_counts'))
    )
    dialect = op.get_bind().dialect.name
    # The triggers first: on PostgreSQL creating them holds off writers to match_proposals until
    # this transaction commits, so no proposal changes between the count below and the triggers.
    for statement in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(dialect, []):
        op.execute(statement)
    op.execute("INSERT INTO proposal_counts (run_id, status, total) "
               "SELECT run_id, status, count(*) FROM match_proposals WHERE run_id IS NOT NULL "
               "GROUP BY run_id, status")


def downgrade():
    dialect = op.get_bind().dialect.name
    for kind in KINDS:
        op.execute(f"DROP TRIGGER IF EXISTS proposal_counts_{kind}"
                   + (" ON match_proposals" if dialect == "postgresql" else ""))
        if dialect == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS proposal_counts_{kind}()")
    op.drop_table('proposal_counts')
