"""Webhook signatures against known answers computed with openssl by each vendor's documented
algorithm (not by the code under test), and the robots' body formats."""
from __future__ import annotations

import json

from services.notify import robot_formats as robots
from services.notify.templates import Message

MESSAGE = Message(subject="【已超时】受理投诉", text="工单：TS1", markdown="### 【已超时】\n> 工单：TS1",
                  link="http://127.0.0.1:5000/cases/1", urgent=True, lang="zh")


def test_dingtalk_sign_is_base64_hmac_of_timestamp_newline_secret_keyed_by_the_secret() -> None:
    # printf '1700000000000\nSEC0123456789abcdef' | openssl dgst -sha256 \
    #   -hmac 'SEC0123456789abcdef' -binary | base64
    assert robots.dingtalk_sign("SEC0123456789abcdef", 1700000000000) == \
        "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk="
    url = robots.dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=T",
                              "SEC0123456789abcdef", 1700000000000)
    assert url == ("https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1700000000000"
                   "&sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D")
    assert robots.dingtalk_url("https://x/send", None, 1) == "https://x/send"


def test_feishu_sign_is_base64_hmac_of_nothing_keyed_by_timestamp_newline_secret() -> None:
    # printf '' | openssl dgst -sha256 -mac HMAC \
    #   -macopt hexkey:$(printf '1700000000\nfeishu-secret' | xxd -p) -binary | base64
    assert robots.feishu_sign("feishu-secret", 1700000000) == \
        "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU="
    body = robots.feishu_body(MESSAGE, "feishu-secret", 1700000000)
    assert body["timestamp"] == "1700000000" and body["sign"] == robots.feishu_sign(
        "feishu-secret", 1700000000)
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["title"]["content"] == "【已超时】受理投诉"
    assert body["card"]["header"]["template"] == "red"
    assert robots.feishu_body(MESSAGE, None, 1, "text") == {
        "msg_type": "text", "content": {"text": "工单：TS1"}}


def test_the_generic_signature_is_hex_hmac_of_timestamp_dot_body() -> None:
    # printf '1700000000.{"subject":"x"}' | openssl dgst -sha256 -hmac 'whsec-1'
    assert robots.generic_signature("whsec-1", 1700000000, b'{"subject":"x"}') == (
        "sha256=69d8fba0ab90fae18181a81e9d05c8c29ed2aef8e21f557642cffb2e6ae45d44")
    assert json.loads(robots.generic_body(MESSAGE)) == MESSAGE.as_dict()


def test_wecom_markdown_is_cut_to_4096_bytes_of_whole_characters() -> None:
    long = Message("s", "t", "超" * 3000, None, False, "zh")
    content = robots.wecom_body(long)["markdown"]["content"]
    assert len(content.encode("utf-8")) <= robots.WECOM_MAX_BYTES and content.endswith("…")
    assert robots.wecom_body(MESSAGE) == {"msgtype": "markdown",
                                          "markdown": {"content": MESSAGE.markdown}}
    assert robots.dingtalk_body(MESSAGE)["markdown"]["title"] == MESSAGE.subject


def test_a_robot_that_says_200_with_an_error_code_refused_it() -> None:
    assert robots.answer_error("wecom", {"errcode": 0, "errmsg": "ok"}) is None
    assert robots.answer_error("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}) \
        == (93000, "invalid webhook url")
    assert robots.answer_error("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}) \
        == (310000, "sign not match")
    assert robots.answer_error("feishu", {"code": 19021, "msg": "sign match fail"}) == (
        19021, "sign match fail")
    assert robots.answer_error("feishu", {"StatusCode": 0, "code": 0}) is None
    assert robots.answer_error("generic", {"errcode": 1}) is None
