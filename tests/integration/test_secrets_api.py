"""Secrets through the admin API, on SQLite and PostgreSQL: values go in and never come out.

A value must not appear in any API answer, the audit table, the stored row or a log record;
the connector's resolver is the one way to read it back.
"""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select, text

from services import secrets
from services.errors import NotFound, Unavailable
from store.tables import AuditEntry, Secret

BASE = "/api/v1/admin/secrets"
SHOP_KEY = "sk_live_q8W2-shop-秘钥-0042"
SMS_PASSWORD = "sms-gateway-pass-7731"


def put(server, token: str, name: str, body: dict):  # type: ignore[no-untyped-def]
    return server.call("PUT", f"{BASE}/{name}", token, json=body)


def test_create_list_replace_and_delete(server, tokens, fd, clock) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    created = put(server, admin, "SHOP_KEY", {"value": SHOP_KEY,
                                             "description": "淘宝 open API key"})
    assert created.status_code == 201, created.text
    first = created.json()
    assert first == {"name": "SHOP_KEY", "description": "淘宝 open API key",
                     "created_at": first["created_at"], "created_by": "admin",
                     "updated_at": first["created_at"], "updated_by": "admin"}
    assert put(server, admin, "sms.gateway-pw", {"value": SMS_PASSWORD}).status_code == 201

    listed = server.get(BASE, admin).json()
    assert [s["name"] for s in listed] == ["SHOP_KEY", "sms.gateway-pw"]
    assert all(set(s) == {"name", "description", "created_at", "created_by", "updated_at",
                          "updated_by"} for s in listed)

    clock.advance(minutes=5)
    replaced = put(server, tokens["admin"], "SHOP_KEY", {"value": "sk_live_rotated_0043"})
    assert replaced.status_code == 200
    assert replaced.json()["created_at"] == first["created_at"]
    assert replaced.json()["updated_at"] > first["updated_at"]
    assert replaced.json()["description"] == ""  # a PUT replaces the whole secret
    with fd.uow(read_only=True) as conn:
        assert secrets.resolve(conn, fd.secret_box(), ["SHOP_KEY"]) == {
            "SHOP_KEY": "sk_live_rotated_0043"}

    assert server.call("DELETE", f"{BASE}/SHOP_KEY", admin).status_code == 204
    assert server.get(f"{BASE}/SHOP_KEY", admin).status_code == 404
    assert server.call("DELETE", f"{BASE}/SHOP_KEY", admin).status_code == 404
    assert [s["name"] for s in server.get(BASE, admin).json()] == ["sms.gateway-pw"]

    with fd.uow(read_only=True) as conn:
        trail = [(r.action, r.after or r.before) for r in conn.execute(
            select(AuditEntry.action, AuditEntry.after, AuditEntry.before)
            .where(AuditEntry.action.like("secret.%")).order_by(AuditEntry.id))]
    assert trail == [("secret.created", {"name": "SHOP_KEY"}),
                     ("secret.created", {"name": "sms.gateway-pw"}),
                     ("secret.replaced", {"name": "SHOP_KEY"}),
                     ("secret.deleted", {"name": "SHOP_KEY"})]


@pytest.mark.parametrize("who", ["agent", "supervisor", "designer"])
def test_only_admins_reach_secrets(server, tokens, who: str) -> None:  # type: ignore[no-untyped-def]
    assert put(server, tokens["admin"], "SHOP_KEY", {"value": SHOP_KEY}).status_code == 201
    token = tokens[who]
    answers = [server.get(BASE, token), server.get(f"{BASE}/SHOP_KEY", token),
               put(server, token, "SHOP_KEY", {"value": "taken-over"}),
               server.call("DELETE", f"{BASE}/SHOP_KEY", token)]
    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert all(SHOP_KEY not in a.text for a in answers)
    assert server.get(BASE).status_code == 401
    assert server.get(f"{BASE}/SHOP_KEY", tokens["admin"]).json()["updated_by"] == "admin"


