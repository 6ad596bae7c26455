"""The rules of certification schemes: create a scheme with its first draft version, edit a draft
(its target, methods, eligibility rules and competency units), publish it (frozen from then on),
start a new version from the current published one, retire a scheme; and the queries of the board
admin's list and detail page.

Services take the actor, check the same named predicate as the view (can_manage_scheme /
acts_for_body), raise CertificationError with Indonesian messages beside the field concerned, write
the audit trail and never commit (the request's unit of work does). A published version is refused
here, whatever the page offered: a crafted POST cannot change what candidacies applied under.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select, update

from app.certification.models import Candidacy, Scheme, SchemeUnit, SchemeVersion
from app.certification.permissions import acts_for_body, can_manage_scheme
from app.certification.states import AssessmentMethod, CertificationError
from app.core import audit
from app.core.errors import PermissionDenied
from app.core.models import utcnow
from app.core.permissions import body_filter
from app.core.roles import Role
from app.documents.models import Purpose
from app.extensions import db
from app.reference.models import Category, CertificationBody, EducationLevel
from app.reference.targets import UNIT_CODE, subtype_choices, subtype_label

# A scheme code is validated like a training programme code (it is printed on certificates):
# upper-case letters, digits, dots, slashes and hyphens, starting with a letter or digit.
SCHEME_CODE = re.compile(r"[A-Z0-9][A-Z0-9./-]{0,29}")
TARGET_SEPARATOR = "|"  # a target choice: "PEKSOS|GENERALIS", "RELAWAN|" (every subtype)
MAX_UNITS = 100
MAX_JP = 10000
MAX_MONTHS = 600
MAX_HOURS = 100000
MAX_RETAKE_DAYS = 3650
DEFAULT_VALIDITY_YEARS = 5
DEFAULT_RETAKE_WAIT_DAYS = 90
MAX_RENEWAL_JP_PER_YEAR = 500

# The documents a scheme may require in the candidate's portfolio, in the order the form shows them.
DOCUMENT_LABELS = {
    Purpose.KTP: _l("Pindaian KTP"),
    Purpose.PHOTO: _l("Pas foto"),
    Purpose.DIPLOMA: _l("Ijazah terakhir"),
    Purpose.ASSIGNMENT_LETTER: _l("Surat keputusan/surat tugas (SK)"),
    Purpose.PORTFOLIO: _l("Portofolio bukti praktik"),
    Purpose.TRAINING_CERTIFICATE: _l("Sertifikat pelatihan (STTP)"),
    Purpose.EXPERIENCE_LETTER: _l("Surat keterangan pengalaman praktik"),
}

# The board admin's list tabs: URL value → (status, label).
STATUS_DRAFT, STATUS_PUBLISHED, STATUS_RETIRED = "draft", "published", "retired"
STATUS_LABELS = {
    STATUS_DRAFT: _l("Draf"),
    STATUS_PUBLISHED: _l("Diterbitkan"),
    STATUS_RETIRED: _l("Dipensiunkan"),
}
STATUS_BADGES = {STATUS_DRAFT: "secondary", STATUS_PUBLISHED: "success", STATUS_RETIRED: "dark"}
TABS = {
    "semua": (None, _l("Semua")),
    "draf": (STATUS_DRAFT, _l("Draf")),
    "terbit": (STATUS_PUBLISHED, _l("Diterbitkan")),
    "pensiun": (STATUS_RETIRED, _l("Dipensiunkan")),
}

CHECK_INPUT = _l("Periksa kembali isian.")


def _authorise(allowed: bool, object_type: str, object_id) -> None:
    if not allowed:
        raise PermissionDenied(object_type=object_type, object_id=object_id)


def _text(value: str | None) -> str:
    return (value or "").strip()


# --- Choices -----------------------------------------------------------------------------------------


def managed_bodies(user) -> list[CertificationBody]:
    """The certification bodies the user administers (every body for a ministry admin)."""
    stmt = select(CertificationBody).where(body_filter(user, CertificationBody.code, (Role.BOARD_ADMIN,)))
    return list(db.session.scalars(stmt.order_by(CertificationBody.code)))


def _body_categories(body: CertificationBody) -> list[str]:
    return [code.strip() for code in body.category_codes.split(",") if code.strip()]


def target_choices(bodies: list[CertificationBody]) -> list[tuple[str, str]]:
    """One choice per category the bodies certify ("every subtype") and per subtype of it, as built
    for a training programme's target (registration categories' SPECS and CategoryOption rows)."""
    wanted = {code for body in bodies for code in _body_categories(body)}
    categories = db.session.scalars(
        select(Category).where(Category.code.in_(wanted)).order_by(Category.sort_order)
    )
    choices = []
    for category in categories:
        every = _l("%(category)s — semua jenis/jenjang", category=category.name)
        choices.append((f"{category.code}{TARGET_SEPARATOR}", str(every)))
        for subtype, label in subtype_choices(category.code):
            choices.append((f"{category.code}{TARGET_SEPARATOR}{subtype}", f"{category.name} — {label}"))
    return choices


def split_target(value: str | None) -> tuple[str, str]:
    category, _sep, subtype = (value or "").partition(TARGET_SEPARATOR)
    return category, subtype


def target_labeller() -> Callable[[SchemeVersion], str]:
    """A function naming a version's target ("Pekerja Sosial — Pekerja Sosial Generalis"), reading
    each category's subtypes once (a list of 25 schemes asks at most once per category)."""
    subtypes: dict[str, dict[str, str]] = {}

    def label(version: SchemeVersion) -> str:
        if not version.subtype:
            return f"{version.category.name} — {subtype_label(version.category_code, '')}"
        if version.category_code not in subtypes:
            subtypes[version.category_code] = dict(subtype_choices(version.category_code))
        name = subtypes[version.category_code].get(version.subtype, version.subtype)
        return f"{version.category.name} — {name}"

    return label


