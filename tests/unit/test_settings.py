import pytest

from bot.settings import Settings, SettingsError


def test_defaults_need_no_configuration(tmp_path):
    settings = Settings.from_env({}, dotenv=tmp_path / "none")
    assert settings.port == 8080
    assert settings.content_database_url.startswith("sqlite:///")
    assert settings.tracker_database_url.endswith("tracker.sqlite3")


def test_environment_overrides_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("DIGIBRIDGE_PORT=9000\nDIGIBRIDGE_HOST=0.0.0.0\n")
    settings = Settings.from_env({"DIGIBRIDGE_PORT": "9100"}, dotenv=dotenv)
    assert (settings.port, settings.host) == (9100, "0.0.0.0")


def test_a_bad_value_names_the_variable(tmp_path):
    with pytest.raises(SettingsError, match="DIGIBRIDGE_PORT must be a positive int"):
        Settings.from_env({"DIGIBRIDGE_PORT": "eighty"}, dotenv=tmp_path / "none")


def test_secrets_are_masked_when_printed(tmp_path):
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123:secret-token",
            "DIGIBRIDGE_DATABASE_URL": "postgresql://bot:hunter2@db/digibridge",
            "DIGIBRIDGE_WEB_ALLOWED_ORIGINS": "https://a.example, https://b.example",
        },
        dotenv=tmp_path / "none",
    )
    printed = "\n".join(f"{k}={v}" for k, v, _ in settings.describe())
    assert "secret-token" not in printed and "hunter2" not in printed
    assert "DIGIBRIDGE_DATABASE_URL=postgresql://bot:***@db/digibridge" in printed
    assert settings.web_allowed_origins == ("https://a.example", "https://b.example")
