"""User accounts and the role grants that authorise them.

A person may hold several roles at once (a training officer who is also an applicant); each role is
one RoleGrant with the scope that role needs (roles.SCOPE_OF_ROLE): a region for agency officers, a
certification body for board admins and assessors, a training provider for training officers. What
a user may open is the union of their active grants; every check asks for the grant that authorises
it (`grants_for(role)`), never for "the" role of a user.

Grants belong to the account (the user who signs in), and every account has a person record
(people.user_id, unique): the person is who someone is, the grants are what their account may do.

Sessions: the id Flask-Login keeps in the session is "<user id>:<session_token>". Rotating the token
(password change, deactivation, a grant added or revoked) ends every existing session of that user.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.models import TimestampMixin, enum_column, utcnow
from app.core.roles import SCOPE_COLUMNS, SCOPE_OF_ROLE, Role
from app.extensions import db
from app.reference.models import CertificationBody, Region, TrainingProvider


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


def _scope_check(column: str) -> CheckConstraint:
    """The column is set exactly for the roles whose scope it is (derived from SCOPE_OF_ROLE)."""
    roles = ", ".join(f"'{role.value}'" for role, scope in SCOPE_OF_ROLE.items() if scope == column)
    return CheckConstraint(
        f"(role IN ({roles}) AND {column} IS NOT NULL) OR (role NOT IN ({roles}) AND {column} IS NULL)",
        name=f"{column}_scope",
    )


class RoleGrant(db.Model):
    """One role held by an account, with its scope; revoked grants are kept (dated) for the record."""

    __tablename__ = "role_grants"
    __table_args__ = tuple(_scope_check(column) for column in SCOPE_COLUMNS)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role", 30), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    certification_body_code: Mapped[str | None] = mapped_column(ForeignKey("certification_bodies.code"))
    training_provider_code: Mapped[str | None] = mapped_column(ForeignKey("training_providers.code"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    region: Mapped[Region | None] = relationship(lazy="joined")
    certification_body: Mapped[CertificationBody | None] = relationship(lazy="joined")
    training_provider: Mapped[TrainingProvider | None] = relationship(lazy="joined")

    @property
    def scope_code(self) -> str | None:
        return self.region_code or self.certification_body_code or self.training_provider_code

    @property
    def scope_name(self) -> str | None:
        """The scope as people read it (None: national or own records)."""
        scope = self.region or self.certification_body or self.training_provider
        return scope.name if scope is not None else None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def audit_view(self) -> dict:
        return {
            "user_id": self.user_id,
            "role": str(self.role),
            "region_code": self.region_code,
            "certification_body_code": self.certification_body_code,
            "training_provider_code": self.training_provider_code,
            "revoked_at": self.revoked_at,
        }


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_verified_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # When the account's own password was set; None while a staff invitation is still open.
    password_set_at: Mapped[datetime | None]

    grants: Mapped[list[RoleGrant]] = relationship(
        foreign_keys=[RoleGrant.user_id], order_by=RoleGrant.id, viewonly=True
    )
    # Loaded once per request (the session lives as long as the request) and expired by the grant
    # services when they change a user's grants.
    active_grants: Mapped[list[RoleGrant]] = relationship(
        primaryjoin=lambda: and_(RoleGrant.user_id == User.id, RoleGrant.revoked_at.is_(None)),
        order_by=RoleGrant.id,
        viewonly=True,
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {sorted(self.roles)}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = new_session_token()
        self.password_set_at = utcnow()

    def set_unusable_password(self) -> None:
        """A random password nobody knows: the account waits for its invitation to be accepted."""
        self.set_password(new_session_token() + new_session_token())
        self.password_set_at = None

    @property
    def invitation_pending(self) -> bool:
        """A staff account whose invitation has not been accepted yet (no password of its own)."""
        return self.password_set_at is None

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # --- Roles ---------------------------------------------------------------------------------

    @property
    def roles(self) -> frozenset[Role]:
        """Every role the user holds now (the union decides what they may open)."""
        return frozenset(Role(grant.role) for grant in self.active_grants)

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    def grants_for(self, *roles: Role) -> list[RoleGrant]:
        """The active grants of these roles: the ones that can authorise an action."""
        return [grant for grant in self.active_grants if Role(grant.role) in roles]

    @property
    def is_staff(self) -> bool:
        return any(role is not Role.APPLICANT for role in self.roles)

    def audit_view(self) -> dict:
        """What the audit trail records about an account (never the password hash)."""
        return {
            "email": self.email,
            "full_name": self.full_name,
            "roles": sorted(
                f"{grant.role}:{grant.scope_code}" if grant.scope_code else str(grant.role)
                for grant in self.active_grants
            ),
            "active": self.active,
        }
