"""The family accepts a match; contact rules; programs in Spanish.

A match records when the family accepted it and who did (matches whose first meeting was
already held count as accepted then: the family came to it); a program has its description and
parent information in Spanish, and a contact policy saying what families see of their mentor's
contact (the work or program contact by default); a mentor has a work or program e-mail and
phone; a meeting can be a group activity.

Revision ID: 7c4e2a9d5b18
Revises: 9ea6d6978592
Create Date: 2026-11-30 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


CONTACT_METHOD_OLD = ("in_person", "phone", "video", "message")
CONTACT_METHOD_NEW = ("in_person", "phone", "video", "group_activity", "message")


# revision identifiers, used by Alembic.
revision = '7c4e2a9d5b18'
down_revision = '9ea6d6978592'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_es', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('parent_information_es', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_policy', _enum('contact_policy', 'work', 'work_and_phone'),
                                      nullable=False, server_default='work'))

    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('work_phone', sa.String(length=32), nullable=True))

    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('accepted_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_matches_accepted_by_id'), ['accepted_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_matches_accepted_by_id_users'), 'users', ['accepted_by_id'],
                                    ['id'], ondelete='SET NULL')

    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.alter_column('method', existing_type=_enum('contact_method', *CONTACT_METHOD_OLD),
                              type_=_enum('contact_method', *CONTACT_METHOD_NEW), existing_nullable=False)

    # A family that came to the first meeting accepted the mentor, whatever the page said then.
    op.execute("UPDATE matches SET accepted_at = first_meeting_held_at WHERE first_meeting_held_at IS NOT NULL")


def downgrade():
    op.execute("UPDATE check_ins SET method = 'in_person' WHERE method = 'group_activity'")
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.alter_column('method', existing_type=_enum('contact_method', *CONTACT_METHOD_NEW),
                              type_=_enum('contact_method', *CONTACT_METHOD_OLD), existing_nullable=False)

    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_matches_accepted_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_matches_accepted_by_id'))
        batch_op.drop_column('accepted_by_id')
        batch_op.drop_column('accepted_at')

    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.drop_column('work_phone')
        batch_op.drop_column('work_email')

    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_programs_contact_policy'), type_='check')
        batch_op.drop_column('contact_policy')
        batch_op.drop_column('parent_information_es')
        batch_op.drop_column('description_es')
