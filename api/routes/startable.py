"""/api/v1/startable: the processes the signed-in user may start by hand, with their start
forms (the 新建案件 page)."""
from __future__ import annotations

from api.auth import current_user
from api.language import request_language
from api.routes import flowdesk, protected_blueprint
from api.schemas_startable import StartableOut
from services.startable import startable

blp = protected_blueprint("startable", "/api/v1/startable",
                          "Processes the user may start by hand, with their start forms.")


@blp.route("", methods=["GET"])
@blp.response(200, StartableOut(many=True))
def list_startable():  # type: ignore[no-untyped-def]
    """The latest version of each process with a plain start event whose start rule lets the
    user start it (its start event's lane, its ``starters``; admins all), by display name;
    those with a start form first. ``customer``: ``required``, ``optional`` or null. Names and
    forms in the request's language when the process has a catalogue for it."""
    return startable(flowdesk(), current_user(), request_language())
