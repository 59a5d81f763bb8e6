"""/api/v1/admin/notification-templates/{kind}/{lang}: admins' wording of notifications
(Jinja2, sandboxed). A template that does not parse or render with a sample case is a 422
naming the part and the line; DELETE goes back to the default."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_notify import NotificationTemplateIn, NotificationTemplateOut
from services.notify import template_admin

blp = protected_blueprint("notification_templates", "/api/v1/admin/notification-templates",
                          "The words of notifications per kind and language (admin).")


@blp.route("/<kind>/<lang>", methods=["GET"])
@blp.response(200, NotificationTemplateOut)
def get_template(kind: str, lang: str):  # type: ignore[no-untyped-def]
    """The template in force (the admin's or the default) and the default beside it."""
    return template_admin.get_template(flowdesk(), current_user(), kind, lang)


@blp.route("/<kind>/<lang>", methods=["PUT"])
@blp.arguments(NotificationTemplateIn())
@blp.response(200, NotificationTemplateOut, description="replaced")
@blp.alt_response(201, schema=NotificationTemplateOut, description="created")
@blp.alt_response(422, description="a template that does not parse or render (part, line)")
def put_template(args: dict, kind: str, lang: str):  # type: ignore[no-untyped-def]
    """Replace the template: ``subject``, ``text`` and ``markdown`` sources, tried on a sample
    case before they are saved. Audited."""
    row, created = template_admin.put_template(flowdesk(), current_user(), kind, lang, args)
    return row, 201 if created else 200


@blp.route("/<kind>/<lang>", methods=["DELETE"])
@blp.response(204)
def delete_template(kind: str, lang: str):  # type: ignore[no-untyped-def]
    """Go back to the default wording. Audited."""
    template_admin.delete_template(flowdesk(), current_user(), kind, lang)
