"""The certificate register's pages: the board admin's, the agency officer's and the holder's lists
(scoped, filtered, keyset pages with a fixed number of statements), a certificate's page (who may open
it, what each viewer sees, status on a date) and the board admin's suspend / reinstate / revoke with
their refusals. Lists are checked against records each test created (live browser tests commit
certificates of their own)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from app.core.audit import AuditEvent
from app.core.models import local_today
from app.core.roles import Role
from app.credentials.models import Certificate, Licence
from app.credentials.states import CertificateStatus, LicenceStatus
from app.documents.models import IssuedDocument
from app.extensions import db
from tests.credential_factories import create_certificate, create_holder, create_licence
from tests.factories import create_user, login

C = CertificateStatus


def _status(app, certificate_id: int) -> CertificateStatus:
    with app.app_context():
        return db.session.get(Certificate, certificate_id).status


def _number(app, certificate_id: int) -> str:
    with app.app_context():
        return db.session.get(Certificate, certificate_id).number


def _denied(app, certificate_id: int) -> bool:
    with app.app_context():
        return (
            db.session.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.action == "certificate.access_denied",
                    AuditEvent.object_id == str(certificate_id),
                )
            )
            is not None
        )


def _as(app, client, role: Role, **scope):
    user = create_user(app, role, **scope)
    login(client, user)
    return user


def _as_holder(app, client, holder) -> None:
    with app.app_context():
        from app.accounts.models import User

        email = db.session.get(User, holder.user_id).email
    login(client, email)


@contextmanager
def counted_statements(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


# --- The board admin's list ------------------------------------------------------------------------


def test_the_board_admin_sees_their_bodys_certificates_and_not_another_bodys(app, client):
    ours = create_holder(app)
    theirs = create_holder(app, body="LSPENSOS")
    _as(app, client, Role.BOARD_ADMIN)
    html = client.get("/sertifikat/lembaga").get_data(as_text=True)
    assert _number(app, ours.certificate_id) in html
    assert _number(app, theirs.certificate_id) not in html
    # Searching the other body's number finds nothing either.
    response = client.get("/sertifikat/lembaga", query_string={"nomor": _number(app, theirs.certificate_id)})
    assert response.status_code == 200
    assert "Tidak ada sertifikat yang cocok" in response.get_data(as_text=True)


def test_the_number_search_status_and_scheme_filters(app, client):
    today = local_today()
    active = create_holder(app)
    lapsed = create_holder(app, issued_on=today - timedelta(days=900), valid_until=today - timedelta(days=1))
    suspended = create_holder(app, status=C.SUSPENDED)
    _as(app, client, Role.BOARD_ADMIN)
    numbers = {
        name: _number(app, h.certificate_id)
        for name, h in (("active", active), ("lapsed", lapsed), ("suspended", suspended))
    }

    def shown(**args) -> set[str]:
        response = client.get("/sertifikat/lembaga", query_string=args)
        assert response.status_code == 200
        table = response.get_data(as_text=True).split('data-testid="certificates"')[1].split("</table>")[0]
        return {name for name, number in numbers.items() if number in table}

    # The number, as typed with spaces around and lower case.
    assert shown(nomor=f"  {numbers['lapsed'].lower()} ") == {"lapsed"}
    # Live status: past valid_until reads "Kedaluwarsa" though the daily job has not run.
    assert shown(status="aktif") >= {"active"} and "lapsed" not in shown(status="aktif")
    assert "lapsed" in shown(status="kedaluwarsa") and "active" not in shown(status="kedaluwarsa")
    assert shown(nomor=numbers["lapsed"], status="aktif") == set()
    assert shown(nomor=numbers["suspended"], status="dibekukan") == {"suspended"}
    html = client.get("/sertifikat/lembaga", query_string={"nomor": numbers["lapsed"]}).get_data(as_text=True)
    assert "Kedaluwarsa" in html
    # Scheme: each factory certificate has a scheme of its own.
    with app.app_context():
        scheme_id = db.session.get(Certificate, active.certificate_id).scheme_id
    assert shown(skema=scheme_id) == {"active"}


def test_a_bad_filter_is_refused_with_a_message(app, client):
    _as(app, client, Role.BOARD_ADMIN)
    response = client.get("/sertifikat/lembaga", query_string={"status": "hilang", "skema": "999999"})
    assert response.status_code == 422
    assert "Pilih salah satu pilihan yang tersedia." in response.get_data(as_text=True)


def test_the_list_pages_by_keyset_with_a_fixed_number_of_statements(app, client):
    for _ in range(2):
        create_holder(app, body="LSPENSOS")
    _as(app, client, Role.BOARD_ADMIN, body_code="LSPENSOS")
    with counted_statements(app) as few:
        assert client.get("/sertifikat/lembaga").status_code == 200
    for _ in range(4):
        create_holder(app, body="LSPENSOS")
    with counted_statements(app) as many:
        html = client.get("/sertifikat/lembaga").get_data(as_text=True)
    assert len(many) == len(few), many
    assert len(many) <= 10, many
    assert html.count('data-testid="certificate-row"') >= 6
    app.config["CERTIFICATION_PAGE_SIZE"], size = 2, app.config["CERTIFICATION_PAGE_SIZE"]
    try:
        first = client.get("/sertifikat/lembaga").get_data(as_text=True)
        link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
        second = client.get(link).get_data(as_text=True)
    finally:
        app.config["CERTIFICATION_PAGE_SIZE"] = size
    rows = re.compile(r'href="/sertifikat/(\d+)"')
    assert len(set(rows.findall(first))) == 2 and len(set(rows.findall(second))) == 2
    assert not set(rows.findall(first)) & set(rows.findall(second))


# --- The agency officer's list ---------------------------------------------------------------------


def test_the_officer_sees_certificates_of_people_in_their_jurisdiction_only(app, client):
    malang = create_holder(app, region="35.73")
    bandung = create_holder(app, region="32.04")
    _as(app, client, Role.AGENCY_OFFICER, region_code="35.73")
    html = client.get("/sertifikat/wilayah").get_data(as_text=True)
    assert _number(app, malang.certificate_id) in html
    assert _number(app, bandung.certificate_id) not in html

    other = app.test_client()
    _as(app, other, Role.AGENCY_OFFICER, region_code="35")  # the province sees its regencies
    assert _number(app, malang.certificate_id) in other.get("/sertifikat/wilayah").get_data(as_text=True)


# --- The holder's list -----------------------------------------------------------------------------


def test_the_holder_sees_their_certificates_and_licences_with_status(app, client):
    today = local_today()
    holder = create_holder(app)
    lapsed = create_certificate(
        app, holder.person_id, issued_on=today - timedelta(days=900), valid_until=today - timedelta(days=1)
    )
    create_licence(
        app, holder.certificate_id, place_name="Praktik Mandiri Ijen", status=LicenceStatus.SUSPENDED
    )
    stranger = create_holder(app)
    with app.app_context():  # the lapsed one's PDF is rendered; the other is still pending
        db.session.get(Certificate, lapsed).document.sha256 = "a" * 64
        db.session.commit()
    _as_holder(app, client, holder)
    html = client.get("/sertifikat/saya").get_data(as_text=True)
    assert _number(app, holder.certificate_id) in html and _number(app, lapsed) in html
    assert _number(app, stranger.certificate_id) not in html
    assert "Kedaluwarsa" in html and "Aktif" in html
    assert "Praktik Mandiri Ijen" in html and "Dibekukan" in html
    with app.app_context():
        rendered = db.session.get(Certificate, lapsed).token
        pending = db.session.get(Certificate, holder.certificate_id).token
    assert f"/verifikasi-dokumen/{rendered}" in html and f"/sertifikat/{lapsed}/unduh" in html
    assert f"/verifikasi-dokumen/{pending}" not in html  # not public before its PDF exists
    assert f"/sertifikat/{holder.certificate_id}/unduh" not in html
    assert "PDF sedang disiapkan" in html
    assert "Sertifikat saya" in client.get("/dasbor").get_data(as_text=True)


# --- A certificate's page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.APPLICANT, {}),
        (Role.BOARD_ADMIN, {"body_code": "LSPENSOS"}),
        (Role.AGENCY_OFFICER, {"region_code": "32.04"}),
    ],
    ids=["another-applicant", "another-body", "another-region"],
)
def test_strangers_get_404_and_an_audit_entry(app, client, role, scope):
    holder = create_holder(app, region="35.73")
    _as(app, client, role, **scope)
    for path in ("/unduh", ""):
        assert client.get(f"/sertifikat/{holder.certificate_id}{path}").status_code == 404
        assert _denied(app, holder.certificate_id)  # the download's refusal is audited on its own
    if role == Role.BOARD_ADMIN:
        response = client.post(f"/sertifikat/{holder.certificate_id}/bekukan", data={"reason": "x"})
        assert response.status_code == 404
        assert _status(app, holder.certificate_id) == C.ACTIVE


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.BOARD_ADMIN, {}), (Role.AGENCY_OFFICER, {"region_code": "35.73"}), (Role.MINISTRY_ADMIN, {})],
    ids=str,
)
def test_staff_who_may_view_see_the_page_with_actor_names(app, client, role, scope):
    holder = create_holder(app, region="35.73")
    create_licence(app, holder.certificate_id, place_name="Praktik Mandiri Ijen")
    _as(app, client, role, **scope)
    response = client.get(f"/sertifikat/{holder.certificate_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _number(app, holder.certificate_id) in html
    with app.app_context():
        assert db.session.get(Certificate, holder.certificate_id).person.nik_masked in html
    assert "Praktik Mandiri Ijen" in html
    assert "system" in html.split('data-testid="certificate-history"')[1]  # who recorded it
    offers = 'id="bekukan"' in html
    assert offers == (role != Role.AGENCY_OFFICER)  # only the body's admins act


def test_the_holder_sees_the_page_without_actor_names_or_actions(app, client):
    holder = create_holder(app)
    _as_holder(app, client, holder)
    html = client.get(f"/sertifikat/{holder.certificate_id}").get_data(as_text=True)
    history = html.split('data-testid="certificate-history"')[1]
    assert "Aktif" in history and "system" not in history
    assert 'id="bekukan"' not in html and 'id="cabut"' not in html
    with app.app_context():
        masked = db.session.get(Certificate, holder.certificate_id).person.nik_masked
    assert masked in html


def test_status_on_a_date(app, client):
    today = local_today()
    holder = create_holder(app, issued_on=today - timedelta(days=30), valid_until=today - timedelta(days=2))
    _as_holder(app, client, holder)
    url = f"/sertifikat/{holder.certificate_id}"
    html = client.get(url, query_string={"tanggal": (today - timedelta(days=1)).isoformat()}).get_data(
        as_text=True
    )
    assert "Kedaluwarsa" in html.split('data-testid="status-on"')[1]
    html = client.get(url, query_string={"tanggal": "2020-01-01"}).get_data(as_text=True)
    assert "belum terbit" in html
    response = client.get(url, query_string={"tanggal": "31-02-2026"})
    assert response.status_code == 422
    assert "Tanggal tidak valid" in response.get_data(as_text=True)


def test_the_download_serves_the_issued_pdf_to_the_holder(app, client, monkeypatch):
    from app.documents import issuing

    holder = create_holder(app)
    _as_holder(app, client, holder)
    pending = client.get(f"/sertifikat/{holder.certificate_id}/unduh")
    assert pending.status_code == 302
    assert "sedang disiapkan" in client.get(pending.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        document = db.session.get(Certificate, holder.certificate_id).document
        db.session.get(IssuedDocument, document.id).sha256 = "a" * 64
        db.session.commit()
    monkeypatch.setattr(issuing, "read_pdf", lambda document: b"%PDF-1.7 sertifikat")
    response = client.get(f"/sertifikat/{holder.certificate_id}/unduh")
    assert response.status_code == 200
    assert response.data == b"%PDF-1.7 sertifikat"
    assert response.headers["Content-Type"] == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]


def _rendered(app, certificate_id: int) -> None:
    with app.app_context():
        document = db.session.get(Certificate, certificate_id).document
        db.session.get(IssuedDocument, document.id).sha256 = "a" * 64
        db.session.commit()


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.BOARD_ADMIN, {}), (Role.AGENCY_OFFICER, {"region_code": "35.73"}), (Role.MINISTRY_ADMIN, {})],
    ids=str,
)
def test_the_one_download_serves_whoever_sees_the_certificates_page(app, client, monkeypatch, role, scope):
    """The body's admins, the ministry and the officer of the holder's region: the page they open
    offers the download, and the download serves them (the holder: the test above)."""
    from app.documents import issuing

    holder = create_holder(app, region="35.73")
    _rendered(app, holder.certificate_id)
    monkeypatch.setattr(issuing, "read_pdf", lambda document: b"%PDF-1.7 sertifikat")
    _as(app, client, role, **scope)
    page = client.get(f"/sertifikat/{holder.certificate_id}").get_data(as_text=True)
    assert f'href="/sertifikat/{holder.certificate_id}/unduh"' in page
    response = client.get(f"/sertifikat/{holder.certificate_id}/unduh")
    assert response.status_code == 200 and response.data == b"%PDF-1.7 sertifikat"
    assert (
        f'filename="Sertifikat-{_number(app, holder.certificate_id).replace("/", "-")}.pdf"'
        in (response.headers["Content-Disposition"])
    )
    assert "no-store" in response.headers.get("Cache-Control", "")
    assert not _denied(app, holder.certificate_id)


def test_the_download_is_refused_to_an_officer_of_another_regency_in_the_same_province(app, client):
    holder = create_holder(app, region="35.73")
    _rendered(app, holder.certificate_id)
    _as(app, client, Role.AGENCY_OFFICER, region_code="35.07")
    assert client.get(f"/sertifikat/{holder.certificate_id}/unduh").status_code == 404
    assert _denied(app, holder.certificate_id)


# --- The board admin's actions ---------------------------------------------------------------------


def test_suspend_then_reinstate_through_the_page(app, client, outbox):
    holder = create_holder(app)
    licence = create_licence(app, holder.certificate_id)
    _as(app, client, Role.BOARD_ADMIN)
    url = f"/sertifikat/{holder.certificate_id}"
    response = client.post(f"{url}/bekukan", data={"reason": "Laporan pelanggaran etik diperiksa"})
    assert response.status_code == 302
    assert _status(app, holder.certificate_id) == C.SUSPENDED
    with app.app_context():
        assert db.session.get(Licence, licence).status == LicenceStatus.SUSPENDED
    html = client.get(url).get_data(as_text=True)
    assert "Sertifikat dibekukan" in html
    assert 'id="pulihkan"' in html and 'id="bekukan"' not in html  # only legal actions offered
    assert client.post(f"{url}/pulihkan").status_code == 302
    assert _status(app, holder.certificate_id) == C.ACTIVE
    with app.app_context():
        assert db.session.get(Licence, licence).status == LicenceStatus.ACTIVE
    subjects = [m["Subject"] for m in outbox.messages()]
    assert any("dibekukan" in s for s in subjects) and any("berlaku kembali" in s for s in subjects)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "Wajib diisi."),
        ({"reason": "Alasan", "effective_on": "besok"}, "Tanggal tidak valid"),
        ({"reason": "Alasan yang tetap tertulis", "effective_on": "2999-01-01"}, "tidak boleh di masa depan"),
    ],
    ids=["no-reason", "bad-date", "future-date"],
)
def test_a_refused_suspension_says_why_and_keeps_what_was_typed(app, client, data, message):
    holder = create_holder(app)
    _as(app, client, Role.BOARD_ADMIN)
    response = client.post(f"/sertifikat/{holder.certificate_id}/bekukan", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    if data["reason"]:
        assert data["reason"] in html
    assert _status(app, holder.certificate_id) == C.ACTIVE


def test_a_revocation_needs_a_public_reason_and_an_ethics_reference(app, client, outbox):
    holder = create_holder(app)
    licence = create_licence(app, holder.certificate_id)
    _as(app, client, Role.BOARD_ADMIN)
    url = f"/sertifikat/{holder.certificate_id}"
    html = client.get(url).get_data(as_text=True)
    assert "bersifat publik" in html
    response = client.post(f"{url}/cabut", data={"reason": "Pelanggaran berat kode etik", "reference": " "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "rekomendasi atau keputusan komite etik" in html and "Pelanggaran berat kode etik" in html
    assert _status(app, holder.certificate_id) == C.ACTIVE

    response = client.post(
        f"{url}/cabut", data={"reason": "Pelanggaran berat kode etik", "reference": "Rek. KE-12/2026"}
    )
    assert response.status_code == 302
    assert _status(app, holder.certificate_id) == C.REVOKED
    with app.app_context():
        assert db.session.get(Licence, licence).status == LicenceStatus.ENDED
    html = client.get(url).get_data(as_text=True)
    revocation = html.split('data-testid="revocation"')[1]
    assert "Pelanggaran berat kode etik" in revocation and "Rek. KE-12/2026" in revocation
    assert 'id="pulihkan"' not in html and 'id="cabut"' not in html  # final: nothing offered
    # A crafted POST on the revoked certificate is refused with the lifecycle's message.
    response = client.post(f"{url}/bekukan", data={"reason": "Lagi"})
    assert response.status_code == 422
    assert "sudah berstatus Dicabut" in response.get_data(as_text=True)


def test_a_certificate_past_valid_until_offers_no_action(app, client):
    today = local_today()
    holder = create_holder(app, issued_on=today - timedelta(days=900), valid_until=today - timedelta(days=1))
    _as(app, client, Role.BOARD_ADMIN)
    html = client.get(f"/sertifikat/{holder.certificate_id}").get_data(as_text=True)
    assert "Kedaluwarsa" in html
    assert 'id="bekukan"' not in html and 'id="cabut"' not in html
    response = client.post(f"/sertifikat/{holder.certificate_id}/bekukan", data={"reason": "Terlambat"})
    assert response.status_code == 422
    assert "sudah berakhir" in response.get_data(as_text=True)


def test_the_actions_need_the_csrf_token(app, client, csrf_enabled):
    holder = create_holder(app)
    _as(app, client, Role.BOARD_ADMIN)
    for action in ("bekukan", "pulihkan", "cabut"):
        response = client.post(f"/sertifikat/{holder.certificate_id}/{action}", data={"reason": "x"})
        assert response.status_code in (400, 422)
    assert _status(app, holder.certificate_id) == C.ACTIVE


def test_the_menu_shows_each_list_to_its_roles(app):
    expected = {
        Role.APPLICANT: "Sertifikat saya",
        Role.BOARD_ADMIN: "Sertifikat lembaga",
        Role.AGENCY_OFFICER: "Sertifikat di wilayah Anda",
    }
    for role, label in expected.items():
        client = app.test_client()
        _as(app, client, role)
        html = client.get("/dasbor").get_data(as_text=True)
        assert label in html, role
        for other in set(expected.values()) - {label}:
            assert other not in html, (role, other)


# --- Renewal (resertifikasi) -----------------------------------------------------------------------


def _renewable(app, *, jp: int = 100, days_left: int = 60, **certificate):
    """A holder whose 5-year certificate ends in `days_left` days, with `jp` training JP since its
    issue, and an open exam session of the body offering its scheme version."""
    from tests.certification_factories import create_exam_session
    from tests.training_factories import create_training_record

    today = local_today()
    holder = create_holder(
        app,
        issued_on=today - timedelta(days=5 * 365 - days_left),
        valid_until=today + timedelta(days=days_left),
        **certificate,
    )
    for part in (jp // 2, jp - jp // 2):
        if part:
            create_training_record(app, holder.person_id, jp=part, ended_on=today - timedelta(days=100))
    with app.app_context():
        version_id = db.session.get(Certificate, holder.certificate_id).version_id
    session_id = create_exam_session(app, version_id)
    return holder, session_id


def test_months_before_keeps_the_day_or_takes_the_months_last():
    from datetime import date

    from app.credentials.registry.renewal import months_before

    assert months_before(date(2031, 8, 31), 6) == date(2031, 2, 28)
    assert months_before(date(2032, 3, 15), 6) == date(2031, 9, 15)
    assert months_before(date(2032, 1, 10), 1) == date(2031, 12, 10)


def test_the_renewal_gate_says_every_reason(app, ctx):
    from app.credentials.registry.renewal import renewal_check

    far, _ = _renewable(app, jp=40, days_left=400)
    suspended, _ = _renewable(app, status=C.SUSPENDED)
    ready, _ = _renewable(app)
    check = renewal_check(db.session.get(Certificate, far.certificate_id))
    assert not check.allowed and check.jp_required == 100 and check.jp_done == 40
    reasons = " ".join(str(r) for r in check.reasons)
    assert "dapat diajukan mulai" in reasons and "baru memiliki 40 JP" in reasons
    check = renewal_check(db.session.get(Certificate, suspended.certificate_id))
    assert "sedang dibekukan" in str(check.reasons[0])
    assert renewal_check(db.session.get(Certificate, ready.certificate_id)).allowed


def test_the_version_sets_its_own_renewal_jp(app, ctx):
    from app.certification.models import SchemeVersion
    from app.credentials.registry.renewal import jp_required

    holder, _ = _renewable(app)
    certificate = db.session.get(Certificate, holder.certificate_id)
    db.session.get(SchemeVersion, certificate.version_id).renewal_jp_per_year = 30
    assert jp_required(certificate) == 150
    app.config["CERTIFICATE_RENEWAL_JP_PER_YEAR"], default = 10, app.config["CERTIFICATE_RENEWAL_JP_PER_YEAR"]
    try:
        db.session.get(SchemeVersion, certificate.version_id).renewal_jp_per_year = None
        assert jp_required(certificate) == 50
    finally:
        app.config["CERTIFICATE_RENEWAL_JP_PER_YEAR"] = default


def test_the_holder_applies_for_renewal_from_the_certificate_page(app, client):
    from app.certification.models import Candidacy
    from app.certification.states import CandidacyPurpose

    holder, session_id = _renewable(app)
    _as_holder(app, client, holder)
    url = f"/sertifikat/{holder.certificate_id}"
    html = client.get(url).get_data(as_text=True)
    assert "100 dari 100 JP" in html and "Ajukan resertifikasi" in html
    response = client.post(f"{url}/resertifikasi", data={"session_id": session_id})
    assert response.status_code == 302
    with app.app_context():
        candidacy = db.session.scalar(
            select(Candidacy).where(Candidacy.renews_certificate_id == holder.certificate_id)
        )
        assert candidacy.purpose == CandidacyPurpose.RECERTIFICATION
        assert candidacy.session_id == session_id and candidacy.person_id == holder.person_id
        assert response.headers["Location"].endswith(f"/sertifikasi/asesi/{candidacy.id}")
    assert "Anda sudah mengajukan resertifikasi" in client.get(url).get_data(as_text=True)
    again = client.post(f"{url}/resertifikasi", data={"session_id": session_id})
    assert again.status_code == 422
    assert "Anda sudah mengajukan resertifikasi" in again.get_data(as_text=True)


def test_a_renewal_refused_by_the_gate_or_for_another_session_says_why(app, client):
    short, session_id = _renewable(app, jp=20)
    _as_holder(app, client, short)
    url = f"/sertifikat/{short.certificate_id}"
    html = client.get(url).get_data(as_text=True)
    assert "baru memiliki 20 JP" in html and "Ajukan resertifikasi" not in html
    response = client.post(f"{url}/resertifikasi", data={"session_id": session_id})
    assert response.status_code == 422
    assert "baru memiliki 20 JP" in response.get_data(as_text=True)

    ready, _ = _renewable(app)
    other = app.test_client()
    _as_holder(app, other, ready)
    response = other.post(
        f"/sertifikat/{ready.certificate_id}/resertifikasi", data={"session_id": session_id}
    )
    assert response.status_code == 422  # another scheme's session is not on offer
    assert "Pilih salah satu pilihan yang tersedia." in response.get_data(as_text=True)


def test_only_the_holder_applies_for_renewal(app, client):
    holder, session_id = _renewable(app)
    _as(app, client, Role.APPLICANT)
    response = client.post(
        f"/sertifikat/{holder.certificate_id}/resertifikasi", data={"session_id": session_id}
    )
    assert response.status_code == 404
    assert _denied(app, holder.certificate_id)
    admin = app.test_client()
    _as(app, admin, Role.BOARD_ADMIN)
    assert admin.post(f"/sertifikat/{holder.certificate_id}/resertifikasi").status_code == 403
    html = admin.get(f"/sertifikat/{holder.certificate_id}").get_data(as_text=True)
    assert 'id="resertifikasi"' not in html


def test_licences_link_to_their_own_page(app, client):
    holder = create_holder(app)
    licence = create_licence(app, holder.certificate_id, place_name="Praktik Mandiri Ijen")
    _as_holder(app, client, holder)
    for path in ("/sertifikat/saya", f"/sertifikat/{holder.certificate_id}"):
        assert f'href="/izin-praktik/{licence}"' in client.get(path).get_data(as_text=True), path


def test_a_certificates_page_and_the_holders_list_take_a_bounded_number_of_statements(app, client):
    holder = create_holder(app)
    for _ in range(3):
        create_licence(app, holder.certificate_id)
    create_certificate(app, holder.person_id)
    _as_holder(app, client, holder)
    with counted_statements(app) as page:
        assert client.get(f"/sertifikat/{holder.certificate_id}").status_code == 200
    with counted_statements(app) as mine:
        assert client.get("/sertifikat/saya").status_code == 200
    assert len(page) <= 12, page  # the renewal check included
    assert len(mine) <= 6, mine


def test_a_correction_reissues_the_certificate_and_the_old_page_points_to_the_new(app, client, outbox):
    holder = create_holder(app)
    with app.app_context():  # a number outside the allocator's series (the factory numbers from 1 too)
        certificate = db.session.get(Certificate, holder.certificate_id)
        certificate.number = certificate.document.number = f"F-{certificate.id}/LSPS/XII/2026"
        db.session.commit()
    _as(app, client, Role.BOARD_ADMIN)
    url = f"/sertifikat/{holder.certificate_id}"
    assert 'id="koreksi"' in client.get(url).get_data(as_text=True)
    refused = client.post(f"{url}/koreksi", data={"correction_reason": ""})
    assert refused.status_code == 422 and "Wajib diisi." in refused.get_data(as_text=True)
    assert _status(app, holder.certificate_id) == C.ACTIVE

    response = client.post(f"{url}/koreksi", data={"correction_reason": "Nama pemegang salah tulis"})
    assert response.status_code == 302
    with app.app_context():
        old = db.session.get(Certificate, holder.certificate_id)
        new_id = old.superseded_by_id
        assert old.status == C.SUPERSEDED and db.session.get(Certificate, new_id).corrects_id == old.id
    assert response.headers["Location"].endswith(f"/sertifikat/{new_id}")
    html = client.get(url).get_data(as_text=True)
    assert f'href="/sertifikat/{new_id}"' in html.split('data-testid="superseded-by"')[1]
    assert 'id="koreksi"' not in html and 'id="bekukan"' not in html
    assert f'href="/sertifikat/{holder.certificate_id}"' in client.get(f"/sertifikat/{new_id}").get_data(
        as_text=True
    )
    assert any("diganti" in m["Subject"] for m in outbox.messages())
