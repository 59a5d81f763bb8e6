"""Who is acting: a plain value the services check permissions against.

The API builds it from a bearer token or a session cookie, the CLI and the ticker build their
own (``system``); no service needs to know which.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.errors import Forbidden

# worker: a machine account (the shop system, the IM bridge, an external-task worker): it
# sends messages and signals and fetches and completes external tasks.
ROLES = ("admin", "designer", "staff", "supervisor", "worker")


@dataclass(frozen=True)
class Principal:
    id: int
    username: str
    roles: frozenset[str]
    groups: frozenset[str]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def system(name: str, *roles: str) -> Principal:
    """A principal for work the host does itself (seeding, the CLI)."""
    return Principal(id=0, username=name, roles=frozenset(roles), groups=frozenset())


def require_role(user: Principal, *roles: str) -> None:
    if not user.has_role(*roles):
        raise Forbidden.of("role.required", roles=list(roles), user=user.username,
                           has=sorted(user.roles))
