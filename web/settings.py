"""The ``settings_pages`` blueprint: 我的通知设置 (``GET /settings/notifications``), where any
signed-in user adds and removes their own notification subscriptions.

A shell: its script (``static/settings_notifications.js``) reads and writes
``/api/v1/me/subscriptions``, which checks every field (and names the bad ones in the user's
language). Calendars are listed by an admin-only API, so the quiet-hours calendar is a text
field (the calendar's name). Shares the ``web`` blueprint's templates, static files, language
pick, page headers and template helpers.
"""
from __future__ import annotations

from flask import g, render_template

from api import auth as api_auth

from . import i18n, views

blueprint = views.page_blueprint("settings_pages", __name__)


@blueprint.get("/settings/notifications")
def notifications():  # type: ignore[no-untyped-def]
    user, answer = views.page_user()
    if answer is not None:
        return answer
    return render_template("web/settings_notifications.html", user=user,
                           csrf_token=api_auth.csrf_token(),
                           js_messages=i18n.js_messages(g.lang))