def education_choices() -> list[tuple[str, str]]:
    levels = db.session.scalars(select(EducationLevel).order_by(EducationLevel.sort_order))
    return [(level.code, level.name) for level in levels]


# --- Versions: data and checks -------------------------------------------------------------------


@dataclass
class VersionData:
    """What the scheme form sends for a (draft) version. None / 0 means "no such rule"."""

    name: str
    category_code: str
    subtype: str = ""
    methods: list[str] = field(default_factory=list)
    min_education_code: str | None = None
    min_training_jp: int | None = None
    jp_from_linked_programmes_only: bool = False
    min_experience_months: int | None = None
    min_practice_hours: int | None = None
    requires_verified_registration: bool = True
    required_documents: list[str] = field(default_factory=list)
    validity_years: int | None = DEFAULT_VALIDITY_YEARS
    second_assessor_required: bool = False
    retake_wait_days: int | None = DEFAULT_RETAKE_WAIT_DAYS
    # Renewal: training JP per year of validity (None: CERTIFICATE_RENEWAL_JP_PER_YEAR), and whether a
    # portfolio review (no exam) renews a certificate of this version.
    renewal_jp_per_year: int | None = None
    renewal_by_portfolio: bool = False


def _check_range(errors: dict, name: str, value: int | None, low: int, high: int, message) -> None:
    if value is not None and not low <= value <= high:
        errors[name] = [message]


