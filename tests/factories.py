"""Factories for users of every role, and a login helper. Each factory opens its own short app
context and returns plain values, so tests can use the client between calls."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from app.accounts import services
from app.accounts.models import User
from app.core.models import utcnow
from app.core.roles import Role
from app.extensions import db

PASSWORD = "kata-sandi-uji-123"
_counter = itertools.count(1)

# Default scope per role, so a factory call needs only the role.
DEFAULT_SCOPE = {
    Role.AGENCY_OFFICER: {"region_code": "32.04"},
    Role.BOARD_ADMIN: {"body_code": "LSPS"},
    Role.ASSESSOR: {"body_code": "LSPS"},
}


@dataclass(frozen=True)
class UserRef:
    id: int
    email: str
    role: Role
    password: str = PASSWORD


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}{next(_counter)}-{id(_counter)}@uji.example.id"


def create_user(
    app,
    role: Role = Role.APPLICANT,
    *,
    email: str | None = None,
    verified=True,
    active=True,
    **scope,
) -> UserRef:
    email = email or unique_email(str(role).split("_")[0])
    with app.app_context():
        if role == Role.APPLICANT:
            user = User(email=email, full_name="Pemohon Uji", role=role)
            user.set_password(PASSWORD)
            user.email_verified_at = utcnow() if verified else None
            db.session.add(user)
        else:
            params = {**DEFAULT_SCOPE.get(role, {}), **scope}
            user = services.create_staff(
                email=email,
                full_name=f"Staf {role}",
                role=role,
                password=PASSWORD,
                region_code=params.get("region_code"),
                body_code=params.get("body_code"),
            )
        user.active = active
        db.session.commit()
        return UserRef(user.id, user.email, Role(user.role))


def login(client, user: UserRef | str, password: str = PASSWORD):
    email = user if isinstance(user, str) else user.email
    return client.post("/akun/masuk", data={"email": email, "password": password})


@pytest.fixture
def make_user(app):
    def factory(role: Role = Role.APPLICANT, **kwargs) -> UserRef:
        return create_user(app, role, **kwargs)

    return factory


@pytest.fixture
def logged_in(app, client):
    """Log the client in as a new user of the given role and return that user."""

    def as_role(role: Role = Role.APPLICANT, **kwargs) -> UserRef:
        user = create_user(app, role, **kwargs)
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return as_role
