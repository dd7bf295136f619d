"""The migrations create exactly the schema the models describe, on both databases."""

from alembic import command
from sqlalchemy import text

from bot.core.db import alembic_config


def test_no_drift_between_models_and_migrations(db_url):
    command.check(alembic_config(db_url))  # raises when a model change has no migration


def test_claim_token_migration_keeps_queued_messages(db_url, engine):
    """Messages queued (or being sent) by the previous version survive the upgrade, without a claim."""
    config = alembic_config(db_url)
    command.downgrade(config, "0003")
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO outbox (method, channel_id, payload, status, attempts, next_attempt_at,"
                    " claimed_by, claimed_at, created_at) VALUES ('chat.postMessage', 'C0ACME', '{}',"
                    " 'sending', 1, '2026-12-01 10:00:00', 'old:1', '2026-12-01 10:00:00',"
                    " '2026-12-01 10:00:00')"
                )
            )
    finally:
        command.upgrade(config, "head")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, claimed_by, claim_token FROM outbox")).one()
    assert tuple(row) == ("sending", "old:1", None)
