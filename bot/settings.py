"""Environment settings: secrets and deployment values, never policy."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Values read from the environment or a `.env` file in the working directory."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///srm.db"
    srm_config: str | None = None
    port: int = Field(default=3000, ge=1, le=65535)

    @field_validator("database_url")
    @classmethod
    def _psycopg3(cls, value: str) -> str:
        """`postgres://` and `postgresql://` (as hosting providers hand them out) mean psycopg 3 here."""
        for spelling in ("postgres://", "postgresql://"):
            if value.startswith(spelling):
                return "postgresql+psycopg://" + value.removeprefix(spelling)
        return value

    @property
    def config_path(self) -> Path:
        """The policy file: `SRM_CONFIG` if set (it must exist), else `./app.yaml` (defaults if absent)."""
        return Path(self.srm_config or "./app.yaml")

    def missing_slack_credentials(self) -> list[str]:
        """Names of the Slack variables `srm run` (or `srm run --socket`) needs but does not have."""
        missing = []
        if not self.slack_bot_token or not self.slack_bot_token.get_secret_value():
            missing.append("SLACK_BOT_TOKEN")
        if not self.slack_signing_secret or not self.slack_signing_secret.get_secret_value():
            missing.append("SLACK_SIGNING_SECRET")
        if not self.slack_app_token or not self.slack_app_token.get_secret_value():
            missing.append("SLACK_APP_TOKEN")
        return missing
