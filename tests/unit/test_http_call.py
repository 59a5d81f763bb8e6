"""The http operator's parameters (engine.http_call) and secret references (engine.secret_refs):
checked at call time on evaluated values and at deploy on literal expressions."""
from __future__ import annotations

import pytest

from engine import secret_refs
from engine.http_call import HttpCall, HttpCallInvalid, lint_expressions
from engine.scripting import make_script_engine


def test_defaults_and_normalised_values() -> None:
    call = HttpCall.parse({"method": "post", "url": "https://shop.example/api/orders",
                           "headers": {"X-Count": 3}})
    assert call == HttpCall(method="POST", url="https://shop.example/api/orders",
                            headers={"X-Count": "3"}, body=None, result_variable=None,
                            timeout_seconds=10.0, retries=3, retry_backoff_seconds=2.0)


def test_backoff_doubles_until_the_retries_are_used_up() -> None:
    call = HttpCall.parse({"method": "GET", "url": "http://x", "retries": 4,
                           "retry_backoff_seconds": 1.5})
    assert [call.retry_delay(n) for n in range(1, 7)] == [1.5, 3.0, 6.0, 12.0, None, None]
    never = HttpCall.parse({"method": "GET", "url": "http://x", "retries": 0})
    assert never.retry_delay(1) is None
    capped = HttpCall.parse({"method": "GET", "url": "http://x", "retries": 10,
                             "retry_backoff_seconds": 3000})
    assert capped.retry_delay(3) == 3600.0


def test_every_bad_parameter_is_named() -> None:
    with pytest.raises(HttpCallInvalid) as raised:
        HttpCall.parse({"url": "https://x/{{secret:1bad}}", "headers": {"Bad Name": "v"},
                        "body": {"when": object()}, "result_variable": "class",
                        "timeout_seconds": 0, "retries": 1.5,
                        "retry_backoff_seconds": -1})
    fields = [e["field"] for e in raised.value.errors]
    assert fields == ["method", "url", "headers", "body", "result_variable", "timeout_seconds",
                      "retries", "retry_backoff_seconds"]
    assert "does not name a secret by a legal name" in str(raised.value)


@pytest.mark.parametrize(("headers", "message"), [
    ({"X-Key": "a\r\nX-Injected: 1"}, "contains a line break"),
    ({"X-Key": ["a"]}, "must be a string or a number"),
    ({"X-Key": True}, "must be a string or a number"),
    ("X-Key: 1", "must be a dict"),
])
def test_headers_are_checked(headers: object, message: str) -> None:
    with pytest.raises(HttpCallInvalid, match=message):
        HttpCall.parse({"method": "GET", "url": "https://x", "headers": headers})


def test_secret_names_are_collected_from_url_header_values_and_body_strings() -> None:
    call = HttpCall.parse({
        "method": "POST", "url": "https://shop.example/api?key={{secret:SHOP_KEY}}",
        "headers": {"Authorization": "Bearer {{ secret:TOKEN }}"},
        "body": {"{{secret:KEY_NOT_VALUE}}": 1, "sms": ["{{secret:SMS.pw}}", 3],
                 "again": "{{secret:SHOP_KEY}}"}})
    assert call.secret_names() == ["SHOP_KEY", "TOKEN", "SMS.pw"]
    values = {"SHOP_KEY": "k1", "TOKEN": "t2", "SMS.pw": "p3"}
    assert secret_refs.substitute(call.headers["Authorization"], values) == "Bearer t2"
    assert secret_refs.substitute_value(call.body, values) == {
        "{{secret:KEY_NOT_VALUE}}": 1, "sms": ["p3", 3], "again": "k1"}


def test_an_f_string_that_ate_the_braces_is_caught() -> None:
    with pytest.raises(HttpCallInvalid, match=r"f-string took a pair of braces"):
        HttpCall.parse({"method": "GET", "url": "https://x",
                        "headers": {"Authorization": "Bearer {secret:TOKEN}"}})


def test_the_sandbox_secret_helper_writes_a_reference_in_f_strings() -> None:
    engine = make_script_engine()
    value = engine.environment.evaluate("f\"Bearer {secret('SHOP_KEY')}\"", {})
    assert value == "Bearer {{secret:SHOP_KEY}}"
    with pytest.raises(secret_refs.BadReference):
        engine.environment.evaluate("secret('no spaces allowed')", {})


def test_the_scrubber_puts_references_back_in_every_spelling() -> None:
    scrub = secret_refs.Scrubber({"KEY": "a b/c", "LONG": "a b/c+d", "EMPTY": ""})
    assert scrub.text("x=a b/c+d&y=a%20b%2Fc&z=a+b%2Fc&w=a%20b/c") == (
        "x={{secret:LONG}}&y={{secret:KEY}}&z={{secret:KEY}}&w={{secret:KEY}}")
    assert scrub.value({"a b/c": ["a b/c", 1, None]}) == {"{{secret:KEY}}": ["{{secret:KEY}}",
                                                                            1, None]}
    assert secret_refs.Scrubber({}).value({"x": "y"}) == {"x": "y"}


@pytest.mark.parametrize(("expressions", "problems"), [
    ({"method": "'POST'", "url": "f'https://shop.example/orders/{order_no}'"}, []),
    ({"method": "'FETCH'", "url": "'https://x'"}, ["method: 'FETCH' is not one of GET"]),
    ({"method": "verb", "url": "'ftp://x'"}, ["url: must start with http:// or https://"]),
    ({"method": "'GET'", "url": "None"}, ["url: is required"]),
    ({"method": "'GET'", "url": "'https://x'", "timeout_seconds": "120", "retries": "-1"},
     ["timeout_seconds: must be a number from 0 to 30",
      "retries: must be a whole number from 0 to 10"]),
    ({"method": "'GET'", "url": "'https://x'", "result_variable": "'2nd'"},
     ["result_variable: '2nd' is not a variable name"]),
    ({"method": "'GET'", "url": "'https://x'",
      "headers": "{'Authorization': 'Bearer {{secret:SHOP KEY}}'}"},
     ["headers: the secret reference '{{secret:SHOP KEY}}' does not name"]),
    ({"method": "'GET'", "url": "f'https://x/{order}?k={{secret:K}}'"},
     ["'{secret:K}' looks like a secret reference an f-string took a pair of braces from"]),
    ({"method": "'GET'", "url": "f'https://x/{order}?k={{{{secret:K}}}}'",
      "headers": "{'Authorization': f\"Bearer {secret('K')}\", 'X-Order': order}"}, []),
    ({"method": "'GET'", "url": "'https://x'", "headers": "{'A': secret('bad name')}"},
     ["headers: 'bad name' is not a secret name"]),
])
def test_deploy_time_checks_of_literal_values(expressions: dict, problems: list[str]) -> None:
    found = lint_expressions(expressions)
    assert len(found) == len(problems), found
    for problem, expected in zip(found, problems):
        assert expected in problem
