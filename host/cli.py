"""The ``flowdesk`` command: serve, worker, deploy, test, users, tokens, db upgrade, demo-users,
retention.

Only light modules are imported at the top: ``flowdesk serve`` stays the server's master
process, which forks the workers and builds no app, so the database, SQLAlchemy and
SpiffWorkflow (about 60 MB) are imported by the commands that use them, not here.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from engine.errors import InvalidModel
from services.errors import ServiceError

if TYPE_CHECKING:
    from services.context import Flowdesk
    from services.settings import Settings


def _settings() -> Settings:
    from services.settings import Settings
    return Settings()


def _flowdesk() -> Flowdesk:
    from services.context import Flowdesk
    return Flowdesk(_settings())


@click.group()
def main() -> None:
    """Flowdesk: a workflow engine for customer-service organisations."""


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Bring the schema up to date."""
    from host.migrate import upgrade
    url = _settings().database_url
    upgrade(url, revision)
    click.echo(f"database at revision {revision}: {_redact(url)}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--by", "actor", default="cli", show_default=True, help="recorded as deployer")
@click.option("--group", "process_group", default=None,
              help="process group of processes deployed for the first time (default: cs)")
def deploy(path: Path, actor: str, process_group: str | None) -> None:
    """Deploy a process folder, a folder of process folders, or one file."""
    from services.definitions import deploy_path
    fd = _flowdesk()
    try:
        results = deploy_path(fd, path, actor, process_group)
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    except InvalidModel as exc:
        click.echo("deployment rejected:", err=True)
        for p in exc.problems:
            where = ":".join(str(x) for x in (p.file, p.line) if x)
            click.echo(f"  {where} [{p.element_id or '-'}] {p.message}", err=True)
        sys.exit(1)
    for row, created in results:
        verb = "deployed" if created else "unchanged"
        click.echo(f"{verb}: {row.key} version {row.version} (id {row.id})")
    if not results:
        click.echo("nothing to deploy: no .bpmn files found", err=True)
        sys.exit(1)


@main.group()
def users() -> None:
    """Users, roles and groups."""


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, default=["staff"], show_default=True,
              help="admin, designer, staff, supervisor or worker (a machine account "
                   "for external tasks); repeatable")
@click.option("--group", "groups", multiple=True, help="a group (lane name); repeatable")
@click.option("--name", "display_name", default="")
def users_create(username: str, roles: tuple[str, ...], groups: tuple[str, ...],
                 display_name: str) -> None:
    """Create a user, or add roles and groups to an existing one."""
    from services.identity import ensure_user
    try:
        _id, created = ensure_user(_flowdesk(), username, roles, groups, display_name)
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"{'created' if created else 'updated'} user {username}")


@users.command("list")
def users_list() -> None:
    """List users with their roles and groups."""
    from services.identity import list_users
    for u in list_users(_flowdesk()):
        click.echo(f"{u['username']:<16} roles={','.join(u['roles']):<32} "
                   f"groups={','.join(u['groups'])}" + ("" if u["active"] else " (disabled)"))


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="cli")
@click.option("--expires-in", default=None, metavar="LIFETIME",
              help="e.g. 30d, 12h, 90m or 2w; without it the token lasts until revoked")
def tokens_create(username: str, name: str, expires_in: str | None) -> None:
    """Print a new bearer token for USERNAME (shown once; stored hashed)."""
    from services.api_tokens import create_token, parse_lifetime
    try:
        lifetime = parse_lifetime(expires_in, "--expires-in") if expires_in else None
        click.echo(create_token(_flowdesk(), username, name, lifetime))
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None


