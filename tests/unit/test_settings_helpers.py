import pytest
from django.core.exceptions import ImproperlyConfigured

from sentinel.settings import env_bool, env_int


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("Yes", True)])
def test_env_bool_reads_clear_values(monkeypatch, raw, expected):
    monkeypatch.setenv("SENTINEL_X", raw)
    assert env_bool("SENTINEL_X") is expected


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("SENTINEL_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SENTINEL_X must be true or false"):
        env_bool("SENTINEL_X")


def test_env_int_rejects_words(monkeypatch):
    monkeypatch.setenv("SENTINEL_N", "fourteen")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("SENTINEL_N", 14)
