"""The OpenAPI 3.1 description of the JSON API, built from the same forms the API validates with."""

from __future__ import annotations

from functools import cache

from wtforms import BooleanField, FieldList, FormField, SubmitField

from app.notifications.forms import ContactForm, PoliceNotificationForm
from app.tasks.forms import TASK_FORMS

SKIP = {"csrf_token"}


def _schema_for_field(field) -> dict:
    name = type(field).__name__
    if isinstance(field, FieldList):
        unbound = field.unbound_field
        if unbound.field_class is FormField:
            return {"type": "array", "items": form_schema(unbound.args[0])}
        return {"type": "array", "items": {"type": "string"}}
    if isinstance(field, BooleanField):
        return {"type": "boolean"}
    if "Date" in name:
        return {"type": "string", "format": "date"}
    if "Time" in name:
        return {"type": "string", "pattern": "^\\d{1,2}:\\d{2}$", "description": "24-hour time, UK local"}
    if "Integer" in name:
        return {"type": "integer"}
    choices = getattr(field, "choices", None)
    if choices:
        values = [str(getattr(c, "value", c)) for c in choices]
        if set(values) == {"yes", "no"}:
            return {"type": "boolean"}
        return {"type": "string", "enum": [v for v in values if v]}
    return {"type": "string"}


def form_schema(form_class) -> dict:
    form = form_class(formdata=None, meta={"csrf": False})
    properties = {}
    for name, field in form._fields.items():
        if name in SKIP or isinstance(field, SubmitField) or "button" in type(field.widget).__name__.lower():
            continue
        schema = _schema_for_field(field)
        if field.label and field.label.text:
            schema["title"] = field.label.text
        properties[name] = schema
    # Unknown fields are refused with 422, not dropped.
    return {"type": "object", "properties": properties, "additionalProperties": False}


ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "status": {"type": "integer"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "One message per field; dotted names for lists",
        },
    },
}


@cache
def document() -> dict:
    json = "application/json"

    def body(schema_ref: str) -> dict:
        return {"required": True, "content": {json: {"schema": {"$ref": schema_ref}}}}

    def responses(ok: str, ok_description: str) -> dict:
        err = {"content": {json: {"schema": {"$ref": "#/components/schemas/Error"}}}}
        return {
            ok: {"description": ok_description, "content": {json: {"schema": {"type": "object"}}}},
            "401": {"description": "Missing or revoked token", **err},
            "403": {"description": "The account's roles or agency do not allow this", **err},
            "409": {"description": "The task was already completed or the referral changed", **err},
            "422": {"description": "Invalid input: nothing was saved", **err},
        }

    task_schemas = {f"Task_{step}": form_schema(cls) for step, cls in TASK_FORMS.items()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Front Door API",
            "version": "1",
            "description": "Submit notifications, list and complete tasks, and read referrals. "
            "Authenticate with 'Authorization: Bearer <token>' issued by an administrator.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR,
                "PoliceNotification": form_schema(PoliceNotificationForm),
                "Contact": form_schema(ContactForm),
                **task_schemas,
            },
        },
        "security": [{"token": []}],
        "paths": {
            "/notifications": {
                "post": {
                    "summary": "Submit a police notification (police accounts) or a contact (social care and health accounts)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            json: {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/PoliceNotification"},
                                        {"$ref": "#/components/schemas/Contact"},
                                    ]
                                }
                            }
                        },
                    },
                    "responses": responses("201", "The referral created"),
                }
            },
            "/tasks": {
                "get": {"summary": "Ready tasks this account may do", "responses": responses("200", "Tasks")}
            },
            "/referrals/{referral_id}": {
                "get": {
                    "summary": "A referral with its status, decisions, strategy discussion and plan",
                    "parameters": [
                        {"name": "referral_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": responses("200", "The referral"),
                }
            },
            "/referrals/{referral_id}/tasks/{task_id}": {
                "post": {
                    "summary": "Complete a task with the same validation as its form; send the task's `version` (from its entry in `tasks`)",
                    "parameters": [
                        {
                            "name": "referral_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        },
                        {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            json: {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": f"#/components/schemas/{name}"} for name in task_schemas
                                    ]
                                }
                            }
                        },
                    },
                    "responses": responses(
                        "200",
                        "The referral's status, version and ready tasks after the step; "
                        "its decisions, discussion and plan are at `links.referral`",
                    ),
                }
            },
        },
    }
