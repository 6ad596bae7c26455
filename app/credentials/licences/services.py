"""Practice licences (SIPPS): the holder applies and may withdraw or end; the agency officer of the
practice place's regency (or a ministry admin) grants, refuses, suspends, reinstates, revokes and
ends. Views, the demo chain and tests call these; nothing here commits (app/core/unit_of_work.py).

Applying (`apply`)
- A Pekerja Sosial (the certificate's scheme version targets category PEKSOS) whose certificate is
  live-active applies for one practice place: practice type, place name, address, village, STR number
  and expiry (in the future), proof of the place and a health letter (restricted; opened only by the
  holder and whoever may decide, documents.permissions). Every problem is reported at once, by field.
- `place_key` is the village and the place name (case-folded, spaces collapsed): one open or held
  licence per person and place (`uq_licences_open_place`; a concurrent twin is refused too).

Granting (`grant`), each refusal with its reason
- The issuer's keys can sign (credentials.documents.check_issuer), else nothing is granted.
- The certificate is live-active and a Pekerja Sosial one (read under its row lock, so a suspension
  or revocation at the same moment is either seen here or cascades to the licence granted); the STR
  is still valid.
- At most LICENCE_MAX_ACTIVE held (active or suspended) licences per person: the person's row is
  locked (PostgreSQL `SELECT … FOR UPDATE`; SQLite's single writer serialises grants) before counting,
  so two officers granting a second and a third licence at once cannot both win.
- Valid from today until the earliest of the certificate's validity, the STR's expiry and today +
  LICENCE_TERM_YEARS; numbered in the "licence" series of the regency; its signed PDF is registered in
  the same transaction (credentials.documents.register_signed) and rendered by `render_licence_pdf`
  after the commit. A grant or a refusal (or a withdrawal) sets the health letter's `delete_after`
  (HEALTH_LETTER_RETENTION_DAYS), so the daily purge deletes it.

Changes after the grant go through LICENCE_LIFECYCLE with `can_decide_licence`; the cascade from the
certificate lives in credentials/services.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.certification.models import SchemeVersion
from app.core import audit, mail
from app.core.actors import SYSTEM, is_system
from app.core.display import region_title
from app.core.errors import PermissionDenied
from app.core.jobs import enqueue_after_commit, job
from app.core.models import local_today, utcnow
from app.core.numbering import number_for
from app.core.permissions import jurisdiction_filter
from app.core.roles import Role
from app.core.unit_of_work import unit_of_work
from app.core.urls import external_url
from app.credentials import documents as credential_documents
from app.credentials.models import Certificate, Licence
from app.credentials.permissions import can_decide_licence, can_view_licence, is_holder
from app.credentials.services import live_certificate_status
from app.credentials.states import (
    LICENCE_END_REASON_LABELS,
    LICENCE_HELD,
    LICENCE_LIFECYCLE,
    PRACTICE_TYPE_LABELS,
    CertificateStatus,
    CredentialError,
    LicenceAction,
    LicenceEndReason,
    LicenceStatus,
    PracticeType,
)
from app.documents import issuing
from app.documents import services as documents
from app.documents.evidence import Evidence
from app.documents.models import Document, IssuedDocument, IssuedKind, Purpose
from app.documents.permissions import OwnerRules, register_owner
from app.extensions import db
from app.people.models import Person
from app.reference.models import VILLAGE, Region, province_of, regency_of
from app.reference.regions import region_path

ISSUER = "SIPPS"
TEMPLATE = "licence"  # documents.layouts
PEKERJA_SOSIAL = "PEKSOS"
MAX_PLACE_NAME = 200
MAX_STR_NUMBER = 60
PLACE_KEY_LENGTH = 260  # licences.place_key (case folding may lengthen a name: "ß" → "ss")
DOCUMENT_LABELS = {
    Purpose.PRACTICE_PLACE_PROOF: _l("Bukti tempat praktik"),
    Purpose.HEALTH_LETTER: _l("Surat keterangan sehat"),
}


def _is_applicant_holder(user: Any, licence: Licence) -> bool:
    return is_holder(user, licence) and user.has_role(Role.APPLICANT)


def can_withdraw(user: Any, licence: Licence) -> bool:
    return licence.status == LicenceStatus.SUBMITTED and _is_applicant_holder(user, licence)


def can_end_own(user: Any, licence: Licence) -> bool:
    return licence.status in LICENCE_HELD and _is_applicant_holder(user, licence)


# Proof of the place: whoever may see the licence; the health letter (restricted): the holder and
# whoever may decide on the licence.
register_owner(
    "licence", OwnerRules(can_view=can_view_licence, is_owner=is_holder, is_decider=can_decide_licence)
)

TEMPLATE_CHECKS = {"can_withdraw_licence": can_withdraw, "can_end_own_licence": can_end_own}


# --- Which certificates a licence may rest on --------------------------------------------------------


def is_social_worker_certificate(certificate: Certificate) -> bool:
    return certificate.version.category_code == PEKERJA_SOSIAL


def certificate_problem(certificate: Certificate, today: date) -> Any:
    """Why a licence cannot rest on this certificate now (None when it can)."""
    if not is_social_worker_certificate(certificate):
        return _l(
            "Sertifikat %(number)s bukan sertifikat Pekerja Sosial; izin praktik hanya untuk Pekerja Sosial.",
            number=certificate.number,
        )
    status = live_certificate_status(certificate, today)
    if status != CertificateStatus.ACTIVE:
        return _l(
            "Sertifikat kompetensi %(number)s berstatus %(status)s; izin praktik hanya dapat diberikan "
            "atas sertifikat yang aktif.",
            number=certificate.number,
            status=str(status.label).lower(),
        )
    return None


def eligible_certificates(person_id: int, today: date | None = None) -> list[Certificate]:
    """The person's live-active Pekerja Sosial certificates (what an application may rest on)."""
    today = today or local_today()
    stmt = (
        select(Certificate)
        .join(SchemeVersion, SchemeVersion.id == Certificate.version_id)
        .where(
            Certificate.person_id == person_id,
            Certificate.status == CertificateStatus.ACTIVE,
            Certificate.valid_until >= today,
            SchemeVersion.category_code == PEKERJA_SOSIAL,
        )
        .options(joinedload(Certificate.version))
        .order_by(Certificate.id.desc())
    )
    return list(db.session.scalars(stmt).unique())


