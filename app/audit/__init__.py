"""The managers' audit area: gap lists and dashboard, case audits and samples, statutory exports.

Everything here is read from the database set-based (one query per list or
figure, never one per case) and scoped with `app.audit.scope`.
"""

from flask import Blueprint

bp = Blueprint("audit", __name__)

# Route modules register their views on `bp` when imported.
from app.audit import case_audit_routes, ilacs_routes, routes  # noqa: E402, F401
