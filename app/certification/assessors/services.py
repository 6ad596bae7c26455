"""The assessor registry of a certification body: add an existing account as an assessor (which grants
it the `assessor` role for the body), edit the entry, deactivate or reactivate it; and the board
admin's list with its search.

Accounts are never created here: an assessor signs up (or is given a staff account) first. Services
take the actor, check acts_for_body / can_manage_assessor, raise CertificationError with Indonesian
messages beside the field concerned, write the audit trail and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from app.accounts.models import User
from app.accounts.services import find_by_email, grant_role, normalize_email
from app.certification.models import Assessor, AssessorScheme, Scheme
from app.certification.permissions import acts_for_body, can_manage_assessor
from app.certification.states import CertificationError
from app.core import audit
from app.core.errors import PermissionDenied
from app.core.models import local_today
from app.core.permissions import body_filter
from app.core.roles import Role
from app.extensions import db
from app.institutions.models import Institution
from app.people.services import person_of_user
from app.reference.models import CertificationBody

CHECK_INPUT = _l("Periksa kembali isian.")
UNKNOWN_ACCOUNT = _l(
    "Tidak ada akun dengan alamat surel ini. Mohon minta calon asesor membuat akun terlebih dahulu, "
    "lalu tambahkan kembali."
)
MAX_SEARCH = 100


def _authorise(allowed: bool, object_type: str, object_id) -> None:
    if not allowed:
        raise PermissionDenied(object_type=object_type, object_id=object_id)


def _text(value: str | None) -> str:
    return (value or "").strip()


@dataclass
class AssessorData:
    """What the assessor form sends (the account's e-mail only when adding)."""

    name: str
    met_number: str
    institution_id: int | None = None
    institution_name: str = ""
    licence_valid_until: date | None = None
    scheme_ids: list[int] = field(default_factory=list)


def account_for(email: str) -> User:
    """The existing, active account of an e-mail address (refused otherwise: never created here)."""
    email = normalize_email(email or "")
    if not email:
        raise CertificationError(_l("Alamat surel akun asesor wajib diisi."), field="email")
    user = find_by_email(email)
    if user is None:
        raise CertificationError(UNKNOWN_ACCOUNT, field="email")
    if not user.active:
        raise CertificationError(_l("Akun dengan alamat surel ini tidak aktif."), field="email")
    return user


def scheme_choices(body_code: str, assessor: Assessor | None = None) -> list[Scheme]:
    """The body's schemes an assessor may be allowed to assess: those not retired, plus the ones the
    assessor already holds."""
    held = {link.scheme_id for link in assessor.schemes} if assessor is not None else set()
    stmt = select(Scheme).where(
        Scheme.body_code == body_code, or_(Scheme.retired_at.is_(None), Scheme.id.in_(held))
    )
    return list(db.session.scalars(stmt.order_by(Scheme.code)))


def institution_choices() -> list[Institution]:
    return list(db.session.scalars(select(Institution).where(Institution.active).order_by(Institution.name)))


def _check(body_code: str, data: AssessorData, assessor: Assessor | None) -> tuple[dict, Institution | None]:
    errors: dict = {}
    name, met = _text(data.name), _text(data.met_number).upper()
    if not name:
        errors["name"] = [_l("Nama asesor wajib diisi.")]
    elif len(name) > 200:
        errors["name"] = [_l("Maksimal %(n)s karakter.", n=200)]
    if not met:
        errors["met_number"] = [_l("No. MET wajib diisi.")]
    elif len(met) > 60:
        errors["met_number"] = [_l("Maksimal %(n)s karakter.", n=60)]
    elif db.session.scalar(
        select(Assessor.id).where(
            Assessor.body_code == body_code,
            func.upper(Assessor.met_number) == met,
            Assessor.id != (assessor.id if assessor else -1),
        )
    ):
        errors["met_number"] = [_l("No. MET %(met)s sudah terdaftar untuk asesor lain lembaga ini.", met=met)]
    institution = None
    if data.institution_id is not None:
        institution = db.session.get(Institution, data.institution_id)
        kept = institution is not None and institution.id == getattr(assessor, "institution_id", None)
        if institution is None or not (institution.active or kept):
            errors["institution_id"] = [_l("Pilih salah satu pilihan yang tersedia.")]
    if len(_text(data.institution_name)) > 200:
        errors["institution_name"] = [_l("Maksimal %(n)s karakter.", n=200)]
    if data.licence_valid_until is None:
        errors["licence_valid_until"] = [_l("Masa berlaku lisensi asesor wajib diisi.")]
    elif assessor is None and data.licence_valid_until < local_today():
        errors["licence_valid_until"] = [
            _l("Lisensi asesor ini sudah berakhir. Mohon isi tanggal berlaku lisensi yang masih aktif.")
        ]
    allowed = {scheme.id for scheme in scheme_choices(body_code, assessor)}
    if any(scheme_id not in allowed for scheme_id in data.scheme_ids):
        errors["scheme_ids"] = [_l("Pilih skema lembaga ini yang masih berlaku.")]
    return errors, institution


def _apply(assessor: Assessor, data: AssessorData, institution: Institution | None) -> None:
    assessor.name = _text(data.name)
    assessor.met_number = _text(data.met_number).upper()
    assessor.institution_id = institution.id if institution else None
    assessor.institution_name = _text(data.institution_name) or (institution.name if institution else "")
    assessor.licence_valid_until = data.licence_valid_until
    wanted = set(data.scheme_ids)
    for link in list(assessor.schemes):
        if link.scheme_id not in wanted:
            assessor.schemes.remove(link)
    held = {link.scheme_id for link in assessor.schemes}
    for scheme_id in sorted(wanted - held):
        assessor.schemes.append(AssessorScheme(scheme_id=scheme_id))


def add_assessor(*, body_code: str, email: str, data: AssessorData, actor) -> Assessor:
    """Register an existing account as an assessor of the body: the entry, and the account's
    `assessor` role grant for the body (unless it holds one already)."""
    body = db.session.get(CertificationBody, body_code or "")
    if body is None:
        raise CertificationError(_l("Pilih lembaga sertifikasi."), field="body_code")
    _authorise(acts_for_body(actor, body.code), "certification_body", body.code)
    user, account_error = None, None
    try:
        user = account_for(email)
    except CertificationError as error:
        account_error = error.message
    if user is not None and not _text(data.name):
        data.name = user.full_name  # the name defaults to the account's
    errors, institution = _check(body.code, data, None)
    if account_error is not None:
        errors["email"] = [account_error]
    if user is not None and db.session.scalar(
        select(Assessor.id).where(Assessor.body_code == body.code, Assessor.user_id == user.id)
    ):
        errors["email"] = [_l("Akun ini sudah terdaftar sebagai asesor lembaga ini.")]
    if errors:
        raise CertificationError(CHECK_INPUT, errors=errors)
    person = person_of_user(user.id)
    assessor = Assessor(
        body_code=body.code,
        user_id=user.id,
        person_id=person.id if person is not None else None,
        active=True,
        created_by_id=getattr(actor, "id", None),
    )
    _apply(assessor, data, institution)
    db.session.add(assessor)
    db.session.flush()
    if not any(g.certification_body_code == body.code for g in user.grants_for(Role.ASSESSOR)):
        grant_role(user, Role.ASSESSOR, body_code=body.code, actor=actor)
    audit.record(
        "assessor.added",
        object_type="assessor",
        object_id=assessor.id,
        after=assessor.audit_view(),
        actor=actor,
    )
    return assessor


def update_assessor(assessor: Assessor, data: AssessorData, actor) -> None:
    """Everything but the body and the account may change."""
    _authorise(can_manage_assessor(actor, assessor), "assessor", assessor.id)
    errors, institution = _check(assessor.body_code, data, assessor)
    if errors:
        raise CertificationError(CHECK_INPUT, errors=errors)
    before = assessor.audit_view()
    _apply(assessor, data, institution)
    db.session.flush()
    after = assessor.audit_view()
    if after != before:
        audit.record(
            "assessor.updated",
            object_type="assessor",
            object_id=assessor.id,
            before=before,
            after=after,
            actor=actor,
        )


def set_assessor_active(assessor: Assessor, active: bool, actor) -> None:
    """An inactive assessor is assigned to no new session or candidacy; their assessments, decisions
    and role grant stay (their history remains readable)."""
    _authorise(can_manage_assessor(actor, assessor), "assessor", assessor.id)
    if assessor.active == active:
        return
    before = assessor.audit_view()
    assessor.active = active
    db.session.flush()
    audit.record(
        "assessor.activated" if active else "assessor.deactivated",
        object_type="assessor",
        object_id=assessor.id,
        before=before,
        after=assessor.audit_view(),
        actor=actor,
    )


def assessors_query(user, search: str = "") -> Select:
    """The assessors of the bodies the user administers; `search` matches the name or the No. MET."""
    stmt = select(Assessor).where(body_filter(user, Assessor.body_code, (Role.BOARD_ADMIN,)))
    words = _text(search)[:MAX_SEARCH]
    if words:
        pattern = "%" + words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                func.lower(Assessor.name).like(pattern, escape="\\"),
                func.lower(Assessor.met_number).like(pattern, escape="\\"),
            )
        )
    return stmt


def licence_expired(assessor: Assessor, today: date | None = None) -> bool:
    today = today or local_today()
    return assessor.licence_valid_until is not None and assessor.licence_valid_until < today
