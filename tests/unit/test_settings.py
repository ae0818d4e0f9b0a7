from pathlib import Path

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


def _from(tmp_path, **env):
    return Settings.from_env(env, dotenv=tmp_path / "none")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DIGIBRIDGE_PORT", "abc", "a positive integer up to 65535 (a port number), not 'abc'"),
        ("DIGIBRIDGE_RASA_PORT", "0", "a positive integer up to 65535 (a port number)"),
        ("DIGIBRIDGE_ACTIONS_PORT", "65536", "a positive integer up to 65535 (a port number)"),
        ("DIGIBRIDGE_RETENTION_DAYS", "-1", "a whole number, 0 or more, not '-1'"),
        ("DIGIBRIDGE_WEB_SESSION_RATE", "1.5", "a whole number, 0 or more"),
        ("DIGIBRIDGE_MAX_MESSAGE_CHARS", "lots", "a whole number, 0 or more"),
        ("DIGIBRIDGE_REPLY_TIMEOUT", "0", "a positive number, not '0'"),
        ("DIGIBRIDGE_REPLY_TIMEOUT", "soon", "a positive number"),
        ("DIGIBRIDGE_REPLY_TIMEOUT", "nan", "a positive number"),
        ("DIGIBRIDGE_LOG_LEVEL", "loud", "DEBUG, INFO, WARNING or ERROR, not 'loud'"),
        ("DIGIBRIDGE_TRUSTED_PROXIES", "10.0.0.1,proxy", "IP addresses or networks ('proxy'"),
    ],
)
def test_each_kind_of_bad_value_names_its_variable_and_what_it_should_be(
    tmp_path, variable, value, expected
):
    with pytest.raises(SettingsError) as raised:
        _from(tmp_path, **{variable: value})
    assert str(raised.value).startswith(f"{variable} must be ")
    assert expected in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_several_bad_values_are_all_named(tmp_path):
    with pytest.raises(SettingsError) as raised:
        _from(tmp_path, DIGIBRIDGE_PORT="x", DIGIBRIDGE_LOG_LEVEL="loud")
    assert "DIGIBRIDGE_PORT must be" in str(raised.value)
    assert "DIGIBRIDGE_LOG_LEVEL must be" in str(raised.value)


def test_bad_keyword_arguments_are_settings_errors_too():
    with pytest.raises(SettingsError, match="DIGIBRIDGE_PORT must be"):
        Settings(port=0)
    with pytest.raises(SettingsError, match="no setting called 'colour'"):
        Settings(colour="blue")


def test_values_are_converted_and_stripped(tmp_path):
    settings = _from(
        tmp_path,
        DIGIBRIDGE_PORT=" 9000 ",
        DIGIBRIDGE_REPLY_TIMEOUT="2.5",
        DIGIBRIDGE_WEB_SESSION_RATE="0",
        DIGIBRIDGE_LOG_LEVEL="debug",
        DIGIBRIDGE_HOST="  0.0.0.0\t",
        DIGIBRIDGE_DATA_DIR="~/digibridge",
    )
    assert (settings.port, settings.reply_timeout, settings.web_session_rate) == (9000, 2.5, 0)
    assert (settings.log_level, settings.host) == ("DEBUG", "0.0.0.0")
    assert settings.data_dir == (Path.home() / "digibridge").resolve()


def test_comma_lists_become_tuples(tmp_path):
    settings = _from(
        tmp_path,
        DIGIBRIDGE_WEB_ALLOWED_ORIGINS="https://a.example,, https://b.example ,",
        DIGIBRIDGE_TRUSTED_PROXIES="10.0.0.1",
    )
    assert settings.web_allowed_origins == ("https://a.example", "https://b.example")
    assert settings.trusted_proxies == ("10.0.0.1",)
    assert _from(tmp_path).web_allowed_origins == ()


def test_trusted_proxies_are_addresses_or_networks(tmp_path):
    proxies = "10.0.0.1, 172.16.0.0/12,::1, 2001:db8::/32, 192.168.1.7/24"
    settings = _from(tmp_path, DIGIBRIDGE_TRUSTED_PROXIES=proxies)
    assert settings.trusted_proxies == (
        "10.0.0.1",
        "172.16.0.0/12",
        "::1",
        "2001:db8::/32",
        "192.168.1.7/24",
    )
    for bad in ("proxy.example", "10.0.0.300", "10.0.0.0/33"):
        with pytest.raises(SettingsError, match=f"DIGIBRIDGE_TRUSTED_PROXIES .*'{bad}'"):
            _from(tmp_path, DIGIBRIDGE_TRUSTED_PROXIES=f"10.0.0.1,{bad}")
    with pytest.raises(SettingsError, match="DIGIBRIDGE_TRUSTED_PROXIES"):
        Settings(trusted_proxies=("nope",))


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_an_empty_value_means_the_default(tmp_path, blank):
    settings = _from(
        tmp_path,
        DIGIBRIDGE_PORT=blank,
        DIGIBRIDGE_LOG_LEVEL=blank,
        DIGIBRIDGE_REPLY_TIMEOUT=blank,
        DIGIBRIDGE_DATA_DIR=blank,
        DIGIBRIDGE_WEB_ALLOWED_ORIGINS=blank,
    )
    assert settings == Settings()