# --- Applying --------------------------------------------------------------------------------------


@dataclass
class Application:
    certificate_id: int | None
    practice_type: str
    place_name: str
    address: str
    region_code: str | None
    str_number: str
    str_expires_on: date | None


def normalise_place(name: str) -> str:
    return " ".join((name or "").split())


def place_key(region_code: str, place_name: str) -> str:
    """The village and the place name, case-folded with spaces collapsed ("35.73.01.1001|praktik x")."""
    return f"{region_code}|{normalise_place(place_name).casefold()}"[:PLACE_KEY_LENGTH]


def application_errors(
    person: Person, values: Application, proof: Evidence, health: Evidence, today: date
) -> dict[str, list]:
    """Every problem of an application at once, by field."""
    errors: dict[str, list] = {}

    def add(name: str, message: Any) -> None:
        errors.setdefault(name, []).append(message)

    certificate = db.session.get(Certificate, values.certificate_id) if values.certificate_id else None
    if certificate is None or certificate.person_id != person.id:
        add("certificate_id", _l("Pilih sertifikat kompetensi Pekerja Sosial Anda yang aktif."))
    else:
        problem = certificate_problem(certificate, today)
        if problem is not None:
            add("certificate_id", problem)
    if values.practice_type not in set(PracticeType):
        add("practice_type", _l("Pilih jenis praktik."))
    name = normalise_place(values.place_name)
    if not name:
        add("place_name", _l("Tuliskan nama tempat praktik."))
    elif len(name) > MAX_PLACE_NAME:
        add("place_name", _l("Nama tempat praktik paling banyak %(n)s karakter.", n=MAX_PLACE_NAME))
    if not (values.address or "").strip():
        add("address", _l("Tuliskan alamat tempat praktik (jalan, nomor, RT/RW)."))
    region = db.session.get(Region, values.region_code) if values.region_code else None
    if region is None or region.level != VILLAGE:
        add("region_code", _l("Pilih wilayah tempat praktik sampai tingkat desa/kelurahan."))
    str_number = (values.str_number or "").strip()
    if not str_number:
        add("str_number", _l("Tuliskan nomor STR Anda."))
    elif len(str_number) > MAX_STR_NUMBER:
        add("str_number", _l("Nomor STR paling banyak %(n)s karakter.", n=MAX_STR_NUMBER))
    if values.str_expires_on is None:
        add("str_expires_on", _l("Isi tanggal berakhirnya STR."))
    elif values.str_expires_on <= today:
        add(
            "str_expires_on",
            _l("STR Anda sudah tidak berlaku; perpanjang STR sebelum mengajukan izin praktik."),
        )
    for field, evidence, missing in (
        ("place_proof", proof, _l("Unggah bukti tempat praktik (PDF, JPEG atau PNG).")),
        ("health_letter", health, _l("Unggah surat keterangan sehat (PDF, JPEG atau PNG).")),
    ):
        if evidence.error is not None:
            add(field, evidence.error)
        elif evidence.checked is None:
            add(field, missing)
    return errors


