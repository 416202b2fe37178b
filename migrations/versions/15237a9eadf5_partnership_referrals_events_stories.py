"""The partnership: partner organizations and their liaisons, referrals and their invitation
links, events with RSVPs and attendance, private calendar feeds, and success stories with photos.

Users may hold the new `partner` role; an application remembers the referral it came from.

Revision ID: 15237a9eadf5
Revises: 7c4e2a9d5b18
Create Date: 2026-11-30 12:16:46.759717

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '15237a9eadf5'
down_revision = '7c4e2a9d5b18'
branch_labels = None
depends_on = None

ROLES = ('guardian', 'youth', 'mentor', 'coordinator', 'admin')
NEW_ROLES = ROLES + ('partner',)


def _role_check(roles):
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_user_role'), _role_check(NEW_ROLES))

    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.Enum('school', 'youth_nonprofit', 'faith', 'mental_health', 'other', name='partner_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_partners_name'))
    )
    op.create_table('calendar_feeds',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )
    op.create_table('gatherings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.Enum('explorer_meeting', 'coffee_with_a_cop', 'community_day', 'training', 'group_outing', name='gathering_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('audience', sa.Enum('public', 'program_families', 'mentors', 'matched_pairs', name='audience', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', 'cancelled', name='gathering_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_gatherings_capacity')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_gatherings_times')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_gatherings_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_gatherings_partner_id_partners')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_gatherings_program_id_programs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gatherings'))
    )
    with op.batch_alter_table('gatherings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gatherings_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gatherings_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gatherings_program_id'), ['program_id'], unique=False)
        batch_op.create_index('ix_gatherings_upcoming', ['status', 'starts_at'], unique=False)

    op.create_table('partner_liaisons',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_liaisons_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_partner_liaisons_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_partner_liaisons'))
    )
    with op.batch_alter_table('partner_liaisons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_liaisons_partner_id'), ['partner_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('referred_by_id', sa.Integer(), nullable=True),
    sa.Column('family_email', sa.String(length=254), nullable=False),
    sa.Column('family_locale', sa.String(length=5), nullable=False),
    sa.Column('child_first_name', sa.String(length=80), nullable=False),
    sa.Column('age_band', sa.Enum('12-13', '14-15', '16-17', '18-20', name='age_band', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('family_agreed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('invited', 'applied', 'declined', 'withdrawn', name='referral_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('view_withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_referrals_partner_id_partners')),
    sa.ForeignKeyConstraint(['referred_by_id'], ['users.id'], name=op.f('fk_referrals_referred_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_family_email'), ['family_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_referred_by_id'), ['referred_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_status'), ['status'], unique=False)

    op.create_table('referral_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_invitations_referral_id_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_referral_invitations_token_hash'))
    )
    with op.batch_alter_table('referral_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_invitations_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_programs',
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_referral_programs_program_id_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_programs_referral_id_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referral_id', 'program_id', name=op.f('pk_referral_programs'))
    )
    op.create_table('rsvps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gathering_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('guests', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('going', 'waitlisted', 'cancelled', name='rsvp_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('waitlisted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attendance_taken_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('guests >= 0 AND guests <= 10', name=op.f('ck_rsvps_guests')),
    sa.ForeignKeyConstraint(['attendance_taken_by_id'], ['users.id'], name=op.f('fk_rsvps_attendance_taken_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['gathering_id'], ['gatherings.id'], name=op.f('fk_rsvps_gathering_id_gatherings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_rsvps_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rsvps')),
    sa.UniqueConstraint('gathering_id', 'user_id', name='uq_rsvps_person')
    )
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rsvps_attendance_taken_by_id'), ['attendance_taken_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rsvps_gathering_id'), ['gathering_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rsvps_user_id'), ['user_id'], unique=False)

    op.create_table('stories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('title_es', sa.String(length=160), nullable=False),
    sa.Column('body_es', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'awaiting_approval', 'approved', 'published', 'withdrawn', name='story_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('guardian_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('youth_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_stories_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_stories_match_id_matches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stories'))
    )
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stories_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stories_match_id'), ['match_id'], unique=False)
        batch_op.create_index('ix_stories_status_published', ['status', 'published_at'], unique=False)

    op.create_table('story_photos',
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_photos_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('story_id', name=op.f('pk_story_photos'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_applications_referral_id'), ['referral_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_applications_referral_id_referrals'), 'referrals', ['referral_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_applications_referral_id_referrals'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_applications_referral_id'))
        batch_op.drop_column('referral_id')

    op.drop_table('story_photos')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_index('ix_stories_status_published')
        batch_op.drop_index(batch_op.f('ix_stories_match_id'))
        batch_op.drop_index(batch_op.f('ix_stories_author_id'))

    op.drop_table('stories')
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rsvps_user_id'))
        batch_op.drop_index(batch_op.f('ix_rsvps_gathering_id'))
        batch_op.drop_index(batch_op.f('ix_rsvps_attendance_taken_by_id'))

    op.drop_table('rsvps')
    op.drop_table('referral_programs')
    with op.batch_alter_table('referral_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_invitations_referral_id'))

    op.drop_table('referral_invitations')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_status'))
        batch_op.drop_index(batch_op.f('ix_referrals_referred_by_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_partner_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_family_email'))

    op.drop_table('referrals')
    with op.batch_alter_table('partner_liaisons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_liaisons_partner_id'))

    op.drop_table('partner_liaisons')
    with op.batch_alter_table('gatherings', schema=None) as batch_op:
        batch_op.drop_index('ix_gatherings_upcoming')
        batch_op.drop_index(batch_op.f('ix_gatherings_program_id'))
        batch_op.drop_index(batch_op.f('ix_gatherings_partner_id'))
        batch_op.drop_index(batch_op.f('ix_gatherings_created_by_id'))

    op.drop_table('gatherings')
    op.drop_table('calendar_feeds')
    op.drop_table('partners')

    op.execute("DELETE FROM users WHERE role = 'partner'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_user_role'), _role_check(ROLES))