def test_dotenv_fills_gaps_and_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "DIGIBRIDGE_PORT=9000\n"
        "DIGIBRIDGE_HOST=0.0.0.0\n"
        "DIGIBRIDGE_LOG_LEVEL=debug\n"
        "DIGIBRIDGE_LOCAL_OPERATOR_NAME='Digital Ministry'\n"
        "DIGIBRIDGE_LOCAL_HELP_DESK\n"  # no value at all: unset
    )
    settings = Settings.from_env(
        {"DIGIBRIDGE_PORT": "9100", "DIGIBRIDGE_LOG_LEVEL": " "}, dotenv=dotenv
    )
    assert (settings.port, settings.host) == (9100, "0.0.0.0")
    assert settings.operator_name == "Digital Ministry"
    assert settings.help_desk == ""
    # A variable set in the environment hides `.env` even when blank: the default applies.
    assert settings.log_level == "INFO"


def test_a_bad_dotenv_value_names_its_variable(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("DIGIBRIDGE_RETENTION_DAYS=forever\n")
    with pytest.raises(SettingsError, match="DIGIBRIDGE_RETENTION_DAYS must be"):
        Settings.from_env({}, dotenv=dotenv)


def test_from_env_reads_the_process_environment_only_without_a_mapping(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIBRIDGE_PORT", "9200")
    assert Settings.from_env(dotenv=tmp_path / "none").port == 9200
    assert Settings.from_env({}, dotenv=tmp_path / "none").port == 8080


def test_keyword_construction_ignores_the_environment_and_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("DIGIBRIDGE_HOST=0.0.0.0\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGIBRIDGE_PORT", "9200")
    monkeypatch.setenv("DIGIBRIDGE_LOG_LEVEL", "not a level")
    settings = Settings(portal_url="https://x")
    assert (settings.port, settings.log_level, settings.host) == (8080, "INFO", "127.0.0.1")
    assert settings.portal_url == "https://x"


def test_settings_are_immutable_and_plain_values():
    settings = Settings(telegram_bot_token="123:abc", data_dir="var")
    with pytest.raises(TypeError):
        settings.port = 1
    assert type(settings.telegram_bot_token) is str
    assert settings.data_dir == Path("var").resolve()


def test_describe_lists_every_variable_in_order_and_masks_secrets(tmp_path):
    settings = _from(
        tmp_path,
        DIGIBRIDGE_ADMIN_TOKEN="admin-secret",
        DIGIBRIDGE_RASA_TOKEN="rasa-secret",
        DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET="hook-secret",
        DIGIBRIDGE_TRACKER_STORE_URL="postgresql://rasa:tracker-pw@db/rasa",
        DIGIBRIDGE_LOCK_STORE_URL="redis://:lock-pw@redis:6379/1",
        DIGIBRIDGE_REDIS_URL="redis://:redis-pw@redis:6379/0",
        DIGIBRIDGE_TRUSTED_PROXIES="10.0.0.1,10.0.0.2",
        DIGIBRIDGE_LOCAL_PORTAL_URL="https://services.example.gov",
    )
    rows = settings.describe()
    assert len(rows) == len(Settings.__fields__)
    assert rows[0] == (
        "DIGIBRIDGE_DATA_DIR",
        str(settings.data_dir),
        "where the SQLite files and run files live",
    )
    assert rows[-1][0] == "DIGIBRIDGE_LOCAL_OPERATOR_NAME"
    shown = {variable: value for variable, value, _ in rows}
    printed = repr(rows)
    for secret in (
        "admin-secret",
        "rasa-secret",
        "hook-secret",
        "tracker-pw",
        "lock-pw",
        "redis-pw",
    ):
        assert secret not in printed
    assert shown["DIGIBRIDGE_ADMIN_TOKEN"] == shown["DIGIBRIDGE_TELEGRAM_WEBHOOK_SECRET"] == "****"
    assert shown["DIGIBRIDGE_TRACKER_STORE_URL"] == "postgresql://rasa:***@db/rasa"
    assert shown["DIGIBRIDGE_REDIS_URL"] == "redis://:***@redis:6379/0"
    assert (
        shown["TELEGRAM_BOT_TOKEN"] == shown["DIGIBRIDGE_DATABASE_URL"] == ""
    )  # unset: shown empty
    assert shown["DIGIBRIDGE_TRUSTED_PROXIES"] == "10.0.0.1,10.0.0.2"
    assert shown["DIGIBRIDGE_LOCAL_PORTAL_URL"] == "https://services.example.gov"
    assert shown["DIGIBRIDGE_PORT"] == "8080"


def test_derived_urls_and_local_values(tmp_path):
    settings = Settings(data_dir=tmp_path, rasa_port=6000, portal_url="https://x")
    assert settings.content_database_url == f"sqlite:///{tmp_path.resolve() / 'digibridge.sqlite3'}"
    assert settings.rasa_base_url == "http://127.0.0.1:6000"
    assert settings.actions_base_url == "http://127.0.0.1:5055"
    assert Settings(rasa_url="http://rasa:5005").rasa_base_url == "http://rasa:5005"
    assert settings.local_values() == {
        "portal_url": "https://x",
        "cybercrime_contact": "",
        "emergency_number": "",
        "help_desk": "",
        "operator_name": "",
    }
