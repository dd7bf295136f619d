"""The migrations create exactly the schema the models describe, on both databases."""

from alembic import command
from conftest import ACME_CHANNEL, BUYER
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


def test_message_edits_migration_keeps_stored_messages(client, db_url, engine):
    """Messages stored by the previous version survive the upgrade: not edited, not deleted."""
    client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL)
    config = alembic_config(db_url)
    command.downgrade(config, "0004")
    try:
        with engine.begin() as conn:
            supplier_id = conn.execute(text("SELECT id FROM supplier")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO channel_message (supplier_id, channel_id, ts, user_id, side, text, files,"
                    " posted_at, stored_at) VALUES (:s, 'C0ACME', '1.1', 'U0ACME', 'supplier', 'hello',"
                    " '[]', '2026-12-01 10:00:00', '2026-12-01 10:00:00')"
                ),
                {"s": supplier_id},
            )
    finally:
        command.upgrade(config, "head")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT text, edited_at, deleted_at FROM channel_message")).one()
        assert conn.execute(text("SELECT count(*) FROM message_revision")).scalar_one() == 0
    assert tuple(row) == ("hello", None, None)


def test_inspections_recorded_before_dates_were_kept_are_dated_in_their_suppliers_zone(
    client, db_url, engine
):
    client.command('supplier add "Acme Textiles" country=CN', user=BUYER, channel=ACME_CHANNEL)
    client.command("order new PO-1 qty=100 due=2026-12-15", user=BUYER, channel=ACME_CHANNEL)
    config = alembic_config(db_url)
    command.downgrade(config, "0006")
    try:
        with engine.begin() as conn:
            order_id = conn.execute(text("SELECT id FROM purchase_order")).scalar_one()
            # 20:00 UTC on 1 December is already 2 December in Shanghai.
            conn.execute(
                text(
                    "INSERT INTO inspection (order_id, sampled, defects, accepted, max_defect_percent, note,"
                    " inspected_by, inspected_at) VALUES (:o, 10, 0, true, 2.5, '', 'U0BUYER',"
                    " '2026-12-01 20:00:00')"
                ),
                {"o": order_id},
            )
    finally:
        command.upgrade(config, "head")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT inspected_on, reference FROM inspection")).one()
    assert (str(row[0]), row[1]) == ("2026-12-02", None)
