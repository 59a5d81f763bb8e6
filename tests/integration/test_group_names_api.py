"""Group display names: seeded for the shipped groups, set by admins, audited."""
from __future__ import annotations


def test_groups_have_display_names_admins_can_change(server, tokens) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    groups = {g["name"]: g["display_name"]
              for g in server.get("/api/v1/admin/groups", admin).json()}
    assert groups["Agent"] == "前台客服" and groups["ComplaintGroup"] == "投诉组"
    assert groups["Supervisor"] == "主管"

    r = server.call("PATCH", "/api/v1/admin/groups/Agent", admin,
                    json={"display_name": " 前台 "})
    assert r.ok and r.json() == {"name": "Agent", "display_name": "前台"}
    assert server.call("PATCH", "/api/v1/admin/groups/Agent", tokens["agent"],
                       json={"display_name": "x"}).status_code == 403
    assert server.call("PATCH", "/api/v1/admin/groups/Nobody", admin,
                       json={"display_name": "x"}).status_code == 404
    bad = server.call("PATCH", "/api/v1/admin/groups/Agent", admin, json={"display_name": "x" * 101})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "display_name"
    assert server.call("PATCH", "/api/v1/admin/groups/Agent", admin,
                       json={"display_name": ""}).json()["display_name"] is None