def _open_licence_for_place(person_id: int, key: str) -> Licence | None:
    return db.session.scalar(
        select(Licence).where(
            Licence.person_id == person_id,
            Licence.place_key == key,
            Licence.status.in_([LicenceStatus.SUBMITTED, *LICENCE_HELD]),
        )
    )


DUPLICATE_PLACE = _l(
    "Anda sudah memiliki permohonan atau izin praktik yang masih berjalan untuk tempat praktik ini."
)


def apply(
    person: Person,
    values: Application,
    proof: Evidence,
    health: Evidence,
    actor: Any,
    *,
    today: date | None = None,
) -> Licence:
    """The holder applies for a licence for one practice place (status submitted)."""
    if actor is None or person.user_id is None or person.user_id != getattr(actor, "id", None):
        raise PermissionDenied(object_type="person", object_id=person.id)
    today = today or local_today()
    errors = application_errors(person, values, proof, health, today)
    if errors:
        raise CredentialError(_l("Periksa kembali isian yang ditandai."), errors=errors)
    name = normalise_place(values.place_name)
    key = place_key(values.region_code, name)
    if _open_licence_for_place(person.id, key) is not None:
        raise CredentialError(DUPLICATE_PLACE, field="place_name")
    licence = Licence(
        person_id=person.id,
        certificate_id=values.certificate_id,
        status=LicenceStatus.SUBMITTED,
        practice_type=PracticeType(values.practice_type),
        place_name=name,
        address=values.address.strip(),
        region_code=values.region_code,
        province_code=province_of(values.region_code),
        regency_code=regency_of(values.region_code),
        place_key=key,
        str_number=values.str_number.strip(),
        str_expires_on=values.str_expires_on,
        submitted_at=utcnow(),
    )
    licence.events = []
    try:
        with db.session.begin_nested():  # a concurrent twin is refused by uq_licences_open_place
            db.session.add(licence)
            db.session.flush()
    except IntegrityError:
        raise CredentialError(DUPLICATE_PLACE, field="place_name") from None
    documents.add_document(proof.checked, Purpose.PRACTICE_PLACE_PROOF, actor=actor, licence=licence)
    documents.add_document(health.checked, Purpose.HEALTH_LETTER, actor=actor, licence=licence)
    LICENCE_LIFECYCLE.add_event(licence, None, LicenceStatus.SUBMITTED, actor)
    db.session.flush()
    audit.record(
        "licence.applied",
        object_type="licence",
        object_id=licence.id,
        after=licence.audit_view(),
        actor=actor,
    )
    return licence


def withdraw(licence: Licence, actor: Any) -> None:
    """The applicant withdraws a submitted application; the health letter is kept no longer."""
    LICENCE_LIFECYCLE.transition(licence, LicenceAction.WITHDRAW, actor, permission=can_withdraw)
    _retire_health_letter(licence)


def end_by_holder(licence: Licence, actor: Any, reason: str | None = None) -> None:
    """The holder ends their own licence (at their request)."""
    reason = (reason or "").strip() or str(LICENCE_END_REASON_LABELS[LicenceEndReason.HOLDER_REQUEST])
    LICENCE_LIFECYCLE.transition(
        licence,
        LicenceAction.END,
        actor,
        reason,
        values={"end_reason": LicenceEndReason.HOLDER_REQUEST},
        permission=can_end_own,
    )


# --- Deciding --------------------------------------------------------------------------------------


def _locks() -> bool:
    """Row locks where the database has them (PostgreSQL); SQLite serialises writers anyway."""
    return db.session.get_bind().dialect.name == "postgresql"


