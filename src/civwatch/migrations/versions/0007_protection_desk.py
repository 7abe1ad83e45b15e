"""the protection desk: people at risk (sealed fields, blind indexes), consent, access
grants, cases and their teams, transitions, risk assessments, tasks, route checkpoints,
check-ins, alerts, partners, referrals, requests for help and the protection audit index

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 02:11:33

The four tables of the protection audit log itself (``protection_audit_leaves``,
``_nodes``, ``_tree_heads``, ``_state``) are the custody engine's (``log_tables``), made
here as 0001 made the custody log's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


_LOG = "protection_audit"


def _create_log_tables() -> None:
    """The protection audit log's own tables: those of the custody log's first schema,
    under the prefix ``protection_audit`` (``custody.models.log_tables``)."""
    op.create_table(
        f"{_LOG}_leaves",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("appended_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f(f"pk_{_LOG}_leaves")),
    )
    op.create_table(
        f"{_LOG}_nodes",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f(f"pk_{_LOG}_nodes")),
    )
    op.create_table(
        f"{_LOG}_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{_LOG}_state")),
    )
    op.create_table(
        f"{_LOG}_tree_heads",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{_LOG}_tree_heads")),
    )
    with op.batch_alter_table(f"{_LOG}_tree_heads", schema=None) as batch_op:
        batch_op.create_index(f"ix_{_LOG}_tree_heads_tree_size", ["tree_size"], unique=False)


def _drop_log_tables() -> None:
    with op.batch_alter_table(f"{_LOG}_tree_heads", schema=None) as batch_op:
        batch_op.drop_index(f"ix_{_LOG}_tree_heads_tree_size")
    for name in ("tree_heads", "state", "nodes", "leaves"):
        op.drop_table(f"{_LOG}_{name}")


def upgrade() -> None:
    _create_log_tables()
    op.create_table(
        "protection_audit_event",
        sa.Column("leaf_idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("act", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.String(length=40), nullable=True),
        sa.Column("case_id", sa.String(length=40), nullable=True),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_protection_audit_event_actor_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("leaf_idx", name=op.f("pk_protection_audit_event")),
    )
    with op.batch_alter_table("protection_audit_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_audit_event_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_protection_audit_event_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "protection_desk",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kdf", sa.String(length=16), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=True),
        sa.Column("kdf_params", JSON, nullable=True),
        sa.Column("key_verifier", sa.LargeBinary(), nullable=False),
        sa.Column("age_recipient", sa.String(length=255), nullable=False),
        sa.Column("age_identity", sa.LargeBinary(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("lock_epoch", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["user_account.id"],
            name=op.f("fk_protection_desk_changed_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_desk")),
    )
    op.create_table(
        "protection_partner",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("age_recipient", sa.String(length=255), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["user_account.id"],
            name=op.f("fk_protection_partner_added_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_partner")),
    )
    op.create_table(
        "protection_person",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("risk_level", sa.String(length=16), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("deleted_reason", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_protection_person_created_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"],
            ["user_account.id"],
            name=op.f("fk_protection_person_deleted_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_person")),
    )
    with op.batch_alter_table("protection_person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_person_created_by"), ["created_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_protection_person_next_review"), ["next_review"], unique=False
        )

    op.create_table(
        "protection_access_grant",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["user_account.id"],
            name=op.f("fk_protection_access_grant_approved_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["protection_person.id"],
            name=op.f("fk_protection_access_grant_person_id_protection_person"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_protection_access_grant_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_access_grant")),
    )
    with op.batch_alter_table("protection_access_grant", schema=None) as batch_op:
        batch_op.create_index(
            "ix_protection_access_grant_person_user", ["person_id", "user_id"], unique=False
        )

    op.create_table(
        "protection_blind_index",
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["protection_person.id"],
            name=op.f("fk_protection_blind_index_person_id_protection_person"),
        ),
        sa.PrimaryKeyConstraint(
            "person_id", "kind", "token", name=op.f("pk_protection_blind_index")
        ),
    )
    with op.batch_alter_table("protection_blind_index", schema=None) as batch_op:
        batch_op.create_index(
            "ix_protection_blind_index_kind_token", ["kind", "token", "person_id"], unique=False
        )

    op.create_table(
        "protection_case",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=False),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        sa.Column("summary", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opened_by"],
            ["user_account.id"],
            name=op.f("fk_protection_case_opened_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["protection_person.id"],
            name=op.f("fk_protection_case_person_id_protection_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_case")),
    )
    with op.batch_alter_table("protection_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_case_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_protection_case_state"), ["state"], unique=False)

    op.create_table(
        "protection_consent",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["protection_partner.id"],
            name=op.f("fk_protection_consent_partner_id_protection_partner"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["protection_person.id"],
            name=op.f("fk_protection_consent_person_id_protection_person"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_protection_consent_recorded_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_consent")),
    )
    with op.batch_alter_table("protection_consent", schema=None) as batch_op:
        batch_op.create_index(
            "ix_protection_consent_person_purpose", ["person_id", "purpose"], unique=False
        )

    op.create_table(
        "protection_help_request",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("packet", sa.LargeBinary(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=True),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handled_by"],
            ["user_account.id"],
            name=op.f("fk_protection_help_request_handled_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["protection_person.id"],
            name=op.f("fk_protection_help_request_person_id_protection_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_help_request")),
        sa.UniqueConstraint("reference", name=op.f("uq_protection_help_request_reference")),
    )
    with op.batch_alter_table("protection_help_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_help_request_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_protection_help_request_state"), ["state"], unique=False
        )

    op.create_table(
        "protection_override",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("by", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by"], ["user_account.id"], name=op.f("fk_protection_override_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["protection_person.id"],
            name=op.f("fk_protection_override_person_id_protection_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_override")),
    )
    with op.batch_alter_table("protection_override", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_override_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "protection_person_field",
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["protection_person.id"],
            name=op.f("fk_protection_person_field_person_id_protection_person"),
        ),
        sa.PrimaryKeyConstraint("person_id", "field", name=op.f("pk_protection_person_field")),
    )
    op.create_table(
        "protection_risk_assessment",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("detail", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessor_id"],
            ["user_account.id"],
            name=op.f("fk_protection_risk_assessment_assessor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["protection_person.id"],
            name=op.f("fk_protection_risk_assessment_person_id_protection_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_risk_assessment")),
    )
    with op.batch_alter_table("protection_risk_assessment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_risk_assessment_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "protection_case_member",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["user_account.id"],
            name=op.f("fk_protection_case_member_added_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["protection_case.id"],
            name=op.f("fk_protection_case_member_case_id_protection_case"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_protection_case_member_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("case_id", "user_id", name=op.f("pk_protection_case_member")),
    )
    with op.batch_alter_table("protection_case_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_case_member_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "protection_case_transition",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_protection_case_transition_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["protection_case.id"],
            name=op.f("fk_protection_case_transition_case_id_protection_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_case_transition")),
    )
    with op.batch_alter_table("protection_case_transition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_case_transition_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "protection_checkpoint",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("place", sa.LargeBinary(), nullable=True),
        sa.Column("expected_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["protection_case.id"],
            name=op.f("fk_protection_checkpoint_case_id_protection_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_checkpoint")),
    )
    with op.batch_alter_table("protection_checkpoint", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_checkpoint_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_protection_checkpoint_expected_at"), ["expected_at"], unique=False
        )

    op.create_table(
        "protection_referral",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("packet", sa.LargeBinary(), nullable=True),
        sa.Column("packet_sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["protection_case.id"],
            name=op.f("fk_protection_referral_case_id_protection_case"),
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["user_account.id"],
            name=op.f("fk_protection_referral_changed_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["protection_partner.id"],
            name=op.f("fk_protection_referral_partner_id_protection_partner"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_by"],
            ["user_account.id"],
            name=op.f("fk_protection_referral_sent_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_referral")),
    )
    with op.batch_alter_table("protection_referral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_referral_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_protection_referral_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "protection_task",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.LargeBinary(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["protection_case.id"],
            name=op.f("fk_protection_task_case_id_protection_case"),
        ),
        sa.ForeignKeyConstraint(
            ["done_by"], ["user_account.id"], name=op.f("fk_protection_task_done_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_protection_task_owner_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_task")),
    )
    with op.batch_alter_table("protection_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_protection_task_case_id"), ["case_id"], unique=False)

    op.create_table(
        "protection_alert",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("checkpoint_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["user_account.id"],
            name=op.f("fk_protection_alert_acknowledged_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["protection_case.id"],
            name=op.f("fk_protection_alert_case_id_protection_case"),
        ),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["protection_checkpoint.id"],
            name=op.f("fk_protection_alert_checkpoint_id_protection_checkpoint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_alert")),
        sa.UniqueConstraint("case_id", "checkpoint_id", "kind", name="uq_protection_alert_once"),
    )
    with op.batch_alter_table("protection_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_protection_alert_case_id"), ["case_id"], unique=False)

    op.create_table(
        "protection_checkin",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("checkpoint_id", sa.String(length=40), nullable=True),
        sa.Column("place", sa.LargeBinary(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["protection_case.id"],
            name=op.f("fk_protection_checkin_case_id_protection_case"),
        ),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["protection_checkpoint.id"],
            name=op.f("fk_protection_checkin_checkpoint_id_protection_checkpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_protection_checkin_recorded_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_checkin")),
    )
    with op.batch_alter_table("protection_checkin", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_checkin_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_protection_checkin_checkpoint_id"), ["checkpoint_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("protection_checkin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_checkin_checkpoint_id"))
        batch_op.drop_index(batch_op.f("ix_protection_checkin_case_id"))

    op.drop_table("protection_checkin")
    with op.batch_alter_table("protection_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_alert_case_id"))

    op.drop_table("protection_alert")
    with op.batch_alter_table("protection_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_task_case_id"))

    op.drop_table("protection_task")
    with op.batch_alter_table("protection_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_referral_partner_id"))
        batch_op.drop_index(batch_op.f("ix_protection_referral_case_id"))

    op.drop_table("protection_referral")
    with op.batch_alter_table("protection_checkpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_checkpoint_expected_at"))
        batch_op.drop_index(batch_op.f("ix_protection_checkpoint_case_id"))

    op.drop_table("protection_checkpoint")
    with op.batch_alter_table("protection_case_transition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_case_transition_case_id"))

    op.drop_table("protection_case_transition")
    with op.batch_alter_table("protection_case_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_case_member_user_id"))

    op.drop_table("protection_case_member")
    with op.batch_alter_table("protection_risk_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_risk_assessment_person_id"))

    op.drop_table("protection_risk_assessment")
    op.drop_table("protection_person_field")
    with op.batch_alter_table("protection_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_override_person_id"))

    op.drop_table("protection_override")
    with op.batch_alter_table("protection_help_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_help_request_state"))
        batch_op.drop_index(batch_op.f("ix_protection_help_request_received_at"))

    op.drop_table("protection_help_request")
    with op.batch_alter_table("protection_consent", schema=None) as batch_op:
        batch_op.drop_index("ix_protection_consent_person_purpose")

    op.drop_table("protection_consent")
    with op.batch_alter_table("protection_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_case_state"))
        batch_op.drop_index(batch_op.f("ix_protection_case_person_id"))

    op.drop_table("protection_case")
    with op.batch_alter_table("protection_blind_index", schema=None) as batch_op:
        batch_op.drop_index("ix_protection_blind_index_kind_token")

    op.drop_table("protection_blind_index")
    with op.batch_alter_table("protection_access_grant", schema=None) as batch_op:
        batch_op.drop_index("ix_protection_access_grant_person_user")

    op.drop_table("protection_access_grant")
    with op.batch_alter_table("protection_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_person_next_review"))
        batch_op.drop_index(batch_op.f("ix_protection_person_created_by"))

    op.drop_table("protection_person")
    op.drop_table("protection_partner")
    op.drop_table("protection_desk")
    with op.batch_alter_table("protection_audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_audit_event_person_id"))
        batch_op.drop_index(batch_op.f("ix_protection_audit_event_case_id"))

    op.drop_table("protection_audit_event")
    _drop_log_tables()
