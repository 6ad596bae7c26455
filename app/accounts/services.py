"""Account rules: sign-up, verification, authentication, password reset, staff administration.

Services never touch `request`; they raise AccountError with a user-facing message and write the audit
trail. The caller commits once after the service returns.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts import passwords, tokens
from app.accounts.models import RoleGrant, User, new_session_token
from app.core import audit, mail
from app.core.audit import record_regardless
from app.core.errors import DomainError
from app.core.jobs import enqueue_after_commit, job
from app.core.models import utcnow
from app.core.roles import STAFF_ROLES, Role
from app.core.urls import external_url
from app.extensions import db
from app.people.services import create_account_person, person_of_user, profile_complete
from app.reference.models import PROVINCE, REGENCY, CertificationBody, Region, TrainingProvider

MIN_PASSWORD_LENGTH = passwords.MIN_PASSWORD_LENGTH


class AccountError(DomainError):
    pass


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def check_password_rules(password: str, email: str = "", full_name: str = "") -> None:
    """Length, not the e-mail or name, not a common password, strong enough (passwords.weakness)."""
    problem = passwords.weakness(password, (normalize_email(email), full_name or ""))
    if problem is not None:
        raise AccountError(problem, field="password")


# --- Applicant sign-up and verification ---------------------------------------------------------


def sign_up(full_name: str, email: str, password: str) -> User | None:
    """Create an unverified applicant and mail a verification link.

    When the address is taken, the owner gets a mail saying so and nothing is created; the caller shows
    the same page either way, so sign-up does not reveal which addresses have accounts.
    """
    email = normalize_email(email)
    check_password_rules(password, email, full_name)
    existing = find_by_email(email)
    if existing is not None:
        generate_password_hash(password)  # the same work as a new account: no timing difference
        enqueue_after_commit(mail_account_exists, email)  # the mail is rendered off the request path
        return None
    user = User(email=email, full_name=full_name.strip())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    _add_grant(user, Role.APPLICANT, actor=user)
    create_account_person(user, actor=user)
    audit.record(
        "account.signed_up",
        object_type="user",
        object_id=user.id,
        after=user.audit_view(),
        actor=user,
    )
    send_verification(user)
    return user


@job()
def mail_account_exists(email: str) -> None:
    """Tell the owner of an address that someone tried to sign up with it (a job: the request that
    found the address does no more work than one that did not)."""
    user = find_by_email(email)
    if user is None:
        return
    mail.send(
        user.email,
        _l("Percobaan membuat akun dengan alamat surel Anda"),
        "account_exists",
        user=user,
        login_url=external_url("accounts.login"),
        reset_url=external_url("accounts.forgot_password"),
    )


def _mail_link(user: User, salt: str, secret: str, endpoint: str, subject, template: str, url_name: str):
    """Mail the user a signed link: a token bound to `secret` (their e-mail or password hash, so the
    link dies when that changes), opened at `endpoint`."""
    token = tokens.make_token(salt, user.id, secret)
    mail.send(user.email, subject, template, user=user, **{url_name: external_url(endpoint, token=token)})


def send_verification(user: User) -> None:
    _mail_link(
        user,
        tokens.VERIFY_SALT,
        user.email,
        "accounts.verify_email",
        _l("Verifikasi alamat surel akun SDM Kesos Anda"),
        "verify_email",
        "verify_url",
    )


def resend_verification(email: str) -> None:
    """Queue a new verification link; the request does the same work whether the address exists."""
    enqueue_after_commit(mail_verification_again, normalize_email(email)[:255])


@job()
def mail_verification_again(email: str) -> None:
    user = find_by_email(email)
    if user is not None and user.email_verified_at is None and user.active:
        send_verification(user)


def verify_email_now(user: User) -> None:
    """Mark the address verified (admin action or demo data)."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record("account.email_verified", object_type="user", object_id=user.id, actor=user)


def verify_email(token: str) -> User:
    max_age = current_app.config["EMAIL_VERIFY_MAX_AGE"]
    data = tokens.read_token(tokens.VERIFY_SALT, token, max_age)
    user = db.session.get(User, data[0]) if data else None
    if user is None or not tokens.matches(data[1], user.email):
        raise AccountError(_l("Tautan verifikasi tidak valid atau sudah kedaluwarsa."))
    verify_email_now(user)
    return user


# --- Login --------------------------------------------------------------------------------------

INVALID_LOGIN = _l("Alamat surel atau kata sandi salah.")


# Hashed against when the address is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password")


