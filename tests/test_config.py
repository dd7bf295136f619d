"""app.yaml is validated at start; errors name the key."""

import pytest

from bot.config import AppConfig, ConfigError, load_config


def test_missing_file_gives_defaults(tmp_path):
    assert load_config(tmp_path / "absent.yaml") == AppConfig()


def test_repository_app_yaml_is_valid():
    config = load_config("app.yaml")
    assert config.default_locale == "en" and config.delivery.channel_interval_seconds == 1


@pytest.mark.parametrize(
    ("yaml_text", "key"),
    [
        ("delivery:\n  max_attempts: 0\n", "delivery.max_attempts"),
        ("default_timezone: Mars/Olympus\n", "default_timezone"),
        ("default_locale: fr\n", "default_locale"),
        ("slack:\n  user_cache_minute: 5\n", "slack.user_cache_minute"),
        ("admins: U1\n", "admins"),
    ],
)
def test_invalid_values_name_the_key(tmp_path, yaml_text, key):
    path = tmp_path / "app.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert key in str(error.value)


def test_broken_yaml(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text("delivery: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
