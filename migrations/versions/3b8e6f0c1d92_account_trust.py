"""Account trust: login sessions kept on the server, confirmed e-mail addresses

Revision ID: 3b8e6f0c1d92
Revises: 5d0c7a9e2b41
Create Date: 2026-11-30 10:40:24.834243

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b8e6f0c1d92'
down_revision = '5d0c7a9e2b41'
branch_labels = None
depends_on = None


PURPOSES = ('password_reset', 'guardian_consent')
NEW_PURPOSES = PURPOSES + ('email_confirmation',)


def _purpose_check(purposes):
    return "purpose IN (" + ", ".join(f"'{p}'" for p in purposes) + ")"


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
    # Accounts made before addresses were confirmed keep working: they count as confirmed.
    op.execute("UPDATE users SET email_confirmed_at = created_at")

    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_access_tokens_token_purpose'), type_='check')
        batch_op.create_check_constraint(op.f('ck_access_tokens_token_purpose'), _purpose_check(NEW_PURPOSES))

    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=80), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))

    op.drop_table('login_sessions')

    op.execute("DELETE FROM access_tokens WHERE purpose = 'email_confirmation'")
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_access_tokens_token_purpose'), type_='check')
        batch_op.create_check_constraint(op.f('ck_access_tokens_token_purpose'), _purpose_check(PURPOSES))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
