"""Settings read from the environment when the app is created, never at import.

Production needs ``SECRET_KEY`` and ``DATABASE_URL``; a missing secret is a
startup error. In development (``SIPAS_ENV=development``, what ``make run``
sets) a random secret is kept in ``instance/secret_key`` so QR codes printed
yesterday still open today.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """The environment does not give what the app needs to start."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _seconds(env, name: str, default: int) -> int:
    """A whole number of seconds from the environment; a wrong value stops the start with its name."""
    raw = env.get(name, "")
    if raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name} must be a whole number of seconds above 0, not {raw!r}")
    return value


def _whole(env, name: str, default: int) -> int:
    """A whole number ≥ 0 from the environment (0 turns the setting off); a wrong value stops the start."""
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number (0 or more), not {raw!r}")
    return int(raw)


def _development_secret(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the settings dict from the environment, then apply ``overrides``."""
    overrides = dict(overrides or {})
    env = os.environ
    instance = Path(instance_path)
    development = env.get("SIPAS_ENV", "production") == "development"
    testing = bool(overrides.get("TESTING"))
    database_url = env.get("DATABASE_URL")
    if not database_url:
        # The embedded default, in production mode too: its folder must exist before SQLite opens the file.
        instance.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance / 'sipas.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    secret = env.get("SECRET_KEY") or overrides.get("SECRET_KEY")
    if not secret:
        if development or testing:
            secret = _development_secret(instance) if development else secrets.token_hex(32)
        else:
            raise ConfigError(
                "SECRET_KEY is not set. Set it in the environment (e.g. "
                "`export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')`), "
                "or set SIPAS_ENV=development for a local server."
            )

    https = _bool(env.get("SIPAS_HTTPS"), default=not development)
    config = {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SIPAS_ENV": "development" if development else "production",
        "SIPAS_PUBLIC_URL": env.get("SIPAS_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SIPAS_PROXIES": int(env.get("SIPAS_PROXIES", "0") or 0),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": env.get("SIPAS_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "LANGUAGES": ("vi", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # When RATELIMIT_STORAGE_URI (Redis) is down, count in each process and log it, rather than fail.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "SIPAS_SUBMIT_LIMIT": env.get("SIPAS_SUBMIT_LIMIT", "60 per minute;600 per hour"),
        "SIPAS_LOGIN_LIMIT": env.get("SIPAS_LOGIN_LIMIT", "30 per minute;300 per hour"),
        "SIPAS_COUNTER_LIMIT": env.get("SIPAS_COUNTER_LIMIT", "30 per minute;300 per hour"),
        "SIPAS_API_LIMIT": env.get("SIPAS_API_LIMIT", "120 per minute;3000 per hour"),
        "SIPAS_KIOSK_IDLE_SECONDS": _seconds(env, "SIPAS_KIOSK_IDLE_SECONDS", 60),
        "SIPAS_KIOSK_THANKS_SECONDS": _seconds(env, "SIPAS_KIOSK_THANKS_SECONDS", 8),
        "SIPAS_ROTATE_SECONDS": _seconds(env, "SIPAS_ROTATE_SECONDS", 120),
        "SIPAS_ROTATE_WINDOW_SECONDS": _seconds(env, "SIPAS_ROTATE_WINDOW_SECONDS", 600),
        "SIPAS_HSTS_SECONDS": _whole(env, "SIPAS_HSTS_SECONDS", 365 * 24 * 3600),
        # Largest request body: staff upload CSV files; a citizen's form is a few kilobytes (request_limits.py).
        "MAX_CONTENT_LENGTH": _whole(env, "SIPAS_MAX_UPLOAD_BYTES", 8 * 1024 * 1024) or None,
        "SIPAS_CITIZEN_MAX_BYTES": _whole(env, "SIPAS_CITIZEN_MAX_BYTES", 256 * 1024) or None,
        "SIPAS_SCREENING_OFF": env.get("SIPAS_SCREENING_OFF", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
    }
    config.update(overrides)
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql+psycopg"):
        # No server-side prepared statements: psycopg drops them all at every ROLLBACK (the end of each
        # page that only reads), so they cost a DEALLOCATE ALL round trip per page and never paid off.
        # It also lets PgBouncer's transaction pooling sit in front.
        options = config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"prepare_threshold": None, **options.get("connect_args", {})}
    return config
