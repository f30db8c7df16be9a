"""Front Door: the multi-agency front door into child protection."""

from __future__ import annotations

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemBytecodeCache, PackageLoader, PrefixLoader

from config import BASE_DIR, Config, load_config


def create_app(config: str | Config | None = None) -> Flask:
    """Build the app. Only wiring happens here: no I/O beyond reading config."""
    from app.transaction import TransactionalFlask

    # Each request is one transaction: committed when its view returns, rolled back if it raises.
    app = TransactionalFlask(__name__, instance_relative_config=True)
    app.config.from_object(config if isinstance(config, Config) else load_config(config))
    register_url_converters(app)
    register_templates(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_url_converters(app: Flask) -> None:
    from app import urls
    from app.urls import DatabaseId

    app.url_map.converters["int"] = DatabaseId  # before any route is added
    urls.init_app(app)


def register_templates(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("app"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.bytecode_cache = _template_cache(app)
    WTFormsHelpers(app)
    from app import template_helpers

    template_helpers.init_app(app)


def _template_cache(app: Flask) -> FileSystemBytecodeCache | None:
    """Compiled templates kept on disk (a directory of the user's own, in the system's temporary
    directory), keyed by each template's source: a new worker loads them rather than spend
    200-300 ms compiling the GOV.UK templates on its first page, and an edited template is
    compiled again. Where no such directory can be made (a read-only disk), each worker
    compiles its own, as it would without the cache."""
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError) as error:
        app.logger.warning("Templates are compiled by each worker: no directory to keep them in (%s)", error)
        return None


def register_extensions(app: Flask) -> None:
    from app import access_log, security
    from app.database import configure_engine
    from app.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    from app.audit import facts as audit_facts

    audit_facts.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    access_log.init_app(app)
    configure_engine(app)
    from app import request_counts

    request_counts.init_app(app)
    from app.referrals import workflow

    workflow.init_app(app)


def register_blueprints(app: Flask) -> None:
    from app.admin.routes import bp as admin_bp
    from app.auth.routes import bp as auth_bp
    from app.main.routes import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    from app.api.routes import bp as api_bp
    from app.notifications.routes import bp as intake_bp
    from app.referrals.routes import bp as referrals_bp
    from app.tasks.routes import bp as tasks_bp

    app.register_blueprint(referrals_bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(intake_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    from app.audit import bp as audit_bp
    from app.disagreements.routes import bp as disagreements_bp
    from app.missing.routes import bp as missing_bp
    from app.participation.routes import bp as participation_bp
    from app.people.routes import bp as people_bp

    app.register_blueprint(people_bp)
    app.register_blueprint(disagreements_bp)
    app.register_blueprint(missing_bp)
    app.register_blueprint(participation_bp)

    from app.alerts.routes import bp as alerts_bp
    from app.timers.routes import bp as timers_bp

    app.register_blueprint(alerts_bp)
    app.register_blueprint(timers_bp)

    app.register_blueprint(audit_bp, url_prefix="/audit")
    from app.access_log.routes import bp as access_log_bp

    app.register_blueprint(access_log_bp, url_prefix="/audit/access")


def register_errorhandlers(app: Flask) -> None:
    from app import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from app import cli

    cli.init_app(app)