@tokens.command("list")
@click.argument("username", required=False)
def tokens_list(username: str | None) -> None:
    """List tokens (of USERNAME): id, user, name, state, created, expires, last used (to within a
    few minutes; never the token itself)."""
    from services.api_tokens import list_tokens
    try:
        rows = list_tokens(_flowdesk(), username)
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    for t in rows:
        expires = t["expires_at"].isoformat(timespec="minutes") if t["expires_at"] else "never"
        used = t["last_used_at"].isoformat(timespec="minutes") if t["last_used_at"] else "never"
        click.echo(f"{t['id']:>5} {t['username']:<16} {t['name']:<12} {t['state']:<13} "
                   f"created={t['created_at'].isoformat(timespec='minutes')} "
                   f"expires={expires} last_used={used}")


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke token ID (see `tokens list`): its next request is refused, on every node."""
    from services.api_tokens import revoke_token
    try:
        changed = revoke_token(_flowdesk(), token_id)
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"token {token_id} {'revoked' if changed else 'was already revoked'}")


def _set_active(username: str, active: bool) -> None:
    from services.identity import set_active
    try:
        changed = set_active(_flowdesk(), username, active)
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    state = "enabled" if active else "disabled"
    click.echo(f"user {username} {state}" if changed else f"user {username} was already {state}")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable USERNAME: their sessions end and their tokens stop, on the next request."""
    _set_active(username, False)


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable USERNAME again (their tokens work again; they sign in anew)."""
    _set_active(username, True)


@users.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 8 characters (asked for when not given).")
def users_set_password(username: str, password: str) -> None:
    """Let USER sign in to the web UI with a password."""
    from services.identity import set_password
    try:
        set_password(_flowdesk(), username, password)
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"password set for {username}")


@main.command("demo-users")
def demo_users() -> None:
    """Create demo users admin, agent, supervisor, designer (if missing) and print a new token
    for each, their groups, and a web sign-in password for those that had none (made now,
    never stored in the repository); a restart keeps the passwords people already use. Admin
    and designer design the default process group."""
    from services.passwords import new_password
    from services.identity import (DEMO_DESIGNERS, DEMO_USERS, create_token, ensure_user,
                                   has_password, set_password)
    from services.principal import system
    from services.process_group_admin import add_default_designers
    fd = _flowdesk()
    for username, (roles, groups) in DEMO_USERS.items():
        ensure_user(fd, username, roles, groups)
    add_default_designers(fd, system("demo-users", "admin"), DEMO_DESIGNERS)
    for username, (roles, groups) in DEMO_USERS.items():
        token = create_token(fd, username, "demo")
        if has_password(fd, username):
            password = "(unchanged)"
        else:
            password = new_password()
            set_password(fd, username, password, actor="demo-users")
        click.echo(f"{username:<11} roles={','.join(roles):<34} "
                   f"groups={','.join(groups) or '-':<28} token={token} password={password}")
    click.echo("Passwords are shown once, when made; `flowdesk users set-password NAME` sets "
               "a new one.")


@main.group()
def retention() -> None:
    """Retention of finished cases (the rules are set in the admin console or API)."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="only count what each rule would remove now")
def retention_run(dry_run: bool) -> None:
    """Apply the retention rules now, as the ticker's housekeeping does."""
    from services import retention as rules
    results = rules.run(_flowdesk(), "cli", dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for r in results:
        click.echo(f"{r['process_key']}: {verb} {r['cases']} finished case(s) ended before "
                   f"{r['cutoff'].isoformat()} ({r['mode']}, kept {r['days']} days)")
    if not results:
        click.echo("no retention rules: every finished case is kept")


@retention.command("export")
@click.option("--process", "process_key", default=None, help="only this process's cases")
@click.option("--ended-before", type=click.DateTime(), default=None,
              help="only cases that ended before this instant (the server's time zone)")
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-",
              help="the file to write (default: standard output)")
def retention_export(process_key: str | None, ended_before: Any, out: Any) -> None:
    """Write archived cases as JSON lines (one case per line: its row, tasks, incidents, SLA
    clocks and audit rows), e.g. to keep them elsewhere before deleting the archive."""
    import json
    from zoneinfo import ZoneInfo

    from services import retention as rules
    from services.principal import system
    fd = _flowdesk()
    try:
        if ended_before is not None and ended_before.tzinfo is None:
            ended_before = ended_before.replace(tzinfo=ZoneInfo(fd.settings.timezone))
        count = 0
        for case in rules.export_archive(fd, system("cli", "admin"), process_key, ended_before):
            out.write(json.dumps(case, default=str, ensure_ascii=False) + "\n")  # dates as text
            count += 1
    finally:
        fd.dispose()  # its pool's connections closed (it may run inside another process)
    click.echo(f"{count} archived case(s) written", err=True)


