"""Styled error pages that say plainly what went wrong, and error logs that hold no case data."""

from __future__ import annotations

import traceback

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

MESSAGES = {
    400: (
        "There is a problem with your request",
        "The request could not be understood. Go back and try again.",
    ),
    403: (
        "You do not have permission to see this page",
        "Your roles or agency do not give you access to it. If you think you should have access, contact your administrator.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.",
    ),
    405: ("This action is not allowed here", "Go back and use the buttons on the page."),
    409: (
        "This has already changed",
        "Someone else changed this record. Reload the page to see the latest version.",
    ),
    413: (
        "What you sent is too large",
        "Nothing has been saved. Make the text shorter, or send it in parts, and try again.",
    ),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Nothing you entered has been saved partially. Try again later. If it keeps happening, contact your administrator.",
    ),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template(
            "errors/error.html",
            title="Your form could not be sent",
            message="The security check on the form failed, usually because the page was open too long or you signed in again in another tab. Nothing has been saved. Go back, reload the page and submit it again.",
            status=400,
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if request.path.startswith("/api/"):
            return {"error": MESSAGES.get(code, (error.name,))[0], "status": code}, code
        title, message = MESSAGES.get(code, (error.name, error.description or ""))
        return render_template("errors/error.html", title=title, message=message, status=code), code

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        # A view's transaction is already rolled back (app.transaction); this is for
        # a failure before the view, so the error page does not read a broken session.
        db.session.rollback()
        log_server_error(app, error)
        title, message = MESSAGES[500]
        if request.path.startswith("/api/"):
            return {"error": title, "status": 500}, 500
        return render_template("errors/error.html", title=title, message=message, status=500), 500


def log_server_error(app: Flask, error: BaseException) -> None:
    """Log what a developer needs to find the fault, and nothing from the case.

    An exception's message, the SQL parameters in a database error and a traceback's
    local variables can all hold a child's name or date of birth, so none of them
    is logged: only the exception's type (and the types it was raised from), where
    in the code it happened, the route, and the request id (the access log and
    the X-Request-Id response header carry the same id).
    """
    kinds, seen, current = [], set(), error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kinds.append(f"{type(current).__module__}.{type(current).__qualname__}")
        current = current.__cause__ or current.__context__
    frames = "".join(
        f"\n  {frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
    )
    rule = request.url_rule.rule if request.url_rule else "(no route)"
    app.logger.error(
        "Unhandled %s on %s %s (request %s)%s",
        " from ".join(kinds),
        request.method,
        rule,
        g.get("request_id", "-"),
        frames,
    )
