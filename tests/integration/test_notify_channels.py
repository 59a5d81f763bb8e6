"""Delivery through real receivers on 127.0.0.1, on SQLite and PostgreSQL (the secrets are
stored ones): a breach e-mailed in Chinese over STARTTLS with a login whose password is a
stored secret, and webhooks in the generic (HMAC), WeCom, DingTalk and Feishu formats."""
from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from services import secrets
from services.notify import robot_formats as robots
from services.notify.channels import DeliveryFailed, send
from services.notify.templates import render
from services.principal import system
from tests.mail_and_hooks import Receiver, free_port, smtp_server

ADMIN = system("tests", "admin")
CASE = {"case_no": "TS202601050001", "instance_id": 42, "process_name": "投诉处理",
        "task_name": "受理投诉", "task_id": 7, "group": "前台客服",
        "due_at": datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)}
SMTP_PASSWORD = "p@ss:w/rd%-mail-0042"


def test_a_breach_is_mailed_in_chinese_over_starttls_with_a_stored_password(
        fd, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    secrets.put_secret(fd, ADMIN, "SMTP_PASSWORD", SMTP_PASSWORD)
    message = render("sla_breach", "zh", CASE, fd)
    caplog.set_level(logging.DEBUG)
    with smtp_server(tmp_path, "ops", SMTP_PASSWORD) as (port, cert, box):
        fd.settings.smtp_url = (f"smtp://ops:%7B%7Bsecret:SMTP_PASSWORD%7D%7D@127.0.0.1:{port}"
                                f"?starttls=1&cafile={cert}")
        fd.settings.mail_from = "Flowdesk 通知 <flowdesk@example.com>"
        send("email", {"address": "主管 <lead@example.com>"}, message, fd)
    assert box.logins == [("ops", SMTP_PASSWORD)] and box.tls == [True]
    [(recipients, mail)] = box.mails
    assert recipients == ["lead@example.com"]
    assert mail["Subject"] == "【已超时】受理投诉（TS202601050001）"
    assert mail["From"].addresses[0].display_name == "Flowdesk 通知"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "截止时间：2026-01-05 17:30" in text and "http://127.0.0.1:5000/cases/42" in text
    assert '<a href="http://127.0.0.1:5000/cases/42">查看工单</a>' in html
    assert mail["X-Priority"] == "1"
    assert SMTP_PASSWORD not in caplog.text


def test_mail_failures_say_whether_to_try_again_and_never_the_password(
        fd, tmp_path) -> None:  # type: ignore[no-untyped-def]
    message = render("assigned_to_me", "zh", CASE)
    fd.settings.mail_from = "flowdesk@example.com"
    with smtp_server(tmp_path, "ops", "right") as (port, cert, _box):
        fd.settings.smtp_url = f"smtp://ops:wrong-pw@127.0.0.1:{port}?starttls=1&cafile={cert}"
        with pytest.raises(DeliveryFailed) as refused:
            send("email", {"address": "li@example.com"}, message, fd)
        assert not refused.value.retry and "wrong-pw" not in str(refused.value)
        fd.settings.smtp_url = f"smtp://ops:right@127.0.0.1:{port}"  # no STARTTLS: refused
        with pytest.raises(DeliveryFailed) as plain:
            send("email", {"address": "li@example.com"}, message, fd)
        assert "right" not in str(plain.value).replace("127.0.0.1", "")
    fd.settings.smtp_url = f"smtp://127.0.0.1:{free_port()}"  # nobody listens: try again
    with pytest.raises(DeliveryFailed) as down:
        send("email", {"address": "li@example.com"}, message, fd)
    assert down.value.retry
    fd.settings.smtp_url = ""
    with pytest.raises(DeliveryFailed) as unset:
        send("email", {"address": "li@example.com"}, message, fd)
    assert not unset.value.retry and "FLOWDESK_SMTP_URL" in str(unset.value)


def test_the_generic_webhook_is_signed_with_hmac_of_timestamp_and_body(fd, clock) -> None:  # type: ignore[no-untyped-def]
    secrets.put_secret(fd, ADMIN, "HOOK_SECRET", "whsec-flowdesk")
    message = render("sla_breach", "zh", CASE, fd)
    with Receiver() as receiver:
        receiver.answers = [(204, None)]
        send("webhook", {"url": receiver.url + "/hooks/flowdesk", "format": "generic",
                         "secret": "HOOK_SECRET"}, message, fd)
        send("webhook", {"url": receiver.url + "/unsigned"}, message, fd)
    signed, unsigned = receiver.hooks
    stamp = signed.headers["X-Flowdesk-Timestamp"]
    assert int(stamp) == int(fd.now().timestamp())
    expected = hmac.new(b"whsec-flowdesk", stamp.encode() + b"." + signed.body,
                        hashlib.sha256).hexdigest()
    assert signed.headers["X-Flowdesk-Signature"] == "sha256=" + expected
    assert signed.path == "/hooks/flowdesk" and signed.json() == message.as_dict()
    assert signed.json()["subject"] == "【已超时】受理投诉（TS202601050001）"
    assert "X-Flowdesk-Signature" not in unsigned.headers


def test_a_non_admins_webhook_never_reaches_inside_the_network(fd, clock) -> None:  # type: ignore[no-untyped-def]
    """A non-admin's own subscription (``guarded`` by the fan-out) is refused when sent if its
    host is, or resolves to, an internal address: one saved before the rule, or a public name
    that points inside, would have had the server post there for them."""
    message = render("sla_breach", "zh", CASE, fd)
    with Receiver() as receiver:
        receiver.answers = [(204, None)] * 3
        port = urlsplit(receiver.url).port
        for url in (receiver.url + "/x", f"http://localhost:{port}/x"):
            with pytest.raises(DeliveryFailed) as refused:
                send("webhook", {"url": url, "guarded": True}, message, fd)
            assert refused.value.retry is False and "inside the network" in str(refused.value)
        assert receiver.hooks == []
        send("webhook", {"url": receiver.url + "/admins"}, message, fd)  # an admin's: sent
        assert [hook.path for hook in receiver.hooks] == ["/admins"]


def test_wecom_dingtalk_and_feishu_get_their_own_formats(fd, clock) -> None:  # type: ignore[no-untyped-def]
    secrets.put_secret(fd, ADMIN, "WECOM_KEY", "wecom-key-693a91f6")
    secrets.put_secret(fd, ADMIN, "DING_SEC", "SEC-ding-secret")
    secrets.put_secret(fd, ADMIN, "FEISHU_SEC", "feishu-secret")
    message = render("sla_breach", "zh", CASE, fd)
    seconds = int(fd.now().timestamp())
    with Receiver() as receiver:
        send("webhook", {"url": receiver.url + "/cgi-bin/webhook/send?key={{secret:WECOM_KEY}}",
                         "format": "wecom"}, message, fd)
        send("webhook", {"url": receiver.url + "/robot/send?access_token=AT", "format":
                         "dingtalk", "secret": "DING_SEC"}, message, fd)
        receiver.answers = [(200, {"code": 0, "msg": "success"})]
        send("webhook", {"url": receiver.url + "/open-apis/bot/v2/hook/h", "format": "feishu",
                         "secret": "{{secret:FEISHU_SEC}}"}, message, fd)
    wecom, ding, feishu = receiver.hooks
    assert wecom.path == "/cgi-bin/webhook/send?key=wecom-key-693a91f6"
    assert wecom.json() == {"msgtype": "markdown", "markdown": {"content": message.markdown}}
    assert "[查看工单](http://127.0.0.1:5000/cases/42)" in wecom.json()["markdown"]["content"]
    query = parse_qs(urlsplit(ding.path).query)
    assert query["access_token"] == ["AT"] and query["timestamp"] == [str(seconds * 1000)]
    assert query["sign"] == [robots.dingtalk_sign("SEC-ding-secret", seconds * 1000)]
    assert ding.json() == {"msgtype": "markdown", "markdown": {
        "title": message.subject, "text": message.markdown}}
    body = feishu.json()
    assert body["timestamp"] == str(seconds)
    assert body["sign"] == robots.feishu_sign("feishu-secret", seconds)
    assert body["msg_type"] == "interactive"
    assert body["card"]["elements"][0]["content"] == message.markdown


@pytest.mark.parametrize(("status", "answer", "fmt", "retry"), [
    (500, {"error": "down"}, "generic", True),
    (429, {}, "generic", True),
    (404, {"error": "no such hook"}, "generic", False),
    (200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "wecom", False),
    (200, {"errcode": 45009, "errmsg": "api freq out of limit"}, "wecom", True),
    (200, {"errcode": 310000, "errmsg": "sign not match"}, "dingtalk", False),
    (200, {"code": 19021, "msg": "sign match fail"}, "feishu", False),
])
def test_refusals_say_whether_to_try_again_without_the_key(
        fd, status, answer, fmt, retry) -> None:  # type: ignore[no-untyped-def]
    secrets.put_secret(fd, ADMIN, "WECOM_KEY", "wecom-key-secret-1")
    message = render("group_queue", "zh", CASE, fd)
    with Receiver() as receiver:
        receiver.answers = [(status, answer)]
        with pytest.raises(DeliveryFailed) as failed:
            send("webhook", {"url": receiver.url + "/send?key={{secret:WECOM_KEY}}",
                             "format": fmt}, message, fd)
    assert failed.value.retry is retry
    assert "wecom-key-secret-1" not in str(failed.value)


def test_a_bad_target_is_not_retried_and_in_app_sends_nothing(fd) -> None:  # type: ignore[no-untyped-def]
    message = render("mentioned", "zh", CASE)
    send("in_app", {}, message, fd)
    for channel, target in (("webhook", {"url": "ftp://x"}),
                            ("webhook", {"url": "http://127.0.0.1:9/x", "format": "slack"}),
                            ("webhook", {"url": "http://127.0.0.1:9/x", "secret": "NOPE"}),
                            ("email", {"address": "no-at-sign"}),
                            ("pigeon", {})):
        with pytest.raises(DeliveryFailed) as failed:
            send(channel, target, message, fd)
        assert not failed.value.retry, (channel, target)
    with pytest.raises(DeliveryFailed) as unreachable:
        send("webhook", {"url": f"http://127.0.0.1:{free_port()}/x"}, message, fd)
    assert unreachable.value.retry
