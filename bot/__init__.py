"""SRM bot: supplier relationship management inside Slack."""
