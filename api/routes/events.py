"""/api/v1/messages and /api/v1/signals: the outside world talks to running cases."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_events import MessageIn, MessageOut, SignalIn, SignalOut
from services import event_delivery

blp = protected_blueprint("events", "/api/v1", "Messages and signals from outside.")


@blp.route("/messages", methods=["POST"])
@blp.arguments(MessageIn())
@blp.response(200, MessageOut)
def message(args: dict):  # type: ignore[no-untyped-def]
    """Deliver a message to the one waiting instance it correlates with (by correlation
    values, business key or instance id), or start the process whose message start event has
    that name. 404: nothing matches; 409: several match and `all` is not set. Admins and
    machine accounts (role worker) may send."""
    return event_delivery.send_message(
        flowdesk(), current_user(), args["name"], correlation=args.get("correlation"),
        business_key=args.get("business_key"), instance_id=args.get("instance_id"),
        variables=args["variables"], deliver_to_all=args["all"])


@blp.route("/signals", methods=["POST"])
@blp.arguments(SignalIn())
@blp.response(200, SignalOut)
def signal(args: dict):  # type: ignore[no-untyped-def]
    """Broadcast a signal to every waiting instance and every process it starts."""
    return event_delivery.broadcast_signal(flowdesk(), current_user(), args["name"],
                                           args["variables"])
