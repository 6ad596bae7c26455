"""Configuration classes. Every setting comes from an environment variable; nothing secret lives here.

Pick the class with APP_CONFIG (development, testing, production); production is the default so that a
forgotten variable fails closed. See README.md for the full list of variables.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    """Shared settings. Subclasses change only what differs per environment."""

    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Key for encrypting personal data at rest (NIK): required in production; development and tests
    # derive one from SECRET_KEY. Never change it without re-encrypting.
    DATA_ENCRYPTION_KEY = os.environ.get("DATA_ENCRYPTION_KEY")
    # Key of the audit trail's chain (HMAC-SHA256): required in production; development and tests
    # derive one from SECRET_KEY. Never stored in the database; changing it makes `flask audit verify`
    # fail on every event sealed before.
    AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY")
    # Append-only file with one line per seal (time, last seq, head MAC). Keep it, and ship copies
    # off the database server: it is what shows events deleted from the end of the chain.
    AUDIT_ANCHOR_FILE = os.environ.get("AUDIT_ANCHOR_FILE", str(INSTANCE_DIR / "audit-anchor.log"))

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'sdm_kesos.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME_SECONDS", 8 * 3600)
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session

    # Internationalisation: Indonesian first, English available.
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}

    # Mail: SMTP when MAIL_SERVER is set; otherwise one .eml file per message in MAIL_OUTBOX_DIR.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "SDM Kesos <no-reply@localhost>")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    # Delivery attempts before a mail is marked failed (1 min apart, doubling, at most 30 min: ~3.5 h).
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 12)

    # Background jobs (app/core/jobs.py): "sqlite" (a file queue, one machine), "redis" (HUEY_REDIS_URL;
    # any number of consumers on any number of machines) or "immediate" (run in-process, for tests).
    HUEY_BACKEND = os.environ.get("HUEY_BACKEND", "sqlite")
    HUEY_REDIS_URL = os.environ.get("HUEY_REDIS_URL")
    HUEY_SQLITE_PATH = os.environ.get("HUEY_SQLITE_PATH", str(INSTANCE_DIR / "huey.sqlite3"))

    # Uploads: stored outside any static folder, bounded in size.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    EXPORT_DIR = os.environ.get("EXPORT_DIR", str(INSTANCE_DIR / "exports"))  # large CSV exports
    MAX_UPLOAD_MB = _int("MAX_UPLOAD_MB", 5)  # per PDF
    # Per JPEG/PNG: phone photos are 5-12 MB; they are downscaled before storing (app/core/uploads.py).
    MAX_IMAGE_UPLOAD_MB = _int("MAX_IMAGE_UPLOAD_MB", 15)
    # One submission carries every document of a registration (up to 4 files), plus one spare MB.
    MAX_CONTENT_LENGTH = (4 * max(MAX_UPLOAD_MB, MAX_IMAGE_UPLOAD_MB) + 1) * 1024 * 1024

    # Rate limits (Flask-Limiter syntax). Storage: memory in one process, Redis in production.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "30 per 15 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")  # per client
    LOGIN_LIMIT_PER_ACCOUNT_CEILING = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_CEILING", "50 per hour")
    NIK_CHECK_LIMIT = os.environ.get("NIK_CHECK_LIMIT", "5 per hour")  # registered NIKs typed, per account
    # An officer's "Cek NIK" before a walk-in form, per officer.
    OFFICER_NIK_CHECK_LIMIT = os.environ.get("OFFICER_NIK_CHECK_LIMIT", "30 per 10 minutes")
    ACCOUNT_EMAIL_LIMIT = os.environ.get("ACCOUNT_EMAIL_LIMIT", "10 per hour")
    PUBLIC_LOOKUP_LIMIT = os.environ.get("PUBLIC_LOOKUP_LIMIT", "60 per minute")
    # The public document pages, cached whole for anonymous visitors (app/verification/page_cache.py):
    # memory:// serves one process; with several (gunicorn workers), Redis, by default the rate
    # limits' store. Pages also expire after PUBLIC_PAGE_CACHE_SECONDS.
    PUBLIC_PAGE_CACHE_URL = os.environ.get("PUBLIC_PAGE_CACHE_URL", RATELIMIT_STORAGE_URI)
    PUBLIC_PAGE_CACHE_SECONDS = _int("PUBLIC_PAGE_CACHE_SECONDS", 300)

    # Token lifetimes (seconds)
    EMAIL_VERIFY_MAX_AGE = _int("EMAIL_VERIFY_MAX_AGE", 3 * 24 * 3600)
    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 3600)
    STAFF_INVITATION_MAX_AGE = _int("STAFF_INVITATION_MAX_AGE", 7 * 24 * 3600)

    # Ages accepted for a person's birth date (inclusive), applicants and walk-ins alike.
    PERSON_MIN_AGE = _int("PERSON_MIN_AGE", 15)
    PERSON_MAX_AGE = _int("PERSON_MAX_AGE", 100)
    # Claiming a walk-in record: lifetimes (seconds) of the receipt's code and of an invitation link,
    # and attempts per account.
    CLAIM_CODE_MAX_AGE = _int("CLAIM_CODE_MAX_AGE", 30 * 24 * 3600)
    CLAIM_INVITATION_MAX_AGE = _int("CLAIM_INVITATION_MAX_AGE", 14 * 24 * 3600)
    CLAIM_LIMIT = os.environ.get("CLAIM_LIMIT", "5 per hour")

    # Training (diklat): minutes in one JP (jam pelajaran), the default attendance a participant needs to
    # complete (percent of session days; each programme may set its own), the yearly JP minimum of a civil
    # servant, and where issued PDFs (STTPs, later certificates) are stored.
    TRAINING_MINUTES_PER_JP = _int("TRAINING_MINUTES_PER_JP", 45)
    TRAINING_ATTENDANCE_THRESHOLD = _int("TRAINING_ATTENDANCE_THRESHOLD", 90)
    ASN_YEARLY_MIN_JP = _int("ASN_YEARLY_MIN_JP", 20)
    CERTIFICATES_DIR = os.environ.get("CERTIFICATES_DIR", str(BASE_DIR / "certificates"))
    # JP ledger: the most JP one external training may claim (a bound on typing errors; the officer
    # still checks the certificate) and the rows per page of the person's ledger and the officers' lists.
    LEDGER_MAX_JP_PER_RECORD = _int("LEDGER_MAX_JP_PER_RECORD", 500)
    LEDGER_PAGE_SIZE = _int("LEDGER_PAGE_SIZE", 50)
    # Attendance import (CSV/XLSX): the largest file and the most data rows accepted in one upload.
    TRAINING_IMPORT_MAX_MB = _int("TRAINING_IMPORT_MAX_MB", 2)
    TRAINING_IMPORT_MAX_ROWS = _int("TRAINING_IMPORT_MAX_ROWS", 5_000)

    # Certification (uji kompetensi): the days after a plenary decision within which a candidate may
    # appeal (a body may set its own: certification_bodies.appeal_window_days); the years within which
    # having taught a candidate in training is a conflict of interest for their assessor; the rows per
    # page of the certification lists.
    CERTIFICATION_APPEAL_DAYS = _int("CERTIFICATION_APPEAL_DAYS", 14)
    CERTIFICATION_COI_TRAINING_YEARS = _int("CERTIFICATION_COI_TRAINING_YEARS", 2)
    CERTIFICATION_PAGE_SIZE = _int("CERTIFICATION_PAGE_SIZE", 50)

    # Certificates and practice licences (credentials). Signing keys: each issuer (a certification
    # body's code, or SIPPS for licences) signs its PDFs with the PKCS#12 file SIGNING_DIR/<issuer>.p12
    # (password SIGNING_P12_PASSWORD) and its QR statements with the Ed25519 keys under
    # SIGNING_DIR/statement/<issuer>/ (README, "Signing keys"). SIGNING_DEV_KEYS creates a development
    # CA, signers and statement keys when missing (never in production: there a missing or wrong key
    # refuses issuing).
    SIGNING_DIR = os.environ.get("SIGNING_DIR", str(INSTANCE_DIR / "signing"))
    SIGNING_P12_PASSWORD = os.environ.get("SIGNING_P12_PASSWORD", "")
    SIGNING_DEV_KEYS = False
    # Renewal (resertifikasi): within the last months of validity, with the CPD (training JP per year of
    # validity; a scheme version may set its own); expiry reminders (days before valid_until).
    CERTIFICATE_RENEWAL_WINDOW_MONTHS = _int("CERTIFICATE_RENEWAL_WINDOW_MONTHS", 6)
    CERTIFICATE_RENEWAL_JP_PER_YEAR = _int("CERTIFICATE_RENEWAL_JP_PER_YEAR", 20)
    CERTIFICATE_REMINDER_DAYS = (90, 30)
    # Who signs a body's certificates, by body code (name and title as printed); a body not listed here
    # signs with its exam session's signatory (who signed the decree). The place printed beside the date.
    CERTIFICATE_SIGNATORY_NAME: dict[str, str] = {}
    CERTIFICATE_SIGNATORY_TITLE: dict[str, str] = {
        "LSPS": "Ketua Lembaga Sertifikasi Pekerjaan Sosial",
        "LSPENSOS": "Ketua Lembaga Sertifikasi Penyuluh Sosial",
    }
    CERTIFICATE_ISSUE_PLACE = os.environ.get("CERTIFICATE_ISSUE_PLACE", "Jakarta")
    # Issuing a session's certificates renders and signs them in this many processes of the job's own
    # (1: in the job's process) when it issues at least CERTIFICATE_RENDER_POOL_MIN of them.
    CERTIFICATE_RENDER_PROCESSES = _int("CERTIFICATE_RENDER_PROCESSES", 2)
    CERTIFICATE_RENDER_POOL_MIN = _int("CERTIFICATE_RENDER_POOL_MIN", 40)
    # Practice licences (SIPPS): the term, the most held (active or suspended) per person, and how long
    # a health letter is kept after the decision.
    LICENCE_TERM_YEARS = _int("LICENCE_TERM_YEARS", 5)
    LICENCE_MAX_ACTIVE = _int("LICENCE_MAX_ACTIVE", 2)
    HEALTH_LETTER_RETENTION_DAYS = _int("HEALTH_LETTER_RETENTION_DAYS", 90)
    # Who signs a SIPPS, printed with the regency's name ("Kepala Dinas Sosial Kota Malang").
    LICENCE_SIGNATORY_TITLE = os.environ.get("LICENCE_SIGNATORY_TITLE", "Kepala Dinas Sosial")

    # Public base URL used in e-mail links built outside a request (CLI, jobs).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")

    # Strict-Transport-Security max-age in seconds (0: not sent, e.g. when the proxy in front sets it).
    HSTS_SECONDS = _int("HSTS_SECONDS", 365 * 24 * 3600)

    # Behind how many reverse proxies the app runs (0: none). Needed for client IPs in rate limits
    # and the audit trail when deployed behind nginx or a load balancer.
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    # Settings create_app() refuses to start without (besides SECRET_KEY).
    REQUIRED_SETTINGS: tuple[str, ...] = ("DATA_ENCRYPTION_KEY", "AUDIT_CHAIN_KEY")

    DEMO_ACCOUNTS_ALLOWED = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    HSTS_SECONDS = 0  # served over plain HTTP on the loopback
    REQUIRED_SETTINGS = ()
    DEBUG = True
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "http"
    DEMO_ACCOUNTS_ALLOWED = True
    SIGNING_DEV_KEYS = True
    SIGNING_P12_PASSWORD = os.environ.get("SIGNING_P12_PASSWORD", "dev-only-not-secret")


class TestingConfig(Config):
    ENV_NAME = "testing"
    HSTS_SECONDS = 0
    REQUIRED_SETTINGS = ()
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = True
    DEMO_ACCOUNTS_ALLOWED = True
    HUEY_BACKEND = "immediate"  # tasks run synchronously, right after the transaction commits
    SIGNING_DEV_KEYS = True
    SIGNING_P12_PASSWORD = "testing-only-not-secret"  # noqa: S105


class ProductionConfig(Config):
    HUEY_BACKEND = os.environ.get("HUEY_BACKEND", "redis")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("APP_CONFIG", "production").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"APP_CONFIG must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
