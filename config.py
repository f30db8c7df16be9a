"""Configuration, read from the environment when the app starts.

Three configurations: development (the default, an embedded SQLite file),
test (used by the pytest suite) and production (PostgreSQL via DATABASE_URL;
it refuses to start without its secrets). Choose one with FRONT_DOOR_ENV.
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SQLITE = f"sqlite:///{BASE_DIR / 'instance' / 'front-door.sqlite'}"


class ConfigError(RuntimeError):
    """A setting needed to start is missing or wrong; the message names it."""


def normalise_database_url(url: str) -> str:
    """Name the psycopg 3 driver, since SQLAlchemy would otherwise pick psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def _env_whole_number(name: str, default: int, low: int, high: int, unit: str) -> int:
    """A whole number from the environment, or ConfigError naming the setting and its range."""
    value = _env(name, str(default))
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"{name} must be a whole number of {unit} from {low} to {high}, not {value!r}")
    return int(value)


def _clock_time(name: str, default: str) -> time:
    value = _env(name, default)
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{name} must be a time of day like {default}, not {value!r}") from None


class Config:
    ENV_NAME = "base"
    SERVICE_NAME = "Front Door"
    # SQL parameters stay out of exception messages: they hold children's names (docs/security.md).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    # Managers' audit: an appropriate adult arriving later than this after being requested is a gap.
    AUDIT_APPROPRIATE_ADULT_HOURS = 4
    # Managers' audit: a notification reaching the MASH longer than this after the notifier recorded it.
    AUDIT_NOTIFICATION_DELAY_HOURS = 24
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # bound to the session, which expires
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    # Sessions end after this long without a request, and after PERMANENT_SESSION_LIFETIME
    # (SESSION_MAX_HOURS) in all; the warning comes this many seconds before the idle timeout.
    SESSION_IDLE_MINUTES = 30
    SESSION_MAX_HOURS = 8
    SESSION_WARNING_SECONDS = 120
    # An account locks after this many wrong passwords or codes in a row, from any address.
    SIGN_IN_LOCKOUT_FAILURES = 10
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = "10 per 5 minutes"
    WORKFLOWS_DIR = str(BASE_DIR / "workflows")
    DEMO_DATA_ALLOWED = True
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    # The largest request body accepted (forms and JSON); larger ones get a 413.
    MAX_CONTENT_LENGTH = 1024 * 1024

    def __init__(self) -> None:
        self.SECRET_KEY = _env("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(_env("DATABASE_URL", DEFAULT_SQLITE))
        self.RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
        self.LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", self.LOGIN_RATE_LIMIT)
        self.SESSION_IDLE_MINUTES = _env_whole_number(
            "SESSION_IDLE_MINUTES", self.SESSION_IDLE_MINUTES, 5, 12 * 60, "minutes"
        )
        self.SESSION_MAX_HOURS = _env_whole_number(
            "SESSION_MAX_HOURS", self.SESSION_MAX_HOURS, 1, 24, "hours"
        )
        if self.SESSION_IDLE_MINUTES > self.SESSION_MAX_HOURS * 60:
            raise ConfigError("SESSION_IDLE_MINUTES must not be longer than SESSION_MAX_HOURS")
        self.PERMANENT_SESSION_LIFETIME = self.SESSION_MAX_HOURS * 60 * 60
        self.SIGN_IN_LOCKOUT_FAILURES = _env_whole_number(
            "SIGN_IN_LOCKOUT_FAILURES", self.SIGN_IN_LOCKOUT_FAILURES, 3, 100, "failed sign-ins"
        )
        # Signs the access log. Unset, a key derived from SECRET_KEY is used; set it to keep
        # the log verifiable across a change of SECRET_KEY (docs/security.md).
        self.AUDIT_LOG_KEY = _env("AUDIT_LOG_KEY")
        size = _env("MAX_CONTENT_LENGTH", str(self.MAX_CONTENT_LENGTH))
        if not size.isdigit() or int(size) < 1024:
            raise ConfigError(f"MAX_CONTENT_LENGTH must be a number of bytes, at least 1024, not {size!r}")
        self.MAX_CONTENT_LENGTH = int(size)
        hours = _env("AUDIT_APPROPRIATE_ADULT_HOURS", str(self.AUDIT_APPROPRIATE_ADULT_HOURS))
        try:
            self.AUDIT_APPROPRIATE_ADULT_HOURS = float(hours)
        except ValueError:
            raise ConfigError(
                f"AUDIT_APPROPRIATE_ADULT_HOURS must be a number of hours, like 4, not {hours!r}"
            ) from None
        if not 0 < self.AUDIT_APPROPRIATE_ADULT_HOURS <= 72:
            raise ConfigError("AUDIT_APPROPRIATE_ADULT_HOURS must be more than 0 and at most 72")
        hours = _env("AUDIT_NOTIFICATION_DELAY_HOURS", str(self.AUDIT_NOTIFICATION_DELAY_HOURS))
        try:
            self.AUDIT_NOTIFICATION_DELAY_HOURS = float(hours)
        except ValueError:
            raise ConfigError(
                f"AUDIT_NOTIFICATION_DELAY_HOURS must be a number of hours, like 24, not {hours!r}"
            ) from None
        if not 0 < self.AUDIT_NOTIFICATION_DELAY_HOURS <= 24 * 14:
            raise ConfigError("AUDIT_NOTIFICATION_DELAY_HOURS must be more than 0 and at most 336 (14 days)")
        # The working-day calendar for response times counted in working time (Europe/London).
        self.WORKING_DAY_OPENS = _clock_time("WORKING_DAY_OPENS", "09:00")
        self.WORKING_DAY_CLOSES = _clock_time("WORKING_DAY_CLOSES", "17:00")
        if not self.WORKING_DAY_OPENS < self.WORKING_DAY_CLOSES:
            raise ConfigError("WORKING_DAY_OPENS must be earlier than WORKING_DAY_CLOSES")
        # Alert emails, sent by the timer worker; none unless MAIL_SERVER is set.
        self.MAIL_SERVER = _env("MAIL_SERVER")
        port = _env("MAIL_PORT", "25")
        if not port.isdigit():
            raise ConfigError(f"MAIL_PORT must be a port number, like 25 or 587, not {port!r}")
        self.MAIL_PORT = int(port)
        self.MAIL_USE_TLS = _env("MAIL_USE_TLS").lower() in {"1", "true", "yes"}
        self.MAIL_USE_SSL = _env("MAIL_USE_SSL").lower() in {"1", "true", "yes"}
        self.MAIL_USERNAME = _env("MAIL_USERNAME")
        self.MAIL_PASSWORD = _env("MAIL_PASSWORD")
        self.MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "front-door@localhost")
        # Where the service is reached, for the links in emails.
        self.SERVICE_URL = _env("SERVICE_URL", "http://127.0.0.1:5000")
        # `make bench` only: each reply says how many SQL statements and commits it took.
        self.COUNT_SQL = _env("FRONT_DOOR_COUNT_SQL").lower() in {"1", "true", "yes"}

    def validate(self) -> None:
        """Raise ConfigError naming the first missing setting."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    def __init__(self) -> None:
        super().__init__()
        # A fixed key keeps development sessions across restarts. Production
        # refuses to start without a real one.
        self.SECRET_KEY = self.SECRET_KEY or "development-only-not-secret"


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    WTF_CSRF_ENABLED = False  # the tests that check CSRF switch it back on
    ARGON2_TIME_COST = 1  # cheap hashing keeps the suite fast
    ARGON2_MEMORY_COST = 8192

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "test-only-not-secret"  # noqa: S105 - test configuration only
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(_env("DATABASE_URL", "sqlite://"))
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.LOGIN_RATE_LIMIT = "1000 per minute"  # the rate-limit test lowers it


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    DEMO_DATA_ALLOWED = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(_env("DATABASE_URL"))

    def validate(self) -> None:
        if not self.SECRET_KEY:
            raise ConfigError(
                "SECRET_KEY is not set. Production needs a long random SECRET_KEY in the "
                "environment, the same for every worker."
            )
        if not self.SQLALCHEMY_DATABASE_URI:
            raise ConfigError(
                "DATABASE_URL is not set. Production runs on PostgreSQL: set "
                "DATABASE_URL=postgresql://USER:PASSWORD@HOST/DBNAME."
            )
        if not self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            raise ConfigError("DATABASE_URL must point at PostgreSQL in production.")
        if self.RATELIMIT_STORAGE_URI.startswith("memory"):
            raise ConfigError(
                "RATELIMIT_STORAGE_URI is not set. Production runs several workers and needs "
                "a shared store for sign-in limits, e.g. redis://127.0.0.1:6379/0."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Build and validate the configuration `name` (default: FRONT_DOOR_ENV, then development)."""
    name = (name or _env("FRONT_DOOR_ENV", "development")).lower()
    if name not in CONFIGS:
        raise ConfigError(f"FRONT_DOOR_ENV={name!r} is not known; use one of: {', '.join(CONFIGS)}.")
    config = CONFIGS[name]()
    config.validate()
    return config
