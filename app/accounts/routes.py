"""Sign-up, e-mail verification, login/logout, password reset and change."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from app.accounts import devices, services
from app.accounts.forms import (
    ChangePasswordForm,
    EmailOnlyForm,
    LoginForm,
    ResetPasswordForm,
    SignUpForm,
)
from app.core.errors import DomainError
from app.core.forms import attach_error
from app.core.permissions import SIGNED_IN, allow
from app.core.urls import safe_next
from app.extensions import limiter

bp = Blueprint("accounts", __name__, url_prefix="/akun")


def _login_email() -> str:
    return services.normalize_email(request.form.get("email", ""))[:255]


def _known_device() -> bool:
    return devices.device_for(_login_email()) is not None


def _login_client_key() -> str:
    """Failed logins count per (account, client): this browser's device cookie for the account, or
    else the client's IP address. An attacker elsewhere never blocks the owner's own browser."""
    email = _login_email()
    device = devices.device_for(email)
    return f"login-client:{email}:" + (f"device:{device}" if device else f"ip:{get_remote_address()}")


def _login_account_key() -> str:
    return "login-account:" + _login_email()


def _failed(response) -> bool:
    return response.status_code != 302


def _tries_left() -> int | None:
    """Failed logins this client may still make for the account, counting the one just made."""
    for limit in limiter.current_limits:
        if limit.key and "login-client:" in limit.key:
            return max(0, limit.remaining - 1)
    return None


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_client_key,
    methods=["POST"],
    deduct_when=_failed,
)
@limiter.limit(  # a ceiling for every client without this account's device cookie, IPs together
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_CEILING"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_known_device,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm(next=request.args.get("next"))
    tries_left = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            attach_error(form, error)
            tries_left = _tries_left()
        else:
            session.clear()  # a fresh session on login: no fixation
            login_user(user)
            response = redirect(safe_next(form.next.data) or url_for("main.dashboard"))
            return devices.remember_device(response, services.normalize_email(user.email))
    status = 200 if not form.errors else 422
    return render_template("accounts/login.html", form=form, tries_left=tries_left), status


@bp.post("/keluar")
@allow(SIGNED_IN)
def logout():
    services.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("accounts.login"))


@bp.post("/keluar-semua")
@allow(SIGNED_IN)
def logout_everywhere():
    services.end_sessions(current_user._get_current_object(), "account.logged_out_everywhere")
    logout_user()
    session.clear()
    flash(_("Anda telah keluar dari semua perangkat."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/daftar", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_EMAIL_LIMIT"], methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            services.sign_up(form.full_name.data, form.email.data, form.password.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            session["signup_email"] = services.normalize_email(form.email.data)
            return redirect(url_for("accounts.signup_done"))
    return render_template("accounts/signup.html", form=form), 200 if not form.errors else 422


@bp.get("/daftar/terkirim")
def signup_done():
    return render_template("accounts/signup_done.html", email=session.get("signup_email"))


@bp.get("/verifikasi/<token>")
def verify_email(token: str):
    try:
        services.verify_email(token)
    except DomainError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 400
    flash(_("Alamat surel Anda sudah terverifikasi. Silakan masuk."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/verifikasi/kirim-ulang", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_EMAIL_LIMIT"], methods=["POST"])
def resend_verification():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.resend_verification(form.email.data)
        flash(
            _("Jika alamat tersebut terdaftar dan belum diverifikasi, kami telah mengirimkan tautan baru."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/resend_verification.html", form=form)


@bp.route("/lupa-sandi", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_EMAIL_LIMIT"], methods=["POST"])
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "Jika alamat tersebut terdaftar, kami telah mengirimkan tautan untuk mengatur ulang "
                "kata sandi. Silakan periksa kotak masuk surel Anda."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/atur-sandi/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(token)
    except DomainError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 400
    # An open staff invitation says who it is for: the role and its region or body.
    invitation = user.active_grants if user.invitation_pending else None
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            logout_user()
            session.clear()
            flash(_("Kata sandi baru sudah disimpan. Silakan masuk."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, invitation=invitation)


@bp.route("/ubah-sandi", methods=["GET", "POST"])
@allow(SIGNED_IN)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            login_user(current_user._get_current_object())  # keep this session; the new token ends all others
            flash(_("Kata sandi sudah diubah."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("accounts/change_password.html", form=form)