@pytest.mark.parametrize(("name", "body", "field", "location"), [
    ("SHOP_KEY", {}, "value", "json"),
    ("SHOP_KEY", {"value": ""}, "value", "json"),
    ("SHOP_KEY", {"value": 12345678}, "value", "json"),
    ("SHOP_KEY", {"value": "x" * 65_537}, "value", "json"),
    ("SHOP_KEY", {"value": SHOP_KEY, "description": "d" * 501}, "description", "json"),
    ("SHOP_KEY", {"value": SHOP_KEY, "valeu": "typo"}, "valeu", "json"),
    ("1st_key", {"value": SHOP_KEY}, "name", "path"),
    ("shop key", {"value": SHOP_KEY}, "name", "path"),
    ("k" * 101, {"value": SHOP_KEY}, "name", "path"),
])
def test_bad_input_is_a_422_naming_the_field(server, tokens, fd, name: str, body: dict,  # type: ignore[no-untyped-def]
                                             field: str, location: str) -> None:
    answer = put(server, tokens["admin"], name, body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert (field, location) in [(e["field"], e["location"]) for e in problem["errors"]]
    assert SHOP_KEY not in answer.text
    with fd.uow(read_only=True) as conn:  # nothing half-written
        assert conn.execute(select(Secret.id)).first() is None
        assert conn.execute(select(AuditEntry.id).where(
            AuditEntry.action.like("secret.%"))).first() is None


def test_a_value_is_never_disclosed(server, tokens, fd, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    admin = tokens["admin"]
    answers = [put(server, admin, "SHOP_KEY", {"value": SHOP_KEY, "description": "shop"}),
               put(server, admin, "SMS", {"value": SMS_PASSWORD}),
               put(server, admin, "SHOP_KEY", {"value": SHOP_KEY, "description": "again"}),
               server.get(BASE, admin), server.get(f"{BASE}/SHOP_KEY", admin),
               server.get(f"{BASE}/SMS", admin),
               put(server, admin, "bad name", {"value": SHOP_KEY}),
               put(server, admin, "SHOP_KEY", {"value": SHOP_KEY, "extra": SHOP_KEY}),
               server.call("DELETE", f"{BASE}/SMS", admin),
               server.get("/api/v1/openapi.json")]
    assert [a.status_code for a in answers] == [201, 201, 200, 200, 200, 200, 422, 422, 204,
                                                200]
    with fd.uow(read_only=True) as conn:
        audit_rows = [json.dumps([str(v) for v in row], ensure_ascii=False) for row in
                      conn.execute(select(AuditEntry.__table__))]
        stored = [json.dumps([str(v) for v in row], ensure_ascii=False) for row in
                  conn.execute(select(Secret.__table__))]
        assert secrets.resolve(conn, fd.secret_box(), ["SHOP_KEY"]) == {"SHOP_KEY": SHOP_KEY}
    assert sum('"secret.' in row for row in audit_rows) == 4 and len(stored) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for value in (SHOP_KEY, SMS_PASSWORD):
        assert not [a.text for a in answers if value in a.text]
        assert not [row for row in audit_rows if value in row]
        assert not [row for row in stored if value in row]
        assert value not in logged
    secret_out = answers[-1].json()["components"]["schemas"]["SecretOut"]["properties"]
    assert "value" not in secret_out


def test_resolving_names_an_unknown_secret(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    assert put(server, tokens["admin"], "SMS", {"value": SMS_PASSWORD}).status_code == 201
    resolve = secrets.resolver(fd)
    assert resolve(["SMS"]) == {"SMS": SMS_PASSWORD} and resolve([]) == {}
    with pytest.raises(NotFound, match="No secret named 'A_KEY', 'B_KEY'"):
        resolve(["B_KEY", "SMS", "A_KEY"])


def test_a_sealed_value_opens_only_under_its_own_name(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    """Copying one row's ciphertext onto another (with write access to the database) does not
    send the shop's key where the SMS password was meant to go."""
    admin = tokens["admin"]
    assert put(server, admin, "SHOP_KEY", {"value": SHOP_KEY}).status_code == 201
    assert put(server, admin, "SMS", {"value": SMS_PASSWORD}).status_code == 201
    with fd.uow() as conn:
        conn.execute(text("UPDATE secrets SET ciphertext = (SELECT ciphertext FROM secrets "
                          "WHERE name = 'SHOP_KEY') WHERE name = 'SMS'"))
    with pytest.raises(Unavailable, match="'SMS' was sealed for another name"):
        secrets.resolver(fd)(["SMS"])
