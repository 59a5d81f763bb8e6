"""The http operator's call against a real server on 127.0.0.1 (``tests.fake_api``).

The secret's value must reach the server and nothing else: not the outcome (body, headers,
error), not the log records, not the parameters the call was made from.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Collection

import pytest

from services.connectors.http import HttpOutcome, perform
from services.errors import NotFound
from tests.fake_api import FakeApi

SHOP_KEY = "sk_live_9f8e7d6c5b4a3210"
SECRETS = {"SHOP_KEY": SHOP_KEY, "SMS_USER": "cs-team@shop"}


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # everything any library logs, httpx and httpcore included
    return caplog


class Resolver:
    """The secrets store as the connector sees it: names in, values out (and who asked)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: list[set[str]] = []

    def __call__(self, names: Collection[str]) -> dict[str, str]:
        self.asked.append(set(names))
        missing = sorted(set(names) - set(self.values))
        if missing:
            raise NotFound(f"No secret named {', '.join(missing)}.")
        return {name: self.values[name] for name in names}


def call(api: FakeApi, params: dict, secrets: dict[str, str] | None = None,
         **kw: object) -> HttpOutcome:
    given = {**params, "url": params["url"].replace("BASE", api.base)}
    before = json.dumps(given, sort_keys=True)
    outcome = perform(given, Resolver(SECRETS if secrets is None else secrets), **kw)
    assert json.dumps(given, sort_keys=True) == before  # references stay in the parameters
    return outcome


def everything_reported(outcome: HttpOutcome, logs: pytest.LogCaptureFixture) -> str:
    """All the text that could be stored or shown from an attempt."""
    return json.dumps([outcome.result(), outcome.error, repr(outcome)], ensure_ascii=False) \
        + "\n".join(f"{r.name} {r.getMessage()}" for r in logs.records)


def test_a_json_post_sends_the_secret_and_reports_only_its_reference(api, logs) -> None:  # type: ignore[no-untyped-def]
    outcome = call(api, {
        "method": "post", "url": "BASE/orders/TB001?key={{secret:SHOP_KEY}}",
        "headers": {"Authorization": "Bearer {{secret:SHOP_KEY}}", "X-Team": "cs"},
        "body": {"order_no": "TB001", "note": "退款", "login": "{{secret:SMS_USER}}",
                 "items": [{"sku": "A1", "qty": 2}]},
        "result_variable": "shop_reply"})

    [seen] = api.seen
    assert (seen.method, seen.path) == ("POST", f"/orders/TB001?key={SHOP_KEY}")
    assert seen.headers["Authorization"] == f"Bearer {SHOP_KEY}"
    assert seen.headers["Content-Type"].startswith("application/json")
    assert seen.json() == {"order_no": "TB001", "note": "退款", "login": "cs-team@shop",
                           "items": [{"sku": "A1", "qty": 2}]}

    assert outcome.ok and not outcome.retryable and outcome.status == 201
    assert outcome.variables() == {"shop_reply": {
        "status": 201, "body": {"received": {"order_no": "TB001", "note": "退款",
                                             "login": "{{secret:SMS_USER}}",
                                             "items": [{"sku": "A1", "qty": 2}]}},
        "headers": {"content-type": "application/json"}}}
    assert outcome.retry_delay(1) is None
    reported = everything_reported(outcome, logs)
    assert SHOP_KEY not in reported and "cs-team@shop" not in reported
    assert "{{secret:SHOP_KEY}}" in reported  # the log line names the call by its template


def test_a_get_maps_status_json_body_and_the_kept_headers(api) -> None:  # type: ignore[no-untyped-def]
    outcome = call(api, {"method": "GET", "url": "BASE/orders/TB002",
                         "result_variable": "order"})
    assert api.seen[0].body == b"" and "Content-Type" not in api.seen[0].headers
    assert outcome.variables() == {"order": {
        "status": 200, "body": {"order_no": "TB002", "state": "shipped"},
        "headers": {"content-type": "application/json", "etag": '"v7"'}}}


def test_text_answers_are_text_and_no_result_variable_means_no_variables(api) -> None:  # type: ignore[no-untyped-def]
    outcome = call(api, {"method": "GET", "url": "BASE/text"})
    assert outcome.ok and outcome.body == "已发货" and outcome.variables() == {}


def test_a_server_echoing_the_secret_gets_its_echo_scrubbed(api, logs) -> None:  # type: ignore[no-untyped-def]
    outcome = call(api, {"method": "GET", "url": "BASE/echo-auth",
                         "headers": {"Authorization": "{{secret:SHOP_KEY}}"}})
    assert api.seen[0].headers["Authorization"] == SHOP_KEY
    assert outcome.body == {"you_sent": "{{secret:SHOP_KEY}}"}
    assert outcome.headers["location"] == "/x/{{secret:SHOP_KEY}}"
    assert SHOP_KEY not in everything_reported(outcome, logs)


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_server_errors_and_throttling_are_retryable(api, status: int) -> None:  # type: ignore[no-untyped-def]
    outcome = call(api, {"method": "POST", "url": f"BASE/status/{status}", "body": {"a": 1},
                         "retries": 2, "retry_backoff_seconds": 1})
    assert not outcome.ok and outcome.retryable and outcome.status == status
    assert outcome.error.startswith(f"POST {api.base}/status/{status} answered {status}")
    assert f'"error": "status {status}"' in outcome.error
    wait = 7.0 if status in (429, 503) else None  # the server's Retry-After lengthens the wait
    assert [outcome.retry_delay(n) for n in (1, 2, 3)] == [wait or 1.0, wait or 2.0, None]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_not_retryable(api, status: int, logs) -> None:  # type: ignore[no-untyped-def]
    outcome = call(api, {"method": "DELETE",
                         "url": f"BASE/status/{status}?k={{{{secret:SHOP_KEY}}}}"})
    assert not outcome.ok and not outcome.retryable and outcome.retry_delay(1) is None
    assert outcome.result() == {"status": status, "body": {"error": f"status {status}"},
                                "headers": {"content-type": "application/json"}}
    assert "?k={{secret:SHOP_KEY}} answered" in outcome.error
    assert SHOP_KEY not in everything_reported(outcome, logs)


