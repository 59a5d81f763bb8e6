"""The ``flowdesk`` command against a real (SQLite) database."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from host.cli import main
from tests.conftest import PROCESSES, scripted_bundle


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    return runner


def test_deploy_is_idempotent(cli: CliRunner) -> None:
    first = cli.invoke(main, ["deploy", str(PROCESSES)])
    assert first.exit_code == 0 and "deployed: complaint_handling version 1" in first.output
    again = cli.invoke(main, ["deploy", str(PROCESSES)])
    assert again.exit_code == 0 and "unchanged: complaint_handling version 1" in again.output


def test_deploy_reports_every_problem_and_fails(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "scripted.bpmn").write_bytes(scripted_bundle("import os")["scripted.bpmn"])
    result = cli.invoke(main, ["deploy", str(bad)])
    assert result.exit_code == 1
    assert "scripted.bpmn:13 [compute]" in result.output and "import" in result.output


def test_users_tokens_and_demo_users(cli: CliRunner) -> None:
    assert cli.invoke(main, ["users", "create", "li", "--role", "staff", "--group", "Agent"]
                      ).exit_code == 0
    assert cli.invoke(main, ["users", "create", "x", "--role", "boss"]).exit_code != 0
    listing = cli.invoke(main, ["users", "list"]).output
    assert "li" in listing and "groups=Agent" in listing and "x " not in listing
    token = cli.invoke(main, ["tokens", "create", "li"]).output.strip()
    assert token.startswith("fd_") and len(token) > 40
    assert cli.invoke(main, ["tokens", "create", "ghost"]).exit_code != 0
    # a machine account for external tasks: the role worker alone, no group
    assert cli.invoke(main, ["users", "create", "receipt-bot", "--role", "worker"]).exit_code == 0
    bot = next(line for line in cli.invoke(main, ["users", "list"]).output.splitlines()
               if line.startswith("receipt-bot"))
    assert "roles=worker " in bot
    assert cli.invoke(main, ["tokens", "create", "receipt-bot"]).output.startswith("fd_")
    demo = cli.invoke(main, ["demo-users"])
    assert demo.exit_code == 0
    assert [line.split()[0] for line in demo.output.splitlines()[:4]] == ["admin", "agent",
                                                                          "supervisor", "designer"]
    assert demo.output.count("token=fd_") == 4


def _demo_lines(output: str) -> dict[str, str]:
    return {line.split()[0]: line for line in output.splitlines()[:4]}


def test_demo_users_keep_their_passwords_on_a_second_start(cli: CliRunner) -> None:
    """run.sh calls demo-users on every start: the first makes and prints the passwords, the
    second keeps them (printing none), so a restart locks nobody out; groups are printed."""
    from services.authentication import check_password
    from services.context import Flowdesk
    from services.settings import Settings
    first = cli.invoke(main, ["demo-users"])
    assert first.exit_code == 0, first.output
    lines = _demo_lines(first.output)
    passwords = {name: line.split("password=")[1].strip() for name, line in lines.items()}
    assert all(len(p) >= 8 and p != "(unchanged)" for p in passwords.values()), passwords
    assert "groups=Agent,AfterSales,ServiceAssistant" in lines["agent"]
    assert "groups=-" in lines["designer"]
    second = cli.invoke(main, ["demo-users"])
    assert second.exit_code == 0, second.output
    again = _demo_lines(second.output)
    assert all("password=(unchanged)" in line for line in again.values()), second.output
    assert all(p not in second.output for p in passwords.values())
    assert second.output.count("token=fd_") == 4
    fd = Flowdesk(Settings())
    assert check_password(fd, "agent", passwords["agent"], "127.0.0.1") is not None


def test_deploy_puts_new_processes_into_the_default_group_or_the_named_one(
        cli: CliRunner) -> None:
    from sqlalchemy import select

    from services.context import Flowdesk
    from services.process_groups import GROUPS, KEYS
    from services.settings import Settings
    from tests.conftest import RESOURCES
    refused = cli.invoke(main, ["deploy", str(RESOURCES / "three_steps"), "--group", "nope"])
    assert refused.exit_code != 0 and "no process group 'nope'" in refused.output
    assert cli.invoke(main, ["deploy", str(RESOURCES / "three_steps")]).exit_code == 0
    fd = Flowdesk(Settings())
    with fd.uow(read_only=True) as conn:
        placed = conn.execute(select(KEYS.c.key, GROUPS.c.name)
                              .join(GROUPS, GROUPS.c.id == KEYS.c.group_id)).all()
    fd.dispose()
    assert [tuple(row) for row in placed] == [("three_steps", "cs")]


def test_deploy_seeds_a_folders_sla_json_once(cli: CliRunner, tmp_path: Path) -> None:
    import json
    import shutil

    from services.settings import Settings
    from services.context import Flowdesk
    from services.sla.book import calendars, policies
    from sqlalchemy import select
    from tests.conftest import RESOURCES
    folder = tmp_path / "three"
    shutil.copytree(RESOURCES / "three_steps", folder)
    config = {"calendars": {"office": {"timezone": "Asia/Shanghai", "country": "CN",
                                       "windows": {"mon": [["09:00", "18:00"]]}}},
              "policies": {"step_one_4h": {"process_key": "three_steps", "target": "task",
                                           "target_ref": "step_one", "clock": "resolution",
                                           "duration": "PT4H", "calendar": "office"}}}
    (folder / "sla.json").write_text(json.dumps(config))
    assert cli.invoke(main, ["deploy", str(folder)]).exit_code == 0
    fd = Flowdesk(Settings())
    with fd.uow(read_only=True) as conn:
        assert [r.name for r in conn.execute(select(calendars.c.name))] == ["office"]
        assert [r.config["duration"] for r in conn.execute(select(policies.c.config))] == ["PT4H"]
    config["policies"]["step_one_4h"]["duration"] = "PT8H"  # an admin's value is kept
    (folder / "sla.json").write_text(json.dumps(config))
    assert cli.invoke(main, ["deploy", str(folder)]).exit_code == 0
    with fd.uow(read_only=True) as conn:
        assert [r.config["duration"] for r in conn.execute(select(policies.c.config))] == ["PT4H"]
    fd.dispose()


def test_rotating_the_secrets_key_reseals_every_secret(cli: CliRunner, tmp_path: Path) -> None:
    from services.context import Flowdesk
    from services.principal import system
    from services.secret_keys import SecretBox, read_key_file
    from services.secrets import put_secret, resolver
    from services.settings import Settings
    fd = Flowdesk(Settings())
    try:
        put_secret(fd, system("test", "admin"), "SHOP_KEY", "sk_live_1")
        key_file = tmp_path / "cli.db.secrets-key"  # made beside the database on first use
        [old] = read_key_file(key_file)

        rotated = cli.invoke(main, ["secrets", "rotate-key"])
        assert rotated.exit_code == 0, rotated.output
        assert "resealed 1 secret(s)" in rotated.output and "sk_live_1" not in rotated.output
        new, kept = read_key_file(key_file)
        assert kept == old
        with fd.uow(read_only=True) as conn:
            token = conn.execute(text("SELECT ciphertext FROM secrets")).scalar_one()
        assert SecretBox([new]).open("SHOP_KEY", token) == "sk_live_1"  # sealed by the new key
        assert resolver(fd)(["SHOP_KEY"]) == {"SHOP_KEY": "sk_live_1"}

        fresh_key = cli.invoke(main, ["secrets", "generate-key"]).output.strip()
        assert SecretBox([fresh_key]) and fresh_key not in (old, new)
    finally:
        fd.dispose()


def test_with_the_key_in_the_environment_rotation_is_explained(
        cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.secret_keys import generate_key
    monkeypatch.setenv("FLOWDESK_SECRETS_KEY", generate_key())
    refused = cli.invoke(main, ["secrets", "rotate-key"])
    assert refused.exit_code != 0 and "flowdesk secrets reseal" in refused.output
    assert cli.invoke(main, ["secrets", "reseal"]).output.strip() == "resealed 0 secret(s)"


def test_disable_enable_and_tokens_that_expire_or_are_revoked(cli: CliRunner) -> None:
    from services.authentication import principal_for_token
    from services.context import Flowdesk
    from services.settings import Settings
    assert cli.invoke(main, ["users", "create", "li"]).exit_code == 0
    token = cli.invoke(main, ["tokens", "create", "li", "--name", "laptop",
                              "--expires-in", "30d"]).output.strip()
    assert token.startswith("fd_")
    bad = cli.invoke(main, ["tokens", "create", "li", "--expires-in", "forever"])
    assert bad.exit_code != 0 and "30d" in bad.output
    fd = Flowdesk(Settings())
    try:
        assert principal_for_token(fd, token).username == "li"
        disabled = cli.invoke(main, ["users", "disable", "li"])
        assert disabled.exit_code == 0 and "user li disabled" in disabled.output
        assert principal_for_token(fd, token) is None
        assert "(disabled)" in cli.invoke(main, ["users", "list"]).output
        assert "already disabled" in cli.invoke(main, ["users", "disable", "li"]).output
        assert cli.invoke(main, ["users", "disable", "ghost"]).exit_code != 0
        assert cli.invoke(main, ["users", "enable", "li"]).exit_code == 0
        assert principal_for_token(fd, token).username == "li"

        [line] = cli.invoke(main, ["tokens", "list", "li"]).output.splitlines()
        token_id, username, name, state = line.split()[:4]
        assert (username, name, state) == ("li", "laptop", "active")
        assert "expires=never" not in line and token not in line
        assert "last_used=" in line and "last_used=never" not in line  # it was used above
        revoked = cli.invoke(main, ["tokens", "revoke", token_id])
        assert revoked.exit_code == 0 and f"token {token_id} revoked" in revoked.output
        assert principal_for_token(fd, token) is None
        assert " revoked " in cli.invoke(main, ["tokens", "list"]).output
        assert cli.invoke(main, ["tokens", "revoke", "9999"]).exit_code != 0
        assert cli.invoke(main, ["tokens", "list", "ghost"]).exit_code != 0
    finally:
        fd.dispose()


def test_retention_run_says_what_it_did_and_would_do(cli: CliRunner) -> None:
    from services import retention
    from services.context import Flowdesk
    from services.principal import system
    from services.settings import Settings
    from store.queries import definitions
    assert cli.invoke(main, ["retention", "run"]).output.startswith("no retention rules")
    assert cli.invoke(main, ["deploy", str(PROCESSES / "approvals")]).exit_code == 0
    fd = Flowdesk(Settings())
    try:
        with fd.uow(read_only=True) as conn:
            process = conn.scalar(definitions.select().with_only_columns(definitions.c.key)
                                  .limit(1))
        retention.put_rule(fd, system("cli-test", "admin"), process, 30, "delete")
    finally:
        fd.dispose()
    for args, verb in ((["--dry-run"], "would remove 0"), ([], "removed 0")):
        result = cli.invoke(main, ["retention", "run", *args])
        assert result.exit_code == 0, result.output
        assert f"{process}: {verb} finished case(s)" in result.output
        assert "(delete, kept 30 days)" in result.output
