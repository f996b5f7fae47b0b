"""Who may do what: the role → permission table that services consult on every call."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from reviewdesk.errors import Forbidden


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"
    REVIEWER = "reviewer"


class Permission(StrEnum):
    INGEST = "ingest"
    READ_RUNS = "read_runs"
    READ_PROJECTS = "read_projects"
    WRITE_PROJECTS = "write_projects"
    READ_FEEDBACK = "read_feedback"
    WRITE_FEEDBACK = "write_feedback"
    READ_CONFIGS = "read_configs"
    MANAGE_CONFIGS = "manage_configs"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    MANAGE_QUEUES = "manage_queues"
    MANAGE_DATASETS = "manage_datasets"
    # Webhooks send data to a URL of the caller's choosing from inside our network: admins only.
    MANAGE_WEBHOOKS = "manage_webhooks"
    ADJUDICATE = "adjudicate"  # settle disagreeing reviews; admins, or users granted it


# Permissions a user can be granted beyond its role (users.permissions).
GRANTABLE = frozenset({Permission.ADJUDICATE})


_MEMBER = frozenset(
    {
        Permission.INGEST,
        Permission.READ_RUNS,
        Permission.READ_PROJECTS,
        Permission.WRITE_PROJECTS,
        Permission.READ_FEEDBACK,
        Permission.WRITE_FEEDBACK,
        Permission.READ_CONFIGS,
        Permission.MANAGE_CONFIGS,
        Permission.MANAGE_QUEUES,
        Permission.MANAGE_DATASETS,
    }
)

# Reviewers see their queues' items only (granted per item by the queue services), never the project.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MEMBER: _MEMBER,
    Role.REVIEWER: frozenset({Permission.READ_CONFIGS}),
}


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of a service function."""

    user_id: UUID | None
    email: str
    role: Role
    grants: frozenset[str] = field(default_factory=frozenset)  # granted beyond the role

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role] or str(permission) in self.grants

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden(f"the {self.role.value} role may not {permission.value.replace('_', ' ')}")


SYSTEM_ACTOR = Actor(user_id=None, email="system", role=Role.ADMIN)