def test_a_redirect_is_not_followed(api) -> None:  # type: ignore[no-untyped-def]
    outcome = call(api, {"method": "GET", "url": "BASE/redirect",
                         "headers": {"X-Api-Key": "{{secret:SHOP_KEY}}"}})
    assert len(api.seen) == 1 and outcome.status == 302 and not outcome.retryable
    assert outcome.headers["location"] == f"{api.base}/orders/followed"


def test_no_answer_in_time_is_a_retryable_timeout(api, logs) -> None:  # type: ignore[no-untyped-def]
    outcome = call(api, {"method": "GET", "url": "BASE/wait?key={{secret:SHOP_KEY}}",
                         "timeout_seconds": 0.2})
    api.release.set()  # the server was still holding the answer back
    assert not outcome.ok and outcome.retryable and outcome.status is None
    assert outcome.error == (f"GET {api.base}/wait?key={{{{secret:SHOP_KEY}}}}: "
                             "no answer within 0.2 s")
    assert outcome.retry_delay(1) == 2.0  # the default backoff
    assert SHOP_KEY not in everything_reported(outcome, logs)


def test_a_refused_connection_is_retryable(api) -> None:  # type: ignore[no-untyped-def]
    base = api.base
    api.stop()  # nothing listens on that port any more
    outcome = perform({"method": "GET", "url": f"{base}/orders/1"}, Resolver({}))
    assert not outcome.ok and outcome.retryable and outcome.status is None
    assert outcome.error.startswith(f"GET {base}/orders/1: ConnectError")


def test_the_response_size_is_capped(api) -> None:  # type: ignore[no-untyped-def]
    streamed = call(api, {"method": "GET", "url": "BASE/huge", "result_variable": "r"})
    assert not streamed.ok and not streamed.retryable and streamed.body is None
    assert streamed.error.endswith(f"larger than the {1 << 20} bytes Flowdesk reads")
    api.huge_size = 1 << 20
    exactly = call(api, {"method": "GET", "url": "BASE/huge"})
    assert exactly.ok and len(exactly.body) == 1 << 20
    declared = call(api, {"method": "GET", "url": "BASE/huge-declared"})
    assert not declared.ok and f"response ({2 << 20} bytes) is larger" in declared.error


@pytest.mark.parametrize(("url", "field"), [
    ("ftp://127.0.0.1/orders", "url"), ("file:///etc/passwd", "url"),
    ("{{secret:SHOP_KEY}}/orders", "url"), ("127.0.0.1/orders", "url")])
def test_urls_that_are_not_http_are_refused_without_a_call(api, url: str, field: str) -> None:  # type: ignore[no-untyped-def]
    resolver = Resolver(SECRETS)
    outcome = perform({"method": "GET", "url": url}, resolver)
    assert not outcome.ok and not outcome.retryable and outcome.call is None
    assert outcome.error.startswith(f"The http call's parameters are invalid: {field}: must "
                                    "start with http:// or https://")
    assert api.seen == [] and resolver.asked == []


def test_an_unknown_secret_fails_by_name_before_any_call(api) -> None:  # type: ignore[no-untyped-def]
    outcome = call(api, {"method": "GET", "url": "BASE/orders/1",
                         "headers": {"X-Key": "{{secret:NOPE}}"}})
    assert not outcome.ok and not outcome.retryable and api.seen == []
    assert outcome.error == "No secret named NOPE."


def test_a_header_the_wire_cannot_carry_fails_without_the_value(api, logs) -> None:  # type: ignore[no-untyped-def]
    outcome = call(api, {"method": "GET", "url": "BASE/orders/1",
                         "headers": {"X-Key": "{{secret:BAD}}"}},
                   secrets={"BAD": "密钥-not-ascii"})
    assert not outcome.ok and not outcome.retryable and api.seen == []
    assert "the request could not be made" in outcome.error
    assert "密钥" not in everything_reported(outcome, logs)


def test_bad_parameters_are_all_reported_at_once() -> None:
    outcome = perform({"method": "FETCH", "url": "https://shop.example/x", "retries": 99,
                       "timeout_seconds": 60, "colour": "red"}, Resolver({}))
    assert not outcome.ok and not outcome.retryable
    for part in ("colour: not a parameter", "method: 'FETCH' is not one of GET",
                 "retries: must be a whole number from 0 to 10",
                 "timeout_seconds: must be a number from 0 to 30"):
        assert part in outcome.error


def test_a_shared_client_is_used_and_left_open(api) -> None:  # type: ignore[no-untyped-def]
    """A worker may keep one client for connection reuse; each call still has its own timeout
    and the connector's own rules (no redirects followed)."""
    import httpx
    with httpx.Client(follow_redirects=True) as shared:
        first = call(api, {"method": "GET", "url": "BASE/orders/1"}, client=shared)
        late = call(api, {"method": "GET", "url": "BASE/wait", "timeout_seconds": 0.2},
                    client=shared)
        api.release.set()
        moved = call(api, {"method": "GET", "url": "BASE/redirect"}, client=shared)
        assert first.ok and late.retryable and "no answer within 0.2 s" in late.error
        assert moved.status == 302 and api.seen[-1].path == "/redirect"
        assert not shared.is_closed