@main.group("secrets")
def secrets_group() -> None:
    """The key that seals stored secrets (their values are set through the admin API)."""


@secrets_group.command("generate-key")
def secrets_generate_key() -> None:
    """Print a new key (for FLOWDESK_SECRETS_KEY or a key file)."""
    from services.secret_keys import generate_key
    click.echo(generate_key())


@secrets_group.command("rotate-key")
def secrets_rotate_key() -> None:
    """Put a new key first in the key file and seal every stored secret with it; the older
    keys stay below it (delete those lines once no process or backup needs them)."""
    from services.secret_keys import key_file, prepend_key
    path = key_file(_settings())
    if path is None:
        raise click.ClickException(
            "The key comes from FLOWDESK_SECRETS_KEY (or nowhere): put a new key from "
            "`flowdesk secrets generate-key` first in it, keep the old one after a comma, "
            "restart Flowdesk and run `flowdesk secrets reseal`.")
    prepend_key(path)
    click.echo(f"new key first in {path}")
    _reseal()


@secrets_group.command("reseal")
def secrets_reseal() -> None:
    """Seal every stored secret again with the first key (after adding a key in front)."""
    _reseal()


def _reseal() -> None:
    from services.secrets import reseal_all
    try:
        resealed, skipped = reseal_all(_flowdesk(), "cli")
    except ServiceError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"resealed {resealed} secret(s)"
               + (f"; {skipped} changed meanwhile (already sealed by their writer)"
                  if skipped else ""))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=click.IntRange(min=1),
              help="Request threads per worker process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              envvar="FLOWDESK_WORKERS",
              help="Worker processes (about one per core; PostgreSQL is the store to scale on).")
@click.option("--no-ticker", is_flag=True, help="Do not fire timers here (run `flowdesk worker`).")
@click.option("--server", type=click.Choice(["granian", "gunicorn"]), default="granian",
              show_default=True, envvar="FLOWDESK_SERVER", help="The HTTP server.")
def serve(host: str, port: int, threads: int, workers: int, no_ticker: bool,
          server: str) -> None:
    """Serve the API and pages (worker processes with request threads); one worker of
    them fires due timers."""
    from host.server import run
    run(host, port, threads, with_ticker=not no_ticker, server=server, workers=workers)


@main.command()
@click.option("--interval", type=float, default=None,
              help="Seconds between ticks (default FLOWDESK_TICK_SECONDS or 0.25).")
def worker(interval: float | None) -> None:
    """Only fire due work (timers, scheduled starts, SLA events, deliveries) and do the
    connectors' calls (the http operator); run as many as you like."""
    import logging
    import signal
    import threading

    from host.connector_worker import ConnectorWorker
    from host.ticker import Ticker
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    fd = _flowdesk()
    ticker = Ticker(fd, interval).start()
    connectors = ConnectorWorker(fd).start()
    click.echo(f"flowdesk worker {ticker.node}: ticking every {ticker.interval:g} s", err=True)
    stop.wait()
    connectors.stop()
    ticker.stop()


@main.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the results as JUnit XML to this file.")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Print per process the flows and elements the scenarios reached.")
@click.option("--coverage-json", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the coverage per process as JSON to this file.")
def test(paths: tuple[Path, ...], junit: Path | None, show_coverage: bool,
         coverage_json: Path | None) -> None:
    """Run the scenario tests (processes/<name>/tests/*.yaml) in PATHS (default processes/)
    on throwaway stores with a virtual clock; exit 1 if any fails."""
    from host.test_command import run
    sys.exit(run(list(paths), junit, show_coverage, coverage_json))


if __name__ == "__main__":
    main()
