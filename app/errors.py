"""Styled error pages that say plainly what went wrong."""

from __future__ import annotations

from flask import Flask, render_template, request
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
    413: ("The upload is too large", "Upload a smaller file."),
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
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        title, message = MESSAGES[500]
        if request.path.startswith("/api/"):
            return {"error": title, "status": 500}, 500
        return render_template("errors/error.html", title=title, message=message, status=500), 500