def _check_version(data: VersionData, body: CertificationBody) -> dict:
    errors: dict = {}
    if not _text(data.name):
        errors["name"] = [_l("Nama skema wajib diisi.")]
    elif len(_text(data.name)) > 200:
        errors["name"] = [_l("Maksimal %(n)s karakter.", n=200)]
    if not data.category_code:
        errors["target"] = [_l("Pilih sasaran skema.")]
    elif data.category_code not in _body_categories(body):
        errors["target"] = [
            _l("Lembaga %(body)s tidak menyertifikasi kategori ini.", body=body.code),
        ]
    elif data.subtype and data.subtype not in {code for code, _label in subtype_choices(data.category_code)}:
        errors["target"] = [_l("Pilih salah satu pilihan yang tersedia.")]
    methods = {str(m) for m in AssessmentMethod}
    if not data.methods:
        errors["methods"] = [_l("Pilih sekurang-kurangnya satu metode asesmen.")]
    elif any(m not in methods for m in data.methods):
        errors["methods"] = [_l("Pilih salah satu pilihan yang tersedia.")]
    if data.min_education_code and db.session.get(EducationLevel, data.min_education_code) is None:
        errors["min_education_code"] = [_l("Pilih salah satu pilihan yang tersedia.")]
    _check_range(
        errors,
        "min_training_jp",
        data.min_training_jp,
        0,
        MAX_JP,
        _l("Isi minimal JP pelatihan dengan bilangan bulat 0 sampai %(max)s.", max=MAX_JP),
    )
    _check_range(
        errors,
        "min_experience_months",
        data.min_experience_months,
        0,
        MAX_MONTHS,
        _l("Isi minimal pengalaman dengan bilangan bulat 0 sampai %(max)s bulan.", max=MAX_MONTHS),
    )
    _check_range(
        errors,
        "min_practice_hours",
        data.min_practice_hours,
        0,
        MAX_HOURS,
        _l("Isi minimal jam praktik dengan bilangan bulat 0 sampai %(max)s.", max=MAX_HOURS),
    )
    if data.jp_from_linked_programmes_only and not data.min_training_jp:
        errors["jp_from_linked_programmes_only"] = [
            _l("Aturan ini hanya berlaku jika minimal JP pelatihan diisi.")
        ]
    documents = {str(p) for p in DOCUMENT_LABELS}
    if any(d not in documents for d in data.required_documents):
        errors["required_documents"] = [_l("Pilih salah satu pilihan yang tersedia.")]
    if data.validity_years is None or not 1 <= data.validity_years <= 10:
        errors["validity_years"] = [
            _l("Isi masa berlaku sertifikat dengan bilangan bulat 1 sampai 10 tahun.")
        ]
    if data.retake_wait_days is None or not 0 <= data.retake_wait_days <= MAX_RETAKE_DAYS:
        errors["retake_wait_days"] = [
            _l("Isi masa tunggu uji ulang dengan bilangan bulat 0 sampai %(max)s hari.", max=MAX_RETAKE_DAYS)
        ]
    _check_range(
        errors,
        "renewal_jp_per_year",
        data.renewal_jp_per_year,
        0,
        MAX_RENEWAL_JP_PER_YEAR,
        _l(
            "Isi JP pelatihan per tahun dengan bilangan bulat 0 sampai %(max)s, atau kosongkan untuk "
            "memakai ketentuan umum.",
            max=MAX_RENEWAL_JP_PER_YEAR,
        ),
    )
    return errors


def _apply(version: SchemeVersion, data: VersionData) -> None:
    order = [str(m) for m in AssessmentMethod]
    documents = [str(p) for p in DOCUMENT_LABELS]
    version.name = _text(data.name)
    version.category_code = data.category_code
    version.subtype = data.subtype or ""
    version.methods = [m for m in order if m in set(data.methods)]
    version.min_education_code = data.min_education_code or None
    version.min_training_jp = data.min_training_jp or 0
    version.jp_from_linked_programmes_only = bool(data.jp_from_linked_programmes_only)
    version.min_experience_months = data.min_experience_months or None
    version.min_practice_hours = data.min_practice_hours or None
    version.requires_verified_registration = bool(data.requires_verified_registration)
    version.required_documents = [d for d in documents if d in set(data.required_documents)]
    version.validity_years = data.validity_years
    version.second_assessor_required = bool(data.second_assessor_required)
    version.retake_wait_days = data.retake_wait_days
    version.renewal_jp_per_year = data.renewal_jp_per_year
    version.renewal_by_portfolio = bool(data.renewal_by_portfolio)


def _editable(version: SchemeVersion) -> None:
    """Refuse any change to a published version or to a version of a retired scheme."""
    if version.scheme.retired:
        raise CertificationError(_l("Skema ini sudah dipensiunkan dan tidak dapat diubah."))
    if version.published:
        raise CertificationError(
            _l(
                "Versi %(version)s sudah diterbitkan dan tidak dapat diubah. Buat versi baru untuk "
                "mengubah skema ini.",
                version=version.version,
            )
        )


