"""/api/v1/admin/secrets: named secrets for the HTTP connector (admins). Values go in by PUT
and never come out: reads list names, descriptions and timestamps only."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_secrets import SecretIn, SecretOut
from services import secrets

blp = protected_blueprint("secrets", "/api/v1/admin/secrets",
                          "Secrets models refer to by name, stored encrypted (admin).")


@blp.route("", methods=["GET"])
@blp.response(200, SecretOut(many=True))
def list_secrets():  # type: ignore[no-untyped-def]
    """Every secret's name, description and timestamps (never a value)."""
    return secrets.list_secrets(flowdesk(), current_user())


@blp.route("/<name>", methods=["GET"])
@blp.response(200, SecretOut)
def get_secret(name: str):  # type: ignore[no-untyped-def]
    """One secret's name, description and timestamps (never its value)."""
    return secrets.get_secret(flowdesk(), current_user(), name)


@blp.route("/<name>", methods=["PUT"])
@blp.arguments(SecretIn())
@blp.response(200, SecretOut, description="replaced")
@blp.alt_response(201, schema=SecretOut, description="created")
@blp.alt_response(422, description="a bad name (letters, digits, '_', '-', '.'), no value")
def put_secret(args: dict, name: str):  # type: ignore[no-untyped-def]
    """Create or replace a secret: ``value`` (stored encrypted) and ``description``. Models
    refer to it as ``{{secret:NAME}}`` (or ``secret('NAME')`` in an expression)."""
    row, created = secrets.put_secret(flowdesk(), current_user(), name, args["value"],
                                      args["description"])
    return row, 201 if created else 200


@blp.route("/<name>", methods=["DELETE"])
@blp.response(204)
def delete_secret(name: str):  # type: ignore[no-untyped-def]
    """Delete a secret; calls that still refer to it fail, naming it."""
    secrets.delete_secret(flowdesk(), current_user(), name)
