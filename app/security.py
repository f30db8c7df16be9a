"""Session handling and HTTP security headers.

A few lines of after_request rather than an unmaintained extension: a
per-request CSP nonce, no framing, and no caching of pages that hold case data.
"""

from __future__ import annotations

import secrets

from flask import Flask, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db, login_manager


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        from app.models import User

        try:
            ident, version = (int(part) for part in user_id.split(":"))
        except ValueError:
            return None
        user = db.session.scalar(select(User).where(User.id == ident))
        # A deactivated account or a changed password ends every old session.
        if user is None or not user.active or user.session_version != version:
            return None
        return user

    @app.before_request
    def make_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.before_request
    def enforce_password_change():
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in {"auth.change_password", "auth.sign_out", "static"}
        ):
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def security_headers(response):
        nonce = getattr(g, "csp_nonce", "")
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.endpoint != "static":
            # Pages may hold case data: never keep them in a shared or back-button cache.
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response
