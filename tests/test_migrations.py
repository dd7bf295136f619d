"""The migrations create exactly the schema the models describe, on both databases."""

from alembic import command

from bot.core.db import alembic_config


def test_no_drift_between_models_and_migrations(db_url):
    command.check(alembic_config(db_url))  # raises when a model change has no migration
