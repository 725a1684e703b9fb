"""Settings: defaults, the environment, and bad values rejected with a clear one-line message."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from service.config import Settings, get_settings, settings_error_line


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("ATTUNE_MODEL", "ATTUNE_API_KEYS", "ATTUNE_MAX_MESSAGES", "ATTUNE_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_are_the_issue_limits() -> None:
    settings = Settings()
    assert settings.max_messages == 1000
    assert settings.max_chars == 5000
    assert settings.max_body_bytes == 2 * 1024 * 1024
    assert settings.max_upload_bytes == 50 * 1024 * 1024
    assert settings.api_keys == ()
    assert settings.model_dir is None
    assert settings.log_level == "INFO"


def test_environment_is_read(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATTUNE_MODEL", str(tmp_path))
    monkeypatch.setenv("ATTUNE_API_KEYS", " key-one, key-two ,,")
    monkeypatch.setenv("ATTUNE_MAX_MESSAGES", "10")
    monkeypatch.setenv("ATTUNE_LOG_LEVEL", "debug")
    settings = Settings()
    assert settings.model_dir == tmp_path
    assert settings.api_keys == ("key-one", "key-two")
    assert settings.max_messages == 10
    assert settings.log_level == "DEBUG"


def test_get_settings_is_cached(monkeypatch) -> None:
    first = get_settings()
    monkeypatch.setenv("ATTUNE_MAX_MESSAGES", "7")
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().max_messages == 7


def test_keys_are_not_in_the_repr(monkeypatch) -> None:
    monkeypatch.setenv("ATTUNE_API_KEYS", "super-secret-key")
    assert "super-secret-key" not in repr(Settings())


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("ATTUNE_MAX_MESSAGES", "0", "ATTUNE_MAX_MESSAGES: Input should be greater than or equal to 1"),
        ("ATTUNE_MAX_MESSAGES", "many", "ATTUNE_MAX_MESSAGES: Input should be a valid integer"),
        ("ATTUNE_MAX_CHARS", "-5", "ATTUNE_MAX_CHARS: Input should be greater than or equal to 1"),
        ("ATTUNE_MAX_BODY_BYTES", "10", "ATTUNE_MAX_BODY_BYTES: Input should be greater than"),
        ("ATTUNE_LOG_LEVEL", "loud", "ATTUNE_LOG_LEVEL: Input should be 'DEBUG'"),
        ("ATTUNE_API_KEYS", "has space", "ATTUNE_API_KEYS: Value error, API key 1 must be"),
        ("ATTUNE_API_KEYS", "ok-key,ключ", "API key 2 must be printable ASCII"),
        ("ATTUNE_MODEL", "/no/such/model/dir", "ATTUNE_MODEL: Value error, model directory"),
    ],
)
def test_bad_values_are_rejected(monkeypatch, env: str, value: str, message: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ValidationError) as info:
        Settings()
    line = settings_error_line(info.value)
    assert line.startswith("invalid settings: ")
    assert message in line
    assert "\n" not in line
    if env == "ATTUNE_API_KEYS":
        assert value not in line  # a rejected key is not echoed
