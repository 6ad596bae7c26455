"""Factories for users of every role, and a login helper. Each factory opens its own short app
context and returns plain values, so tests can use the client between calls."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date

import pytest

from app.accounts import services
from app.accounts.models import User
from app.core.models import utcnow
from app.core.roles import Role
from app.extensions import db
from app.people.services import create_account_person

PASSWORD = "kata-sandi-uji-123"
_counter = itertools.count(1)

# Default scope per role, so a factory call needs only the role.
DEFAULT_SCOPE = {
    Role.AGENCY_OFFICER: {"region_code": "32.04"},
    Role.BOARD_ADMIN: {"body_code": "LSPS"},
    Role.ASSESSOR: {"body_code": "LSPS"},
    Role.TRAINING_OFFICER: {"provider_code": "BBPPKS-BANDUNG"},
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
    also: tuple = (),
    **scope,
) -> UserRef:
    """A user holding `role` (with `scope`, or the role's default scope), through the real services:
    an account, its person and its grant. `also` adds more grants: roles, or (role, scope) pairs."""
    email = email or unique_email(str(role).split("_")[0])
    with app.app_context():
        if role == Role.APPLICANT:
            user = User(email=email, full_name="Pemohon Uji")
            user.set_password(PASSWORD)
            user.email_verified_at = utcnow() if verified else None
            db.session.add(user)
            db.session.flush()
            services.grant_role(user, Role.APPLICANT)
            create_account_person(user)
        else:
            user = services.create_staff(
                email=email, full_name=f"Staf {role}", role=role, password=PASSWORD, **_scope(role, scope)
            )
        for extra in also:
            extra_role, extra_scope = extra if isinstance(extra, tuple) else (extra, {})
            services.grant_role(user, extra_role, **_scope(extra_role, extra_scope))
        user.active = active
        db.session.commit()
        return UserRef(user.id, user.email, Role(role))


def _scope(role: Role, scope: dict) -> dict:
    params = {**DEFAULT_SCOPE.get(role, {}), **scope}
    return {name: params.get(name) for name in ("region_code", "body_code", "provider_code")}


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


# --- People and registrations --------------------------------------------------------------------

_serial = itertools.count(1)
VILLAGE_BANDUNG = "32.04.12.2002"  # Desa Dayeuhkolot, Kab. Bandung, Jawa Barat
VILLAGE_SEMARANG = "33.74.01.1001"  # Kel. Miroto, Kota Semarang, Jawa Tengah


def new_nik(province_regency_district: str = "320412", day: int = 12, month: int = 8, year: int = 90) -> str:
    """A valid NIK with a serial unique to this test run (add 40 to the day for a woman)."""
    return f"{province_regency_district}{day:02d}{month:02d}{year:02d}{next(_serial) + 1000:04d}"


def profile_form_data(**overrides) -> dict:
    data = {
        "nik": new_nik(),
        "full_name": "Asep Sunandar",
        "birth_place": "Bandung",
        "birth_date": "1990-08-12",
        "sex": "L",
        "village_code-1": "32",
        "village_code-2": "32.04",
        "village_code-3": "32.04.12",
        "village_code-4": VILLAGE_BANDUNG,
        "street": "Jl. Raya Dayeuhkolot No. 10",
        "rt": "3",
        "rw": "7",
        "phone": "0812 3456 7890",
        "email": unique_email("profil"),
        "education_level_code": "S1",
        "education_field": "Kesejahteraan Sosial",
        "religion_code": "",
    }
    data.update(overrides)
    return data


def create_person(app, *, user_id: int | None = None, village: str = VILLAGE_BANDUNG, **overrides) -> int:
    """A person profile through the real service; returns its id."""
    from app.people.services import ProfileData, save_profile

    values = {
        "nik": new_nik(),
        "full_name": "Dewi Lestari",
        "birth_place": "Bandung",
        "birth_date": date(1990, 8, 12),
        "sex": "L",
        "village_code": village,
        "street": "Jl. Melati 5",
        "rt": "001",
        "rw": "002",
        "phone": "081234567890",
        "email": unique_email("orang"),
        "education_level_code": "SMA/SMK",
    }
    values.update(overrides)
    with app.app_context():
        person = save_profile(ProfileData(**values), user_id=user_id)
        db.session.commit()
        return person.id


def sample_file(kind: str = "png", size=(40, 30)) -> bytes:
    """A real PNG, JPEG or PDF made with Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    image.save(buffer, {"png": "PNG", "jpg": "JPEG", "pdf": "PDF"}[kind])
    return buffer.getvalue()


def create_registration(
    app,
    person_id: int,
    *,
    category: str = "RELAWAN",
    options: dict | None = None,
    region: str = "32.04",
    documents: bool = True,
    submit: bool = True,
) -> int:
    """A registration through the real services (draft → documents → submitted), acting as the
    SYSTEM actor (a factory is nobody in particular); returns its id."""
    from app.core.actors import SYSTEM
    from app.people.models import Person
    from app.registration import services
    from app.registration.categories import SPECS

    options = options or {"relawan_kind": "KARANG_TARUNA", "registration_level": "KABKOTA"}
    with app.app_context():
        person = db.session.get(Person, person_id)
        registration = services.save_draft(person, category, options, region, actor=SYSTEM)
        if documents:
            for kind in SPECS[category].required_documents(registration.options):
                services.upload_document(registration, kind, f"{kind}.png", io.BytesIO(sample_file()), SYSTEM)
        if submit:
            services.submit(registration, SYSTEM)
        db.session.commit()
        return registration.id
