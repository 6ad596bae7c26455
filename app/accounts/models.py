"""User accounts. One role per user; officers carry their jurisdiction (region), board staff their body.

Sessions: the id Flask-Login keeps in the session is "<user id>:<session_token>". Rotating the token
(password change, deactivation) ends every existing session of that user.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.models import TimestampMixin
from app.core.roles import Role
from app.extensions import db
from app.reference.models import CertificationBody, Region


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(30), default=Role.APPLICANT, index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    certification_body_code: Mapped[str | None] = mapped_column(ForeignKey("certification_bodies.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_verified_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    region: Mapped[Region | None] = relationship()
    certification_body: Mapped[CertificationBody | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def audit_view(self) -> dict:
        """What the audit trail records about an account (never the password hash)."""
        return {
            "email": self.email,
            "full_name": self.full_name,
            "role": str(self.role),
            "region_code": self.region_code,
            "certification_body_code": self.certification_body_code,
            "active": self.active,
        }