def _locked(stmt: Select) -> Any:
    """The row, reloaded, under a row lock where the database has them."""
    stmt = stmt.execution_options(populate_existing=True)
    if _locks():  # only the row itself: not the rows of relationships loaded by a join
        stmt = stmt.with_for_update(of=stmt.column_descriptions[0]["entity"])
    return db.session.scalars(stmt).one()


def max_held() -> int:
    return int(current_app.config["LICENCE_MAX_ACTIVE"])


def held_count(person_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Licence)
            .where(Licence.person_id == person_id, Licence.status.in_(list(LICENCE_HELD)))
        )
        or 0
    )


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validity_until(licence: Licence, today: date) -> date:
    """The earliest of the certificate's validity, the STR's expiry and the licence term."""
    term = add_years(today, int(current_app.config["LICENCE_TERM_YEARS"]))
    return min(licence.certificate.valid_until, licence.str_expires_on, term)


def grant_problem(licence: Licence, today: date) -> Any:
    """Why the licence cannot be granted today (None when it can); the limit is checked under the
    person's lock in `grant`."""
    problem = certificate_problem(licence.certificate, today)
    if problem is not None:
        return problem
    if licence.str_expires_on <= today:
        return _l(
            "STR %(number)s sudah tidak berlaku (berakhir %(date)s).",
            number=licence.str_number,
            date=_id_date(licence.str_expires_on),
        )
    if validity_until(licence, today) <= today:
        return _l("Sertifikat kompetensi berakhir hari ini; izin praktik tidak dapat diberikan.")
    return None


def retention_date(today: date) -> date:
    return today + timedelta(days=int(current_app.config["HEALTH_LETTER_RETENTION_DAYS"]))


def _retire_health_letter(licence: Licence, today: date | None = None) -> None:
    """The health letter is deleted HEALTH_LETTER_RETENTION_DAYS after the decision (daily purge)."""
    delete_after = retention_date(today or local_today())
    db.session.execute(
        update(Document)
        .where(
            Document.licence_id == licence.id,
            Document.purpose == Purpose.HEALTH_LETTER,
            Document.delete_after.is_(None),
        )
        .values(delete_after=delete_after)
        .execution_options(synchronize_session=False)
    )
    for document in licence.documents:
        if document.purpose == Purpose.HEALTH_LETTER and document.delete_after is None:
            document.delete_after = delete_after


def _check_decider(licence: Licence, actor: Any) -> None:
    if actor is None or not can_decide_licence(actor, licence):
        raise PermissionDenied(object_type="licence", object_id=licence.id)


def grant(licence: Licence, actor: Any, *, today: date | None = None) -> Licence:
    """Grant a submitted application (see the module docstring for the rules)."""
    today = today or local_today()
    if LICENCE_LIFECYCLE.target(LicenceAction.GRANT, LicenceStatus(licence.status)) is None:
        raise CredentialError(LICENCE_LIFECYCLE.illegal(LicenceStatus(licence.status).label))
    _check_decider(licence, actor)
    credential_documents.check_issuer(ISSUER)
    # The certificate as it is now, locked: a suspension or revocation running at the same time
    # waits for this grant and then cascades to the licence it granted (or this grant sees it).
    _locked(select(Certificate).where(Certificate.id == licence.certificate_id))
    problem = grant_problem(licence, today)
    if problem is not None:
        raise CredentialError(problem)
    # The limit per person, under the person's lock: a concurrent grant waits here and then counts
    # the licence this one grants.
    _locked(select(Person).where(Person.id == licence.person_id))
    if held_count(licence.person_id) >= max_held():
        raise CredentialError(
            _l(
                "%(name)s sudah memegang %(n)s izin praktik aktif atau dibekukan; paling banyak %(n)s izin "
                "praktik per orang.",
                name=licence.person.full_name,
                n=max_held(),
            )
        )
    number = number_for("licence", today, ("regency", licence.regency_code), regency=licence.regency_code)
    valid_until = validity_until(licence, today)
    LICENCE_LIFECYCLE.transition(
        licence,
        LicenceAction.GRANT,
        actor,
        values={
            "number": number,
            "valid_from": today,
            "valid_until": valid_until,
            "decided_at": utcnow(),
            "decided_by_id": getattr(actor, "id", None),
        },
        permission=can_decide_licence,
    )
    document = credential_documents.register_signed(
        IssuedKind.LICENCE,
        ISSUER,
        number,
        licence.person,
        licence_snapshot(licence, actor, today),
        {
            "typ": "licence",
            "no": number,
            "nm": licence.person.full_name,
            "sc": licence.regency_code,
            "lv": licence.place_name,
            "vu": valid_until.isoformat(),
        },
        TEMPLATE,
        actor,
        issued_on=today,
    )
    licence.document_id = document.id
    licence.document = document
    _retire_health_letter(licence, today)
    db.session.flush()
    enqueue_after_commit(render_licence_pdf, licence.id)
    _mail_holder(licence)
    return licence