def _version_audit(action: str, version: SchemeVersion, before: dict | None, actor) -> None:
    audit.record(
        action,
        object_type="scheme_version",
        object_id=version.id,
        before=before,
        after=version.audit_view(),
        actor=actor,
    )


# --- Schemes -------------------------------------------------------------------------------------


def _scheme_view(scheme: Scheme) -> dict:
    return {"body_code": scheme.body_code, "code": scheme.code, "retired_at": scheme.retired_at}


def create_scheme(*, body_code: str, code: str, data: VersionData, actor) -> Scheme:
    """A scheme of the body with its first version, a draft. The code is unique within the body and
    never changes afterwards (certificates print it)."""
    body = db.session.get(CertificationBody, body_code or "")
    if body is None:
        raise CertificationError(_l("Pilih lembaga sertifikasi."), field="body_code")
    _authorise(acts_for_body(actor, body.code), "certification_body", body.code)
    code = _text(code).upper()
    errors = _check_version(data, body)
    if not code:
        errors["code"] = [_l("Kode skema wajib diisi.")]
    elif not SCHEME_CODE.fullmatch(code):
        errors["code"] = [
            _l(
                "Kode hanya boleh berisi huruf, angka, titik, garis miring dan tanda hubung "
                "(maksimal 30 karakter), misalnya PS-GEN."
            )
        ]
    elif db.session.scalar(
        select(Scheme.id).where(Scheme.body_code == body.code, func.upper(Scheme.code) == code)
    ):
        errors["code"] = [_l("Kode %(code)s sudah digunakan skema lain lembaga ini.", code=code)]
    if errors:
        raise CertificationError(CHECK_INPUT, errors=errors)
    scheme = Scheme(body_code=body.code, code=code, created_by_id=getattr(actor, "id", None))
    version = SchemeVersion(version=1)
    _apply(version, data)
    scheme.versions = [version]
    db.session.add(scheme)
    db.session.flush()
    audit.record(
        "scheme.created",
        object_type="scheme",
        object_id=scheme.id,
        after={**_scheme_view(scheme), "version": version.audit_view()},
        actor=actor,
    )
    return scheme


def update_version(version: SchemeVersion, data: VersionData, actor) -> None:
    """Change a draft version (name, target, methods, eligibility rules, validity, …)."""
    _authorise(can_manage_scheme(actor, version.scheme), "scheme", version.scheme_id)
    _editable(version)
    errors = _check_version(data, version.scheme.body)
    if errors:
        raise CertificationError(CHECK_INPUT, errors=errors)
    before = version.audit_view()
    _apply(version, data)
    db.session.flush()
    if version.audit_view() != before:
        _version_audit("scheme_version.updated", version, before, actor)


