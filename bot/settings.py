"""Environment settings: secrets and deployment values, never policy."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Values read from the environment or a `.env` file in the working directory."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///srm.db"
    srm_config: str = "./app.yaml"
    port: int = 3000

    def missing_slack_credentials(self) -> list[str]:
        """Names of the Slack variables `srm run` needs but does not have."""
        missing = []
        if not self.slack_bot_token or not self.slack_bot_token.get_secret_value():
            missing.append("SLACK_BOT_TOKEN")
        if not self.slack_signing_secret or not self.slack_signing_secret.get_secret_value():
            missing.append("SLACK_SIGNING_SECRET")
        return missing


def get_settings() -> Settings:
    """Settings from the current environment and `.env`."""
    return Settings()
