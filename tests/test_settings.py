"""The crawl subprocess must see exactly the settings the CLI resolved (warta.settings.to_env)."""

import json

import pytest

from warta.errors import ConfigError
from warta.settings import RESOLVED_ENV, Settings, load_settings, to_env


def test_child_sees_the_parents_resolved_settings_without_secrets_in_the_json(tmp_path, monkeypatch):
    parent = Settings(data_dir=tmp_path, download_timeout=3.5, max_page_bytes=123_456, user_agent="warta-test (+x)",
                      es_password="rahasia", es_api_key="kunci")
    env = to_env(parent)
    assert "rahasia" not in env[RESOLVED_ENV] and "kunci" not in env[RESOLVED_ENV]
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    child = load_settings()
    assert child == parent  # secrets arrive through WARTA_ES_PASSWORD / WARTA_ES_API_KEY


def test_an_explicit_config_file_wins_over_the_inherited_settings(tmp_path, monkeypatch):
    monkeypatch.setenv(RESOLVED_ENV, json.dumps({"download_timeout": 3.5}))
    cfg = tmp_path / "warta.yaml"
    cfg.write_text("download_timeout: 7\n", encoding="utf-8")
    assert load_settings(cfg).download_timeout == 7
    assert load_settings().download_timeout == 3.5


def test_garbled_inherited_settings_are_a_one_line_error(monkeypatch):
    monkeypatch.setenv(RESOLVED_ENV, "{not json")
    with pytest.raises(ConfigError, match=RESOLVED_ENV):
        load_settings()
