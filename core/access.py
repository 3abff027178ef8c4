"""Who may see what: the roles, what each may do, the signed-in user as a value, and the audited actions.

Pure vocabulary: the user store is ``access/``, the rule that confines what a user reads is ``views/access.py``,
the login is ``dashboard/auth.py``. A role is a set of permissions; pages and queries ask for permissions,
never for roles, so a city can reshape a role here without touching a page.

* **screen** (the wall screen): aggregates only: no case details, no exports;
* **analyst**: aggregates, case details (masked), exports;
* **supervisor**: an analyst who also sees the rankings and the audit of their area;
* **admin**: everything, and users, roles and settings.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Roles, least to most.
ROLES: tuple[str, ...] = ("screen", "analyst", "supervisor", "admin")

#: What a user may do. ``case_details``: single cases with their texts (map points, alerts, case lists);
#: ``export``: downloads of cases, areas and reports; ``rankings``: the red/black lists; ``audit``: the audit log
#: (of the user's area); ``users``: user management; ``settings``: the settings page.
PERMISSIONS: tuple[str, ...] = ("aggregates", "case_details", "export", "rankings", "audit", "users", "settings")

_ANALYST = frozenset({"aggregates", "case_details", "export"})
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "screen": frozenset({"aggregates"}),
    "analyst": _ANALYST,
    "supervisor": _ANALYST | {"rankings", "audit"},
    "admin": frozenset(PERMISSIONS),
}

#: Actions written to the audit log. ``login_failed`` includes attempts refused while an account or a client is
#: locked out; ``case_view``: single cases shown (map points, a case list); ``report_download``: a report.
AUDIT_ACTIONS: tuple[str, ...] = (
    "login",
    "login_failed",
    "logout",
    "session_expired",
    "export",
    "report_download",
    "case_view",
    "audit_export",
    "user_change",
)


def check_role(role: str) -> str:
    """``role`` when it is one of ``ROLES``, else a ValueError naming the valid ones."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {list(ROLES)}")
    return role


@dataclass(frozen=True)
class Principal:
    """A signed-in user as the app sees them on this page load: ``username``, ``role`` and the ``area`` (a grid
    code) they are bound to (``None``: the whole jurisdiction)."""

    username: str
    role: str
    area: str | None = None
    display_name: str = ""

    def __post_init__(self) -> None:
        check_role(self.role)
        if not self.username:
            raise ValueError("a principal needs a username")
        if self.area is not None and not self.area:
            raise ValueError("area must be a grid code or None, got ''")

    @property
    def permissions(self) -> frozenset[str]:
        return ROLE_PERMISSIONS[self.role]

    def can(self, permission: str) -> bool:
        """Whether the role grants ``permission`` (one of ``PERMISSIONS``)."""
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}; permissions: {list(PERMISSIONS)}")
        return permission in self.permissions
