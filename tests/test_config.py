from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigError, load_config, normalise_database_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI", "FRONT_DOOR_ENV"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_without_secret_key_names_it(clean_env):
    clean_env.setenv("DATABASE_URL", "postgresql://db/front_door")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config("production")


def test_production_without_database_url_names_it(clean_env):
    clean_env.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config("production")


def test_production_needs_a_shared_rate_limit_store(clean_env):
    clean_env.setenv("SECRET_KEY", "x" * 40)
    clean_env.setenv("DATABASE_URL", "postgresql://db/front_door")
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        load_config("production")
    clean_env.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    config = load_config("production")
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://db/front_door"
    assert config.SESSION_COOKIE_SECURE and not config.DEMO_DATA_ALLOWED


def test_development_defaults_to_embedded_sqlite(clean_env):
    config = load_config("development")
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.SQLALCHEMY_DATABASE_URI.endswith("instance/front-door.sqlite")


def test_unknown_environment_is_named(clean_env):
    with pytest.raises(ConfigError, match="staging"):
        load_config("staging")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_database_url_uses_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_wsgi_refuses_to_start_in_production_and_says_why(missing):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(
        FRONT_DOOR_ENV="production",
        SECRET_KEY="x" * 40,
        DATABASE_URL="postgresql://db/x",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
    )
    del env[missing]
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert missing in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("value", "message"), [("four", "a number of hours"), ("0", "more than 0"), ("100", "at most 72")]
)
def test_a_bad_appropriate_adult_threshold_is_named(clean_env, monkeypatch, value, message):
    monkeypatch.setenv("AUDIT_APPROPRIATE_ADULT_HOURS", value)
    with pytest.raises(ConfigError, match=message):
        load_config("development")


def test_the_appropriate_adult_threshold_can_be_set(clean_env, monkeypatch):
    monkeypatch.setenv("AUDIT_APPROPRIATE_ADULT_HOURS", "2.5")
    assert load_config("development").AUDIT_APPROPRIATE_ADULT_HOURS == 2.5


@pytest.mark.parametrize(
    ("value", "message"), [("a day", "a number of hours"), ("-1", "more than 0"), ("400", "at most 336")]
)
def test_a_bad_notification_delay_is_named(clean_env, monkeypatch, value, message):
    monkeypatch.setenv("AUDIT_NOTIFICATION_DELAY_HOURS", value)
    with pytest.raises(ConfigError, match=message):
        load_config("development")


def test_the_notification_delay_can_be_set(clean_env, monkeypatch):
    monkeypatch.setenv("AUDIT_NOTIFICATION_DELAY_HOURS", "12")
    assert load_config("development").AUDIT_NOTIFICATION_DELAY_HOURS == 12


def test_session_and_lockout_settings_come_from_the_environment(clean_env):
    clean_env.setenv("SESSION_IDLE_MINUTES", "15")
    clean_env.setenv("SESSION_MAX_HOURS", "10")
    clean_env.setenv("SIGN_IN_LOCKOUT_FAILURES", "5")
    config = load_config("development")
    assert config.SESSION_IDLE_MINUTES == 15
    assert config.PERMANENT_SESSION_LIFETIME == 10 * 3600
    assert config.SIGN_IN_LOCKOUT_FAILURES == 5


def test_session_and_lockout_defaults(clean_env):
    for name in ("SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "SIGN_IN_LOCKOUT_FAILURES"):
        clean_env.delenv(name, raising=False)
    config = load_config("development")
    assert (config.SESSION_IDLE_MINUTES, config.SESSION_MAX_HOURS, config.SIGN_IN_LOCKOUT_FAILURES) == (
        30,
        8,
        10,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SESSION_IDLE_MINUTES", "half an hour", "SESSION_IDLE_MINUTES must be a whole number of minutes"),
        ("SESSION_IDLE_MINUTES", "1", "from 5 to 720"),
        ("SESSION_MAX_HOURS", "48", "SESSION_MAX_HOURS must be a whole number of hours from 1 to 24"),
        ("SIGN_IN_LOCKOUT_FAILURES", "0", "SIGN_IN_LOCKOUT_FAILURES must be a whole number"),
    ],
)
def test_a_bad_session_or_lockout_setting_is_named(clean_env, name, value, message):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_config("development")


def test_the_idle_timeout_cannot_outlast_the_session(clean_env):
    clean_env.setenv("SESSION_IDLE_MINUTES", "120")
    clean_env.setenv("SESSION_MAX_HOURS", "1")
    with pytest.raises(ConfigError, match="SESSION_IDLE_MINUTES must not be longer than SESSION_MAX_HOURS"):
        load_config("development")


def test_max_content_length_comes_from_the_environment(clean_env):
    assert load_config("test").MAX_CONTENT_LENGTH == 1024 * 1024
    clean_env.setenv("MAX_CONTENT_LENGTH", "2097152")
    assert load_config("test").MAX_CONTENT_LENGTH == 2 * 1024 * 1024
    clean_env.setenv("MAX_CONTENT_LENGTH", "1 MB")
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH must be a number of bytes"):
        load_config("test")


def test_postgresql_connections_run_without_jit(app):
    """The audit's aggregates cost more to compile than to run (docs/performance.md)."""
    from sqlalchemy import text

    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with db.engine.connect() as connection:
        assert connection.scalar(text("SHOW jit")) == "off"


def test_the_workflow_state_is_compressed_with_lz4_on_postgresql(app):
    """Written on every step: lz4 costs a fifth of pglz's time (migration 0029)."""
    from sqlalchemy import text

    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with db.engine.connect() as connection:
        method = connection.scalar(
            text(
                "SELECT attcompression FROM pg_attribute "
                "WHERE attrelid = 'referrals'::regclass AND attname = 'workflow_state'"
            )
        )
    assert method == "l"


def test_a_new_worker_loads_the_compiled_templates_rather_than_compiling_them(app, tmp_path, monkeypatch):
    """A fresh worker's first page cost 200-300 ms of compiling the GOV.UK templates."""
    from jinja2 import Environment, FileSystemBytecodeCache

    from app import create_app

    assert isinstance(app.jinja_env.bytecode_cache, FileSystemBytecodeCache)
    compiled: list[str] = []
    real_compile = Environment.compile

    def counting_compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real_compile(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(Environment, "compile", counting_compile)
    for fresh in (create_app("test"), create_app("test")):
        fresh.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(tmp_path))
        fresh.jinja_env.get_template("main/accessibility.html")
    assert compiled.count("main/accessibility.html") == 1  # the second worker loaded it


def test_without_a_directory_for_compiled_templates_the_app_still_starts(monkeypatch, caplog):
    import jinja2

    from app import create_app

    def refuse(self, directory=None, pattern="__jinja2_%s.cache"):
        raise OSError("Read-only file system")

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "__init__", refuse)
    started = create_app("test")
    assert started.jinja_env.bytecode_cache is None
    assert started.jinja_env.get_template("main/accessibility.html")
    assert "Templates are compiled by each worker" in caplog.text
