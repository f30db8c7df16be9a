"""Session handling and HTTP security headers.

A few lines of after_request rather than an unmaintained extension: a
per-request CSP nonce, no framing, and no caching of pages that hold case data.
"""

from __future__ import annotations

import secrets

from flask import Flask, flash, g, jsonify, redirect, request, session, url_for
from flask_login import current_user
from flask_login.utils import login_url

from app.extensions import login_manager

# What a signed-in user who still has to change a temporary password, or set up a
# second factor, may reach besides that page.
OPEN_TO_UNFINISHED_ACCOUNTS = frozenset({"auth.sign_out", "auth.keep_alive", "auth.session_status"})


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        # Each request checks the server-side session the cookie names (app/auth/sessions.py):
        # signed out, timed out, or ended by a password or role change means signed out here too.
        from app.auth import sessions

        return sessions.load(user_id)

    @login_manager.unauthorized_handler
    def sign_in_first():
        if request.accept_mimetypes.best == "application/json":
            return jsonify(signed_in=False, error="Sign in to continue."), 401
        if not session.get("_flashes"):  # a timed-out session has already said why
            flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url(login_manager.login_view, next_url=request.url))

    @app.before_request
    def make_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.before_request
    def finish_setting_up_the_account():
        """A temporary password must be changed, and a required second factor set up,
        before anything else: only those pages and signing out are open until then."""
        if request.endpoint == "static" or request.blueprint == "api" or not current_user.is_authenticated:
            return None
        if current_user.must_change_password:
            finish_at = "auth.change_password"
        elif current_user.second_factor_required and not current_user.has_second_factor:
            finish_at = "auth.set_up_second_factor"
        else:
            return None
        if request.endpoint in OPEN_TO_UNFINISHED_ACCOUNTS or request.endpoint == finish_at:
            return None
        return redirect(url_for(finish_at))

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