def authenticate(email: str, password: str) -> User:
    user = find_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
    if user is None or not user.check_password(password or ""):
        record_regardless(
            "account.login_failed",
            object_type="user",
            object_id=user.id if user else None,
            actor_label=normalize_email(email)[:255],
        )
        raise AccountError(INVALID_LOGIN)
    if not user.active:
        raise AccountError(_l("Akun ini dinonaktifkan. Silakan hubungi admin Kemensos."))
    if user.email_verified_at is None:
        raise AccountError(
            _l(
                "Alamat surel Anda belum diverifikasi. Silakan buka tautan pada surel verifikasi yang "
                "kami kirimkan."
            )
        )
    user.last_login_at = utcnow()
    audit.record("account.logged_in", object_type="user", object_id=user.id, actor=user)
    return user


def end_sessions(user: User, action: str = "account.logged_out") -> None:
    """End every session of the account on the server: the session id carries the token, so a copied
    cookie stops working once it is rotated (sessions are not stored server-side, so this ends the
    account's sessions on every device)."""
    user.session_token = new_session_token()
    audit.record(action, object_type="user", object_id=user.id, actor=user)


# --- Passwords ----------------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Queue the reset mail. The request path does the same constant work for every address (no
    lookup, no token, no rendering), so its answer and its timing say nothing about the address."""
    enqueue_after_commit(mail_password_reset, normalize_email(email)[:255])


@job()
def mail_password_reset(email: str) -> None:
    """Mail a reset link when an active account has this address; silent otherwise."""
    user = find_by_email(email)
    if user is None or not user.active:
        return
    _mail_link(
        user,
        tokens.RESET_SALT,
        user.password_hash,
        "accounts.reset_password",
        _l("Atur ulang kata sandi SDM Kesos"),
        "reset_password",
        "reset_url",
    )
    audit.record("account.password_reset_requested", object_type="user", object_id=user.id)


def user_for_reset_token(token: str) -> User:
    config = current_app.config
    data = tokens.read_token(tokens.RESET_SALT, token, config["PASSWORD_RESET_MAX_AGE"]) or tokens.read_token(
        tokens.INVITE_SALT, token, config["STAFF_INVITATION_MAX_AGE"]
    )
    user = db.session.get(User, data[0]) if data else None
    if user is None or not user.active or not tokens.matches(data[1], user.password_hash):
        raise AccountError(_l("Tautan atur ulang kata sandi tidak valid atau sudah kedaluwarsa."))
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    check_password_rules(new_password, user.email, user.full_name)
    accepting_invitation = user.invitation_pending
    user.set_password(new_password)
    # Following an e-mailed link proves the address too.
    user.email_verified_at = user.email_verified_at or utcnow()
    action = "account.invitation_accepted" if accepting_invitation else "account.password_reset"
    audit.record(action, object_type="user", object_id=user.id, actor=user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password or ""):
        raise AccountError(_l("Kata sandi saat ini salah."), field="current_password")
    check_password_rules(new_password, user.email, user.full_name)
    user.set_password(new_password)
    audit.record("account.password_changed", object_type="user", object_id=user.id, actor=user)


# --- Staff administration (ministry admin, CLI) -------------------------------------------------


def check_grant_scope(
    role: Role, region_code: str | None, body_code: str | None, provider_code: str | None
) -> None:
    """Each role has exactly the scope it needs (roles.SCOPE_OF_ROLE); the database checks it too."""
    if role.needs_region:
        region = db.session.get(Region, region_code) if region_code else None
        if region is None or region.level not in (PROVINCE, REGENCY):
            raise AccountError(
                _l("Petugas Dinas Sosial harus terikat pada satu provinsi atau kabupaten/kota."),
                field="region_code",
            )
    elif region_code:
        raise AccountError(_l("Hanya petugas Dinas Sosial yang memiliki wilayah kerja."), field="region_code")
    if role.needs_body:
        if not body_code or db.session.get(CertificationBody, body_code) is None:
            raise AccountError(
                _l("Admin lembaga dan asesor harus terikat pada satu lembaga sertifikasi."),
                field="body_code",
            )
    elif body_code:
        raise AccountError(
            _l("Hanya admin lembaga dan asesor yang terikat pada lembaga sertifikasi."),
            field="body_code",
        )
    if role.needs_provider:
        provider = db.session.get(TrainingProvider, provider_code) if provider_code else None
        if provider is None or not provider.active:
            raise AccountError(
                _l("Penyelenggara diklat harus terikat pada satu lembaga penyelenggara diklat."),
                field="provider_code",
            )
    elif provider_code:
        raise AccountError(
            _l("Hanya penyelenggara diklat yang terikat pada lembaga penyelenggara diklat."),
            field="provider_code",
        )


def _add_grant(
    user: User,
    role: Role,
    *,
    region_code: str | None = None,
    body_code: str | None = None,
    provider_code: str | None = None,
    actor: User | None = None,
) -> RoleGrant:
    grant = RoleGrant(
        user_id=user.id,
        role=role,
        region_code=region_code,
        certification_body_code=body_code,
        training_provider_code=provider_code,
        granted_at=utcnow(),
        granted_by_id=getattr(actor, "id", None),
    )
    db.session.add(grant)
    db.session.flush()
    db.session.expire(user, ["grants", "active_grants"])
    audit.record("role.granted", object_type="user", object_id=user.id, after=grant.audit_view(), actor=actor)
    return grant


def grant_role(
    user: User,
    role: Role,
    *,
    region_code: str | None = None,
    body_code: str | None = None,
    provider_code: str | None = None,
    actor: User | None = None,
) -> RoleGrant:
    """Give an account one more role with its scope. It takes effect on the user's next request
    (grants are read per request); the open sessions go on."""
    role = Role(role)
    region_code, body_code, provider_code = region_code or None, body_code or None, provider_code or None
    check_grant_scope(role, region_code, body_code, provider_code)
    scope = (region_code, body_code, provider_code)
    for grant in user.grants_for(role):
        if (grant.region_code, grant.certification_body_code, grant.training_provider_code) == scope:
            raise AccountError(
                _l("Akun ini sudah memegang peran ini dengan cakupan yang sama."), field="role"
            )
    return _add_grant(
        user, role, region_code=region_code, body_code=body_code, provider_code=provider_code, actor=actor
    )


def revoke_grant(grant: RoleGrant, actor: User | None = None) -> None:
    """End a grant at once: the user's sessions end (token rotated) and their next sign-in has the
    remaining roles only."""
    if grant.revoked_at is not None:
        return
    if actor is not None and actor.id == grant.user_id and grant.role == Role.MINISTRY_ADMIN:
        raise AccountError(_l("Anda tidak dapat mencabut peran admin Kemensos Anda sendiri."))
    user = db.session.get(User, grant.user_id)
    before = grant.audit_view()
    grant.revoked_at = utcnow()
    grant.revoked_by_id = getattr(actor, "id", None)
    user.session_token = new_session_token()
    db.session.flush()
    db.session.expire(user, ["grants", "active_grants"])
    audit.record(
        "role.revoked",
        object_type="user",
        object_id=user.id,
        before=before,
        after=grant.audit_view(),
        actor=actor,
    )


def create_staff(
    *,
    email: str,
    full_name: str,
    role: Role,
    region_code: str | None = None,
    body_code: str | None = None,
    provider_code: str | None = None,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Create a verified staff account, its person and its first grant. Without a password, the new
    user gets a link to set one."""
    email = normalize_email(email)
    role = Role(role)
    if role not in STAFF_ROLES:
        raise AccountError(_l("Pilih peran staf."), field="role")
    if find_by_email(email) is not None:
        raise AccountError(_l("Alamat surel ini sudah digunakan oleh akun lain."), field="email")
    region_code, body_code, provider_code = region_code or None, body_code or None, provider_code or None
    check_grant_scope(role, region_code, body_code, provider_code)
    user = User(email=email, full_name=full_name.strip(), email_verified_at=utcnow())
    if password:
        check_password_rules(password, email, full_name)
        user.set_password(password)
    else:
        user.set_unusable_password()  # until the invitation is accepted
    db.session.add(user)
    db.session.flush()
    _add_grant(
        user, role, region_code=region_code, body_code=body_code, provider_code=provider_code, actor=actor
    )
    create_account_person(user, actor=actor)
    audit.record("staff.created", object_type="user", object_id=user.id, after=user.audit_view(), actor=actor)
    if not password:
        _mail_link(
            user,
            tokens.INVITE_SALT,
            user.password_hash,
            "accounts.reset_password",
            _l("Akun SDM Kesos Anda telah dibuat"),
            "staff_invitation",
            "reset_url",
        )
    return user


def update_staff(user: User, *, full_name: str, actor: User | None = None) -> None:
    """Edit a staff account's name (roles change through grant_role / revoke_grant)."""
    if not user.is_staff:
        raise AccountError(_l("Akun pemohon tidak dapat diubah di sini."))
    before = user.audit_view()
    user.full_name = full_name.strip()
    person = person_of_user(user.id)
    if person is not None and not profile_complete(person):
        person.full_name = user.full_name  # a staff person without an applicant profile follows the account
    audit.record(
        "staff.updated",
        object_type="user",
        object_id=user.id,
        before=before,
        after=user.audit_view(),
        actor=actor,
    )


def set_active(user: User, active: bool, actor: User | None = None) -> None:
    if actor is not None and actor.id == user.id and not active:
        raise AccountError(_l("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if user.active == active:
        return
    before = user.audit_view()
    user.active = active
    user.session_token = new_session_token()  # ends every open session
    audit.record(
        "staff.activated" if active else "staff.deactivated",
        object_type="user",
        object_id=user.id,
        before=before,
        after=user.audit_view(),
        actor=actor,
    )
