"""SIPAS collection system: the Flask application factory."""

from __future__ import annotations

import os
from urllib.parse import urlencode

from flask import Flask, g, request
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from survey_app.config import load_config
from survey_app.http import HostCheck, SipasRequest


def create_app(config: dict | None = None) -> Flask:
    """Create the application; ``config`` overrides what the environment gives."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(app.instance_path, config))
    app.request_class = SipasRequest
    app.wsgi_app = HostCheck(app.wsgi_app)
    proxies = app.config["SIPAS_PROXIES"]
    if proxies:  # outside HostCheck, so a forwarded Host is checked too
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def select_locale() -> str:
    """The page language: ``?lang=`` first, then the remembered choice, then Vietnamese."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        g.set_lang_cookie = asked
        return asked
    remembered = request.cookies.get("lang")
    return remembered if remembered in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def language_url(lang: str) -> str:
    """This page in another language, keeping its other query arguments (a receipt, a display's stamp)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def register_extensions(app: Flask) -> None:
    from flask_compress import Compress

    from survey_app import models  # noqa: F401  (models must be known to the metadata)
    from survey_app.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["language_url"] = language_url
    limiter.init_app(app)
    login_manager.init_app(app)
    # gzip or brotli for pages: a citizen's phone may be on a slow link. Not for streamed responses (static
    # files, exports): Flask-Compress 1.25 leaves the file under a compressed stream unclosed.
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)

    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        from survey_app.services.sessions import user_of_session

        return user_of_session(session_id)

    @app.after_request
    def remember_language(response):
        lang = g.pop("set_lang_cookie", None)
        if lang:
            response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                                secure=app.config["SESSION_COOKIE_SECURE"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; form-action 'self'; "
                                    "frame-ancestors 'none'")
        return response


def register_blueprints(app: Flask) -> None:
    from survey_app.admin import bp as admin_bp
    from survey_app.api import bp as api_bp
    from survey_app.api_tokens import bp as api_tokens_bp
    from survey_app.auth import bp as auth_bp
    from survey_app.campaigns import bp as campaigns_bp
    from survey_app.exports import bp as exports_bp
    from survey_app.kiosk import bp as kiosk_bp
    from survey_app.menu import staff_menu
    from survey_app.paper import bp as paper_bp
    from survey_app.posters import bp as posters_bp
    from survey_app.public import bp as public_bp
    from survey_app.results import bp as results_bp
    from survey_app.staff import bp as staff_bp

    for blueprint in (public_bp, kiosk_bp, auth_bp, staff_bp, admin_bp, campaigns_bp, posters_bp, paper_bp, exports_bp,
                      results_bp, api_bp, api_tokens_bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals["staff_menu"] = staff_menu


def register_errorhandlers(app: Flask) -> None:
    from survey_app import request_limits, security_headers, unavailable
    from survey_app.errors import register

    register(app)
    security_headers.register(app)
    request_limits.register(app)
    unavailable.register(app)


def register_commands(app: Flask) -> None:
    from survey_app.cli import sipas

    app.cli.add_command(sipas)
