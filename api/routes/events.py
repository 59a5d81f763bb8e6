"""/api/v1/messages and /api/v1/signals: the outside world talks to running cases."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_events import (REPLAYED_HEADER, IdempotencyHeaders, MessageIn, MessageOut,
                                SignalIn, SignalOut)
from services import event_delivery
from services.idempotency import Answer

blp = protected_blueprint("events", "/api/v1", "Messages and signals from outside.")


@blp.route("/messages", methods=["POST"])
@blp.arguments(MessageIn())
@blp.arguments(IdempotencyHeaders(), location="headers")
@blp.response(200, MessageOut, headers=REPLAYED_HEADER)
def message(args: dict, headers: dict):  # type: ignore[no-untyped-def]
    """Deliver a message to the one waiting instance it correlates with (by correlation
    values, business key or instance id), or start the process whose message start event has
    that name. 404: nothing matches; 409: several match and `all` is not set. Admins and
    machine accounts (role worker) may send. With an `Idempotency-Key` a retry is answered,
    not delivered again."""
    return _replied(event_delivery.send_message(
        flowdesk(), current_user(), args["name"], correlation=args.get("correlation"),
        business_key=args.get("business_key"), instance_id=args.get("instance_id"),
        variables=args["variables"], deliver_to_all=args["all"],
        idempotency_key=headers.get("key")))


@blp.route("/signals", methods=["POST"])
@blp.arguments(SignalIn())
@blp.arguments(IdempotencyHeaders(), location="headers")
@blp.response(200, SignalOut, headers=REPLAYED_HEADER)
def signal(args: dict, headers: dict):  # type: ignore[no-untyped-def]
    """Broadcast a signal to every waiting instance and every process it starts. With an
    `Idempotency-Key` a retry is answered, not broadcast again."""
    return _replied(event_delivery.broadcast_signal(
        flowdesk(), current_user(), args["name"], args["variables"],
        idempotency_key=headers.get("key")))


def _replied(answer: Answer) -> tuple[dict, int, dict[str, str]]:
    """The body and, for a stored answer, ``Idempotent-Replayed: true``."""
    return answer.body, 200, ({"Idempotent-Replayed": "true"} if answer.replayed
                                        else {})
