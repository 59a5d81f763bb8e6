"""/api/v1/me/…: a user's own notification subscriptions and in-app inbox (the bell);
/api/v1/admin/…: groups' subscriptions and the outbox with its resend (admins)."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_notifications import (GroupSubscriptionIn, GroupSubscriptionQuery, InboxOut, InboxQuery,
                                NotificationOut, NotificationPageOut, OutboxQuery, ReadOut,
                                SubscriptionIn, SubscriptionOut, SubscriptionPatch)
from services.notify import inbox, subscriptions

blp = protected_blueprint("notifications", "/api/v1",
                          "Notifications: subscriptions, the in-app inbox, the outbox.")


@blp.route("/me/subscriptions", methods=["GET"])
@blp.response(200, SubscriptionOut(many=True))
def my_subscriptions():  # type: ignore[no-untyped-def]
    """My own subscriptions (in-app is on by default without one)."""
    return subscriptions.mine(flowdesk(), current_user())


@blp.route("/me/subscriptions", methods=["POST"])
@blp.arguments(SubscriptionIn())
@blp.response(201, SubscriptionOut)
def add_my_subscription(args: dict):  # type: ignore[no-untyped-def]
    user = current_user()
    return subscriptions.create(flowdesk(), user, "user", user.username, args)


@blp.route("/me/subscriptions/<int:sub_id>", methods=["PATCH"])
@blp.arguments(SubscriptionPatch())
@blp.response(200, SubscriptionOut)
def change_my_subscription(args: dict, sub_id: int):  # type: ignore[no-untyped-def]
    return subscriptions.update(flowdesk(), current_user(), sub_id, args, "user")


@blp.route("/me/subscriptions/<int:sub_id>", methods=["DELETE"])
@blp.response(204)
def delete_my_subscription(sub_id: int):  # type: ignore[no-untyped-def]
    subscriptions.delete(flowdesk(), current_user(), sub_id, "user")


@blp.route("/admin/group-subscriptions", methods=["GET"])
@blp.arguments(GroupSubscriptionQuery(), location="query")
@blp.response(200, SubscriptionOut(many=True))
def group_subscriptions(args: dict):  # type: ignore[no-untyped-def]
    """Groups' subscriptions (e.g. a WeCom robot for the complaint group)."""
    return subscriptions.groups(flowdesk(), current_user(), args["group"])


@blp.route("/admin/group-subscriptions", methods=["POST"])
@blp.arguments(GroupSubscriptionIn())
@blp.response(201, SubscriptionOut)
def add_group_subscription(args: dict):  # type: ignore[no-untyped-def]
    group = args.pop("group")
    return subscriptions.create(flowdesk(), current_user(), "group", group, args)


@blp.route("/admin/group-subscriptions/<int:sub_id>", methods=["PATCH"])
@blp.arguments(SubscriptionPatch())
@blp.response(200, SubscriptionOut)
def change_group_subscription(args: dict, sub_id: int):  # type: ignore[no-untyped-def]
    return subscriptions.update(flowdesk(), current_user(), sub_id, args, "group")


@blp.route("/admin/group-subscriptions/<int:sub_id>", methods=["DELETE"])
@blp.response(204)
def delete_group_subscription(sub_id: int):  # type: ignore[no-untyped-def]
    subscriptions.delete(flowdesk(), current_user(), sub_id, "group")


@blp.route("/me/notifications", methods=["GET"])
@blp.arguments(InboxQuery(), location="query")
@blp.response(200, InboxOut)
def my_notifications(args: dict):  # type: ignore[no-untyped-def]
    """My in-app notifications, newest first, and how many are unread."""
    return inbox.mine(flowdesk(), current_user(), args["unread"], args["page"],
                      args["per_page"])


@blp.route("/me/notifications/<int:notification_id>/read", methods=["POST"])
@blp.response(200, ReadOut)
def read_one(notification_id: int):  # type: ignore[no-untyped-def]
    return {"marked": inbox.mark_read(flowdesk(), current_user(), notification_id)}


@blp.route("/me/notifications/read-all", methods=["POST"])
@blp.response(200, ReadOut)
def read_all():  # type: ignore[no-untyped-def]
    return {"marked": inbox.mark_read(flowdesk(), current_user())}


@blp.route("/admin/notifications", methods=["GET"])
@blp.arguments(OutboxQuery(), location="query")
@blp.response(200, NotificationPageOut)
def outbox(args: dict):  # type: ignore[no-untyped-def]
    """The outbox, newest first; ``state=dead`` lists what failed for good, with its error."""
    rows, total = inbox.admin_list(flowdesk(), current_user(), **args)
    return {"items": rows, "total": total}


@blp.route("/admin/notifications/<int:notification_id>/resend", methods=["POST"])
@blp.response(200, NotificationOut)
def resend(notification_id: int):  # type: ignore[no-untyped-def]
    """Send a row again (a dead one): due now, with fresh attempts."""
    return inbox.resend(flowdesk(), current_user(), notification_id)
