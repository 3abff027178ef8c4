"""Access: the user store and the append-only audit log (an SQLite file beside the data), password hashing and
the sign-in with its lockout. The roles are ``core.access``; what a user may read is confined by
``views.access``; the login page is ``dashboard.auth``; ``python -m access`` manages users from a shell."""

from .accounts import (
    FIRST_ADMIN,
    Lockout,
    SignIn,
    add_user,
    change_password,
    ensure_first_admin,
    reset_password,
    set_area,
    set_enabled,
    set_role,
    sign_in,
)
from .passwords import PasswordPolicyError, check_password
from .store import AccessStore, AuditEvent, UnknownUserError, User, UserExistsError

__all__ = [
    "FIRST_ADMIN",
    "AccessStore",
    "AuditEvent",
    "Lockout",
    "PasswordPolicyError",
    "SignIn",
    "UnknownUserError",
    "User",
    "UserExistsError",
    "add_user",
    "change_password",
    "check_password",
    "ensure_first_admin",
    "reset_password",
    "set_area",
    "set_enabled",
    "set_role",
    "sign_in",
]