def refuse(licence: Licence, actor: Any, reason: str, *, today: date | None = None) -> None:
    LICENCE_LIFECYCLE.transition(
        licence,
        LicenceAction.REFUSE,
        actor,
        reason,
        values={"decided_at": utcnow(), "decided_by_id": getattr(actor, "id", None)},
        permission=can_decide_licence,
    )
    _retire_health_letter(licence, today)
    _mail_holder(licence)


# --- Officers' actions on a granted licence ----------------------------------------------------------


def suspend(licence: Licence, actor: Any, reason: str) -> None:
    LICENCE_LIFECYCLE.transition(
        licence,
        LicenceAction.SUSPEND,
        actor,
        reason,
        values={"suspended_by_cascade": False},
        permission=can_decide_licence,
    )
    _mail_holder(licence)


def reinstate(licence: Licence, actor: Any, *, today: date | None = None) -> None:
    """Active again, only while its certificate is live-active."""
    if licence.status == LicenceStatus.SUSPENDED:
        _check_decider(licence, actor)
        problem = certificate_problem(licence.certificate, today or local_today())
        if problem is not None:
            raise CredentialError(problem)
    LICENCE_LIFECYCLE.transition(
        licence,
        LicenceAction.REINSTATE,
        actor,
        values={"suspended_by_cascade": False},
        permission=can_decide_licence,
    )
    _mail_holder(licence)


def revoke(licence: Licence, actor: Any, reason: str, reference: str) -> None:
    """Dicabut, following an ethics recommendation or decision (`reference`, required)."""
    reference = (reference or "").strip()
    if licence.status in LICENCE_HELD and not reference:
        _check_decider(licence, actor)
        raise CredentialError(
            _l("Tuliskan rujukan rekomendasi atau keputusan kode etik pencabutan."), field="reference"
        )
    event = LICENCE_LIFECYCLE.transition(
        licence,
        LicenceAction.REVOKE,
        actor,
        reason,
        values={"ethics_reference": reference},
        permission=can_decide_licence,
    )
    event.reference = reference
    db.session.flush()
    _mail_holder(licence)


OFFICER_END_REASONS = (LicenceEndReason.DEATH, LicenceEndReason.HOLDER_REQUEST)


def end(licence: Licence, actor: Any, why: str, reason: str) -> None:
    """Ended by the officer: the holder died, or asked for it."""
    if why not in {str(r) for r in OFFICER_END_REASONS}:
        raise CredentialError(_l("Pilih alasan berakhirnya izin praktik."), field="end_reason")
    LICENCE_LIFECYCLE.transition(
        licence,
        LicenceAction.END,
        actor,
        reason,
        values={"end_reason": LicenceEndReason(why)},
        permission=can_decide_licence,
    )
    if LicenceEndReason(why) != LicenceEndReason.DEATH:
        _mail_holder(licence)


def _mail_holder(licence: Licence) -> None:
    person = licence.person
    address = person.email or (person.user.email if person.user is not None else None)
    if not address:
        return
    mail.send(
        address,
        _l("Status izin praktik Anda: %(status)s", status=LicenceStatus(licence.status).label),
        "licence_status",
        person=person,
        licence=licence,
        url=external_url("licences.detail", licence_id=licence.id) if person.user_id else None,
    )


# --- Lists -----------------------------------------------------------------------------------------


def mine(person_id: int) -> list[Licence]:
    """The person's licences, newest first (a person holds a handful: no paging)."""
    return list(
        db.session.scalars(
            select(Licence)
            .where(Licence.person_id == person_id)
            .options(joinedload(Licence.document), joinedload(Licence.region))
            .order_by(Licence.id.desc())
        ).unique()
    )


