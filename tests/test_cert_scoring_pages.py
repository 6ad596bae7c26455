"""The assessor's pages (/asesmen): the work list, the reduced candidate view, the scoring form with
its confirmations and refusals, files, corrections and declared conflicts, scoping (404 + audit)."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from app.accounts.models import User
from app.certification.models import Assessment, AssessmentMark, Candidacy
from app.certification.states import AssessmentStatus, AssessorRole, Verdict
from app.core import uploads
from app.core.audit import AuditEvent
from app.core.display import long_date, phone_local
from app.documents.models import Document, Purpose
from app.extensions import db
from app.people.models import Person
from tests.certification_factories import create_assessment, create_assessor, create_candidacy
from tests.factories import create_person, create_user, login, sample_file
from tests.test_cert_scoring import Arranged, arrange


@pytest.fixture
def arranged(app) -> Arranged:
    return arrange(app)


def sign_in(app, client, user_id: int) -> None:
    with app.app_context():
        email = db.session.get(User, user_id).email
    assert login(client, email).status_code == 302


def cells(app, assessment_id: int) -> list[str]:
    with app.app_context():
        version = db.session.get(Assessment, assessment_id).candidacy.version
        return [f"mark-{u.id}-{m}" for u in version.units for m in version.methods]


def all_marks(app, assessment_id: int, verdict: str = "K", **extra) -> dict:
    return {**dict.fromkeys(cells(app, assessment_id), verdict), "recommendation": verdict, **extra}


def audited(app, action: str, object_id) -> bool:
    with app.app_context():
        return (
            db.session.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.action == action, AuditEvent.object_id == str(object_id)
                )
            )
            is not None
        )


def add_portfolio_document(app, candidacy_id: int, name: str = "laporan-kasus.pdf") -> int:
    with app.app_context():
        checked = uploads.check_upload(name, io.BytesIO(sample_file("pdf")))
        document = Document(
            candidacy_id=candidacy_id,
            purpose=Purpose.PORTFOLIO,
            original_name=checked.original_name,
            stored_name=uploads.store(checked, db.session),
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        db.session.add(document)
        db.session.commit()
        return document.id


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


# --- The work list -------------------------------------------------------------------------------


def test_the_work_list_shows_only_my_assessments_by_status(app, client, arranged: Arranged):
    mine = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    other_person = create_person(app, full_name="Bukan Asesi Saya")
    other = create_candidacy(app, arranged.session_id, arranged.version_id, other_person)
    create_assessment(app, other, arranged.second[0])
    other_mine = create_person(app, full_name="Sudah Saya Nilai")
    submitted = create_assessment(
        app,
        create_candidacy(app, arranged.session_id, arranged.version_id, other_mine),
        arranged.first[0],
        role=AssessorRole.SECOND,
        recommendation=Verdict.K,
        status=AssessmentStatus.SUBMITTED,
    )
    sign_in(app, client, arranged.first[1])

    html = client.get("/asesmen/").get_data(as_text=True)
    assert "Dewi Lestari" in html and f'data-assessment="{mine}"' in html
    assert "Bukan Asesi Saya" not in html and "Sudah Saya Nilai" not in html
    assert "Asesor pertama" in html and "Putaran 1" in html
    with app.app_context():
        candidacy = db.session.get(Candidacy, arranged.candidacy_id)
        assert candidacy.version.name in html and candidacy.session.name in html

    html = client.get("/asesmen/?status=dikirim").get_data(as_text=True)
    assert "Sudah Saya Nilai" in html and f'data-assessment="{submitted}"' in html
    assert "Asesor kedua" in html and "Dewi Lestari" not in html
    assert "Penilaian asesi" in client.get("/dasbor").get_data(as_text=True)  # the menu entry


def test_the_work_list_takes_the_same_statements_for_2_or_8_rows(app, client, arranged: Arranged):
    sign_in(app, client, arranged.first[1])

    def add(n: int) -> None:
        for i in range(n):
            person = create_person(app, full_name=f"Asesi Daftar {i}")
            candidacy = create_candidacy(app, arranged.session_id, arranged.version_id, person)
            create_assessment(app, candidacy, arranged.first[0])

    add(2)
    with counted_statements(app) as few:
        assert client.get("/asesmen/").get_data(as_text=True).count("data-assessment=") == 2
    add(6)
    with counted_statements(app) as many:
        assert client.get("/asesmen/").get_data(as_text=True).count("data-assessment=") == 8
    assert len(many) == len(few), many


def test_the_work_list_covers_each_of_the_accounts_registry_entries_newest_first(
    app, client, arranged: Arranged
):
    from app.certification.models import Assessor
    from app.certification.states import SessionStatus
    from tests.certification_factories import create_exam_session, create_scheme

    own = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    # The same account is also an assessor of LSPENSOS (a registry entry per body).
    _scheme, version_id = create_scheme(app, body="LSPENSOS")
    session_id = create_exam_session(app, version_id, status=SessionStatus.ASSESSING, body="LSPENSOS")
    candidacy = create_candidacy(app, session_id, version_id, create_person(app, full_name="Asesi Pensos"))
    with app.app_context():
        entry = Assessor(
            body_code="LSPENSOS", user_id=arranged.first[1], name="Asesor Dua Lembaga", met_number="M2"
        )
        db.session.add(entry)
        db.session.commit()
        other = entry.id
    elsewhere = create_assessment(app, candidacy, other)
    someone_elses = create_assessment(app, arranged.candidacy_id, arranged.second[0])
    sign_in(app, client, arranged.first[1])
    html = client.get("/asesmen/").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'data-assessment="(\d+)"', html)] == [elsewhere, own]
    assert f'data-assessment="{someone_elses}"' not in html
    # An assessor account without a registry entry has an empty list, not everyone's.
    from app.core.roles import Role

    lonely = create_user(app, Role.ASSESSOR, body_code="LSPS")
    fresh = app.test_client()
    sign_in(app, fresh, lonely.id)
    assert "data-assessment=" not in fresh.get("/asesmen/").get_data(as_text=True)


# --- Scoping -------------------------------------------------------------------------------------


def test_an_assessment_not_assigned_to_me_does_not_exist_for_me(app, client, arranged: Arranged):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    document_id = add_portfolio_document(app, arranged.candidacy_id)
    sign_in(app, client, arranged.second[1])
    base = f"/asesmen/{assessment_id}"
    for method, url, data in [
        ("GET", base, None),
        ("POST", base, {**all_marks(app, assessment_id), "action": "submit"}),
        ("POST", f"{base}/koreksi", {"reason": "x"}),
        ("POST", f"{base}/konflik", {"reason": "x"}),
        ("GET", f"{base}/foto", None),
        ("GET", f"{base}/dokumen/{document_id}/unduh", None),
    ]:
        assert client.open(url, method=method, data=data).status_code == 404, url
    assert audited(app, "assessment.access_denied", assessment_id)
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment.status == AssessmentStatus.DRAFT and assessment.marks == []


# --- The candidate, reduced ----------------------------------------------------------------------


def test_the_assessor_sees_name_photo_and_portfolio_but_no_personal_data(app, client, arranged: Arranged):
    with app.test_request_context():
        person = db.session.get(Person, arranged.person_id)
        person.street, person.phone = "Jl. Kenanga Rahasia No. 77", "+6281299887766"
        db.session.commit()
        secrets = [
            person.nik,
            person.nik_masked,
            "Kenanga Rahasia",
            "81299887766",
            phone_local(person.phone),
            long_date(person.birth_date),
            person.birth_date.isoformat(),
        ]
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    document_id = add_portfolio_document(app, arranged.candidacy_id, "studi-kasus.pdf")
    sign_in(app, client, arranged.first[1])

    response = client.get(f"/asesmen/{assessment_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dewi Lestari" in html and "studi-kasus.pdf" in html
    assert 'data-testid="candidate-photo"' in html
    for secret in secrets:
        assert secret not in html, secret

    photo = client.get(f"/asesmen/{assessment_id}/foto")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    download = client.get(f"/asesmen/{assessment_id}/dokumen/{document_id}/unduh")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert audited(app, "assessment.document_downloaded", assessment_id)

    # A document of another candidacy is not reachable through this assessment.
    stranger = create_candidacy(app, arranged.session_id, arranged.version_id, create_person(app))
    foreign = add_portfolio_document(app, stranger)
    assert client.get(f"/asesmen/{assessment_id}/dokumen/{foreign}/unduh").status_code == 404
    assert audited(app, "document.access_denied", foreign)


def test_files_close_when_the_assessor_is_no_longer_assigned(app, client, arranged: Arranged):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    document_id = add_portfolio_document(app, arranged.candidacy_id)
    sign_in(app, client, arranged.first[1])
    response = client.post(f"/asesmen/{assessment_id}/konflik", data={"reason": "Tetangga dekat"})
    assert response.status_code == 302
    assert client.get(f"/asesmen/{assessment_id}/dokumen/{document_id}/unduh").status_code == 404
    assert client.get(f"/asesmen/{assessment_id}/foto").status_code == 404
    html = client.get(f"/asesmen/{assessment_id}").get_data(as_text=True)
    assert "Dokumen asesi hanya dapat dibuka selama Anda ditugaskan" in html


# --- The scoring form ----------------------------------------------------------------------------


def test_a_draft_is_saved_and_an_incomplete_submission_lands_on_the_errors(app, client, arranged):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    sign_in(app, client, arranged.first[1])
    page = client.get(f"/asesmen/{assessment_id}").get_data(as_text=True)
    assert "Simpan draf" in page and "Kirim penilaian" in page
    assert "Penilaian tidak dapat diubah setelah dikirim." in page  # the confirmation says so

    first = cells(app, assessment_id)[0]
    data = {first: "K", f"note-{first.removeprefix('mark-')}": "Bukti kuat", "notes": "Catatan umum saya"}
    response = client.post(f"/asesmen/{assessment_id}", data={**data, "action": "submit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Penilaian belum lengkap: 5 isian unit dan metode belum dinilai." in html
    assert "Mohon pilih rekomendasi" in html and html.count("Belum dinilai.") >= 5
    assert "data-error-summary" in html
    assert re.search(rf'id="{first}-K" value="K"\s*checked', html)  # nothing typed is lost
    assert "Bukti kuat" in html and "Catatan umum saya" in html
    with app.app_context():
        kept = select(AssessmentMark).where(AssessmentMark.assessment_id == assessment_id)
        assert db.session.scalars(kept).all() == []  # the failed request kept nothing

    response = client.post(f"/asesmen/{assessment_id}", data={**data, "action": "save"})
    assert response.status_code == 302
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert [(m.verdict, m.notes) for m in assessment.marks] == [(Verdict.K, "Bukti kuat")]
        assert assessment.status == AssessmentStatus.DRAFT and assessment.notes == "Catatan umum saya"


def test_a_submitted_assessment_is_read_only_even_for_a_crafted_post(app, client, arranged):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    sign_in(app, client, arranged.first[1])
    response = client.post(
        f"/asesmen/{assessment_id}", data={**all_marks(app, assessment_id), "action": "submit"}
    )
    assert response.status_code == 302
    html = client.get(f"/asesmen/{assessment_id}").get_data(as_text=True)
    assert 'data-testid="score-form"' not in html and 'data-testid="own-marks"' in html
    assert "Buat koreksi" in html

    crafted = client.post(
        f"/asesmen/{assessment_id}", data={**all_marks(app, assessment_id, "BK"), "action": "save"}
    )
    assert crafted.status_code == 422
    assert "Penilaian ini sudah dikirim dan tidak dapat diubah" in crafted.get_data(as_text=True)
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment.recommendation == Verdict.K and {m.verdict for m in assessment.marks} == {Verdict.K}


def test_a_correction_through_the_page_keeps_the_history(app, client, arranged):
    assessment_id = create_assessment(
        app,
        arranged.candidacy_id,
        arranged.first[0],
        recommendation=Verdict.K,
        status=AssessmentStatus.SUBMITTED,
    )
    sign_in(app, client, arranged.first[1])
    refused = client.post(f"/asesmen/{assessment_id}/koreksi", data={"reason": ""})
    assert refused.status_code == 422 and "Wajib diisi." in refused.get_data(as_text=True)

    response = client.post(f"/asesmen/{assessment_id}/koreksi", data={"reason": "Unit kedua salah pilih"})
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert new_id != assessment_id
    html = client.get(f"/asesmen/{new_id}").get_data(as_text=True)
    assert 'data-testid="history"' in html and "Unit kedua salah pilih" in html
    assert 'data-testid="score-form"' in html
    old = client.get(f"/asesmen/{assessment_id}").get_data(as_text=True)
    assert 'data-testid="superseded"' in old and 'data-testid="score-form"' not in old


def test_without_the_declaration_the_page_says_so_and_links_to_it(app, client, arranged):
    assessor_id, user_id = create_assessor(
        app, scheme_ids=(arranged.scheme_id,), session_id=arranged.session_id, declared=False
    )
    assessment_id = create_assessment(app, arranged.candidacy_id, assessor_id)
    sign_in(app, client, user_id)
    html = client.get(f"/asesmen/{assessment_id}").get_data(as_text=True)
    assert 'data-testid="not-declared"' in html and 'data-testid="score-form"' not in html
    assert "Tandatangani pernyataan" in html and 'href="/uji-kompetensi/' in html
    response = client.post(
        f"/asesmen/{assessment_id}", data={**all_marks(app, assessment_id), "action": "save"}
    )
    assert response.status_code == 422
    assert "belum menandatangani pernyataan" in response.get_data(as_text=True)


def test_the_second_assessor_does_not_see_the_first_until_both_are_in(app, client, arranged):
    first_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    second_id = create_assessment(app, arranged.candidacy_id, arranged.second[0], role=AssessorRole.SECOND)
    first_client, second_client = app.test_client(), client
    sign_in(app, first_client, arranged.first[1])
    sign_in(app, second_client, arranged.second[1])
    secret = "CATATAN-ASESOR-PERTAMA"
    first_data = {**all_marks(app, first_id, "K", notes=secret), "action": "submit"}
    assert first_client.post(f"/asesmen/{first_id}", data=first_data).status_code == 302

    html = second_client.get(f"/asesmen/{second_id}").get_data(as_text=True)
    assert secret not in html and 'data-testid="peer-marks"' not in html
    assert 'data-testid="peer-hidden"' in html
    draft = {**all_marks(app, second_id, "BK", notes="CATATAN-ASESOR-KEDUA"), "action": "save"}
    assert second_client.post(f"/asesmen/{second_id}", data=draft).status_code == 302
    assert "CATATAN-ASESOR-KEDUA" not in first_client.get(f"/asesmen/{first_id}").get_data(as_text=True)

    submitted = {**all_marks(app, second_id, "BK", notes="CATATAN-ASESOR-KEDUA"), "action": "submit"}
    assert second_client.post(f"/asesmen/{second_id}", data=submitted).status_code == 302
    assert secret in second_client.get(f"/asesmen/{second_id}").get_data(as_text=True)
    assert "CATATAN-ASESOR-KEDUA" in first_client.get(f"/asesmen/{first_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Candidacy, arranged.candidacy_id).flag == "disagreement"


def test_declaring_a_conflict_from_the_work_list(app, client, arranged):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    sign_in(app, client, arranged.first[1])
    assert "Nyatakan konflik kepentingan" in client.get("/asesmen/").get_data(as_text=True)
    refused = client.post(f"/asesmen/{assessment_id}/konflik", data={"reason": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Wajib diisi." in html and "data-error-summary" in html
    refused = client.post(f"/asesmen/{assessment_id}/konflik", data={"reason": "   "})
    assert refused.status_code == 422
    assert "Mohon tuliskan alasan konflik kepentingan." in refused.get_data(as_text=True)

    response = client.post(
        f"/asesmen/{assessment_id}/konflik", data={"reason": "Asesi rekan kerja saya dahulu"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Konflik kepentingan dengan Dewi Lestari dicatat" in page
    assert f'data-assessment="{assessment_id}"' not in page
    assert f'data-assessment="{assessment_id}"' in client.get("/asesmen/?status=dikoreksi").get_data(
        as_text=True
    )
    assert audited(app, "assessment.withdraw", assessment_id)


@pytest.mark.usefixtures("csrf_enabled")
def test_scoring_posts_need_the_csrf_token(app, client, arranged):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    sign_in_with_csrf = client.get("/akun/masuk")  # the login form needs its token too
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in_with_csrf.get_data(as_text=True)
    )
    with app.app_context():
        email = db.session.get(User, arranged.first[1]).email
    client.post(
        "/akun/masuk", data={"email": email, "password": "kata-sandi-uji-123", "csrf_token": token.group(1)}
    )
    response = client.post(
        f"/asesmen/{assessment_id}", data={**all_marks(app, assessment_id), "action": "save"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Assessment, assessment_id).marks == []