def publish_version(version: SchemeVersion, actor) -> None:
    """Publish a draft: it needs at least one unit and one method; from now on it is frozen and new
    exam sessions may offer it. A compare-and-set, so a version is published once."""
    _authorise(can_manage_scheme(actor, version.scheme), "scheme", version.scheme_id)
    _editable(version)
    missing = []
    if not version.units:
        missing.append(_l("Tambahkan sekurang-kurangnya satu unit kompetensi sebelum menerbitkan."))
    if not version.methods:
        missing.append(_l("Pilih sekurang-kurangnya satu metode asesmen sebelum menerbitkan."))
    if missing:
        raise CertificationError(missing[0], errors={None: missing})
    before = version.audit_view()
    now = utcnow()
    result = db.session.execute(
        update(SchemeVersion)
        .where(SchemeVersion.id == version.id, SchemeVersion.published_at.is_(None))
        .values(published_at=now, published_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise CertificationError(
            _l("Versi ini baru saja diterbitkan oleh admin lain. Silakan muat ulang halaman.")
        )
    db.session.refresh(version)
    _version_audit("scheme_version.published", version, before, actor)


def new_version(scheme: Scheme, actor) -> SchemeVersion:
    """A draft N+1 copied from the current published version, units included. The published
    versions (and the candidacies on them) stay as they are."""
    _authorise(can_manage_scheme(actor, scheme), "scheme", scheme.id)
    if scheme.retired:
        raise CertificationError(_l("Skema ini sudah dipensiunkan dan tidak dapat diubah."))
    if scheme.draft_version is not None:
        raise CertificationError(
            _l(
                "Skema ini sudah memiliki versi draf (versi %(version)s). Ubah atau terbitkan versi itu.",
                version=scheme.draft_version.version,
            )
        )
    source = scheme.current_version
    if source is None:
        raise CertificationError(_l("Skema ini belum memiliki versi yang diterbitkan."))
    copy = SchemeVersion(
        scheme=scheme,
        version=max(v.version for v in scheme.versions) + 1,
        name=source.name,
        category_code=source.category_code,
        subtype=source.subtype,
        methods=list(source.methods),
        min_education_code=source.min_education_code,
        min_training_jp=source.min_training_jp,
        jp_from_linked_programmes_only=source.jp_from_linked_programmes_only,
        min_experience_months=source.min_experience_months,
        min_practice_hours=source.min_practice_hours,
        requires_verified_registration=source.requires_verified_registration,
        required_documents=list(source.required_documents),
        validity_years=source.validity_years,
        second_assessor_required=source.second_assessor_required,
        retake_wait_days=source.retake_wait_days,
        renewal_jp_per_year=source.renewal_jp_per_year,
        renewal_by_portfolio=source.renewal_by_portfolio,
        units=[SchemeUnit(position=u.position, code=u.code, title=u.title) for u in source.units],
    )
    db.session.add(copy)
    db.session.flush()
    audit.record(
        "scheme_version.created",
        object_type="scheme_version",
        object_id=copy.id,
        after={**copy.audit_view(), "copied_from_version": source.version},
        actor=actor,
    )
    return copy


def retire_scheme(scheme: Scheme, actor) -> None:
    """A retired scheme is offered by no new exam session; its versions, sessions and candidacies
    stay as they are."""
    _authorise(can_manage_scheme(actor, scheme), "scheme", scheme.id)
    if scheme.retired:
        raise CertificationError(_l("Skema ini sudah dipensiunkan."))
    before = _scheme_view(scheme)
    scheme.retired_at = utcnow()
    db.session.flush()
    audit.record(
        "scheme.retired",
        object_type="scheme",
        object_id=scheme.id,
        before=before,
        after=_scheme_view(scheme),
        actor=actor,
    )


# --- Competency units of a draft -------------------------------------------------------------------


def _check_unit(version: SchemeVersion, code: str, title: str, unit: SchemeUnit | None) -> dict:
    errors: dict = {}
    if not code:
        errors["code"] = [_l("Kode unit wajib diisi.")]
    elif not UNIT_CODE.fullmatch(code):
        errors["code"] = [
            _l(
                "Kode unit hanya boleh berisi huruf, angka, titik, garis miring atau tanda hubung "
                "(maksimal 40 karakter), misalnya KS.01.001."
            )
        ]
    elif any(u.code == code and u is not unit for u in version.units):
        errors["code"] = [_l("Kode unit %(code)s sudah ada di versi ini.", code=code)]
    if not title:
        errors["title"] = [_l("Judul unit wajib diisi.")]
    elif len(title) > 300:
        errors["title"] = [_l("Maksimal %(n)s karakter.", n=300)]
    return errors


def add_unit(version: SchemeVersion, *, code: str, title: str, actor) -> SchemeUnit:
    _authorise(can_manage_scheme(actor, version.scheme), "scheme", version.scheme_id)
    _editable(version)
    code, title = _text(code).upper(), _text(title)
    errors = _check_unit(version, code, title, None)
    if len(version.units) >= MAX_UNITS:
        errors[None] = [_l("Paling banyak %(n)s unit kompetensi per versi.", n=MAX_UNITS)]
    if errors:
        raise CertificationError(CHECK_INPUT, errors=errors)
    before = version.audit_view()
    position = max((u.position for u in version.units), default=0) + 1
    unit = SchemeUnit(position=position, code=code, title=title)
    version.units.append(unit)
    db.session.flush()
    _version_audit("scheme_version.unit_added", version, before, actor)
    return unit


def update_unit(unit: SchemeUnit, *, code: str, title: str, actor) -> None:
    version = unit.version
    _authorise(can_manage_scheme(actor, version.scheme), "scheme", version.scheme_id)
    _editable(version)
    code, title = _text(code).upper(), _text(title)
    errors = _check_unit(version, code, title, unit)
    if errors:
        raise CertificationError(CHECK_INPUT, errors=errors)
    if (unit.code, unit.title) == (code, title):
        return
    before = version.audit_view()
    unit.code, unit.title = code, title
    db.session.flush()
    _version_audit("scheme_version.unit_updated", version, before, actor)


def remove_unit(unit: SchemeUnit, actor) -> None:
    """Remove a unit of a draft; the ones after it move up (positions stay 1, 2, 3…)."""
    version = unit.version
    _authorise(can_manage_scheme(actor, version.scheme), "scheme", version.scheme_id)
    _editable(version)
    before = version.audit_view()
    version.units.remove(unit)
    db.session.flush()
    for later in sorted(version.units, key=lambda u: u.position):
        if later.position > unit.position:
            later.position -= 1
            db.session.flush()  # one at a time: (version, position) stays unique
    _version_audit("scheme_version.unit_removed", version, before, actor)


def move_unit(unit: SchemeUnit, step: int, actor) -> None:
    """Swap a unit with the one before (step -1) or after (+1); at either end nothing moves."""
    version = unit.version
    _authorise(can_manage_scheme(actor, version.scheme), "scheme", version.scheme_id)
    _editable(version)
    ordered = sorted(version.units, key=lambda u: u.position)
    index = ordered.index(unit) + (1 if step > 0 else -1)
    if not 0 <= index < len(ordered):
        return
    other = ordered[index]
    before = version.audit_view()
    mine, theirs = unit.position, other.position
    unit.position = 0  # a free position, so the unique (version, position) holds at every step
    db.session.flush()
    other.position = mine
    db.session.flush()
    unit.position = theirs
    db.session.flush()
    version.units.sort(key=lambda u: u.position)
    _version_audit("scheme_version.units_reordered", version, before, actor)


# --- Queries ----------------------------------------------------------------------------------------


def _has_published():
    return exists().where(SchemeVersion.scheme_id == Scheme.id, SchemeVersion.published_at.is_not(None))


def schemes_query(user, status: str | None = None) -> Select:
    """The schemes of the bodies the user administers, optionally of one status."""
    stmt = select(Scheme).where(body_filter(user, Scheme.body_code, (Role.BOARD_ADMIN,)))
    if status == STATUS_RETIRED:
        stmt = stmt.where(Scheme.retired_at.is_not(None))
    elif status == STATUS_PUBLISHED:
        stmt = stmt.where(Scheme.retired_at.is_(None), _has_published())
    elif status == STATUS_DRAFT:
        stmt = stmt.where(Scheme.retired_at.is_(None), ~_has_published())
    return stmt


def scheme_status(scheme: Scheme) -> str:
    if scheme.retired:
        return STATUS_RETIRED
    return STATUS_PUBLISHED if scheme.current_version is not None else STATUS_DRAFT


def candidacy_counts(scheme: Scheme) -> dict[int, int]:
    """Candidacies per version of the scheme (any status): a version in use is never changed."""
    rows = db.session.execute(
        select(Candidacy.version_id, func.count())
        .where(Candidacy.scheme_id == scheme.id)
        .group_by(Candidacy.version_id)
    )
    return dict(rows.all())


def schemes_of_body(body_code: str) -> list[Scheme]:
    """The body's schemes not retired, by code (the assessor registry's choices)."""
    stmt = select(Scheme).where(Scheme.body_code == body_code, Scheme.retired_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Scheme.code)))