def list_query(user: Any, status: LicenceStatus | None) -> Select:
    """Licences of the user's jurisdiction (regency grants: ix_licences_regency; province grants:
    ix_licences_province), in one status when given."""
    stmt = (
        select(Licence)
        .where(jurisdiction_filter(user, Licence))
        .options(selectinload(Licence.person), selectinload(Licence.region))
    )
    if status is not None:
        stmt = stmt.where(Licence.status == status)
    return stmt


# --- The PDF ---------------------------------------------------------------------------------------


def _id_date(value: date) -> str:
    return format_date(value, "d MMMM y", locale="id")


def _short_place(regency: Region | None) -> str:
    """'Malang' for KOTA MALANG / KABUPATEN MALANG (the place of issue)."""
    if regency is None:
        return ""
    name = regency.name.strip()
    for prefix in ("KABUPATEN ", "KOTA ADM. ", "KOTA "):
        if name.upper().startswith(prefix):
            return region_title(name[len(prefix) :])
    return region_title(name)


def licence_snapshot(licence: Licence, actor: Any, issued_on: date) -> dict:
    """Everything the licence prints, frozen at the grant."""
    path = region_path(licence.region_code)
    regency = next((r for r in path if r.code == licence.regency_code), None)
    government = region_title(regency.name) if regency is not None else licence.regency_code
    certificate = licence.certificate
    person = licence.person
    signatory_title = current_app.config["LICENCE_SIGNATORY_TITLE"]
    return {
        "government": f"Pemerintah {government}",
        "agency": f"{signatory_title.removeprefix('Kepala ')} {government}",
        "holder": {"name": person.full_name, "nik_masked": person.nik_masked or "-"},
        "certificate": {"number": certificate.number, "scheme": certificate.version.name},
        "str": {"number": licence.str_number, "expires_on_text": _id_date(licence.str_expires_on)},
        "place": {
            "name": licence.place_name,
            "address": licence.address,
            "region": ", ".join(region_title(r.name) for r in reversed(path)),
            "type": str(PRACTICE_TYPE_LABELS[PracticeType(licence.practice_type)]),
        },
        "regency": {"code": licence.regency_code, "name": government},
        "valid_from_text": _id_date(licence.valid_from),
        "valid_until": licence.valid_until.isoformat(),
        "valid_until_text": _id_date(licence.valid_until),
        "signatory": {
            "title": f"{signatory_title} {government}",
            "name": "" if is_system(actor) else (getattr(actor, "full_name", "") or ""),
        },
        "issued_place": _short_place(regency) or government,
        "issued_on_text": _id_date(issued_on),
    }


def is_pdf_ready(licence: Licence) -> bool:
    return licence.document is not None and not issuing.is_pending(licence.document)


@job(retries=3, retry_delay=60)
def render_licence_pdf(licence_id: int) -> None:
    """After the grant commits: render and sign the licence's PDF (see issue_pdf)."""
    issue_pdf(licence_id)


def issue_pdf(licence_id: int) -> None:
    """Render and store the licence's registered PDF without holding a write transaction while it
    renders and signs: a short unit reads what rendering needs, the PDF is written outside any
    transaction, a short unit stores its SHA-256 (issuing.complete, audit). A PDF already complete is
    left alone, so a retried or repeated job does nothing twice."""
    with unit_of_work():
        licence = db.session.get(Licence, licence_id)
        if licence is None or licence.document is None or not issuing.is_pending(licence.document):
            return
        pending = issuing.pending_render(licence.document)
        actor_id = licence.decided_by_id
    sha256 = issuing.render_to_file(pending)
    with unit_of_work():
        document = db.session.get(IssuedDocument, pending.document_id, with_for_update=_locks())
        actor = db.session.get(User, actor_id) if actor_id else SYSTEM
        issuing.complete(document, sha256, actor)


def retry_pdf(licence: Licence, actor: Any) -> None:
    """Render the PDF again when its job did not finish (a lost or failed job)."""
    _check_decider(licence, actor)
    if licence.document is None:
        raise CredentialError(_l("Izin praktik ini belum diberikan; belum ada PDF."))
    if not issuing.is_pending(licence.document):
        raise CredentialError(_l("PDF izin praktik ini sudah tersedia."))
    audit.record("licence.pdf_requeued", object_type="licence", object_id=licence.id, actor=actor)
    enqueue_after_commit(render_licence_pdf, licence.id)


def download_name(licence: Licence) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in licence.number or "").strip("-")
    return f"SIPPS-{safe}.pdf"
