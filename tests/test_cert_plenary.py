"""The plenary: opening it, the list, deciding a session (decree number, decisions, e-mails, the decree
PDF and its public verification), refusals, re-assessment decisions, statistics and the export, body
scoping and the statement count of the plenary page."""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from app.accounts.models import User
from app.certification.models import (
    Appeal,
    Candidacy,
    CandidacyEvent,
    Decision,
    Decree,
    ExamSession,
)
from app.certification.outcome import FLAG_DISAGREEMENT
from app.certification.plenary import services
from app.certification.states import (
    AppealGround,
    AssessmentStatus,
    AssessorRole,
    CandidacyStatus,
    CertificationError,
    SessionStatus,
    Verdict,
)
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.models import local_today
from app.core.numbering import roman_month
from app.core.roles import Role
from app.documents import issuing
from app.documents.models import IssuedDocument
from app.extensions import db
from app.people.models import Person
from app.reference.models import CertificationBody
from tests.certification_factories import (
    create_assessment,
    create_assessor,
    create_candidacy,
    create_exam_session,
    create_scheme,
)
from tests.factories import create_person, create_user, login
from tests.test_sttp import pdf_text, qr_codes

NUMBER = re.compile(r"^(\d+)/LSPS/SK/([IVX]+)/(\d{4})$")


@pytest.fixture(autouse=True)
def _forget_live_progress():
    from app.core.jobs import huey

    yield
    huey.storage.flush_results()


class Plenary:
    """A session in PLENARY with accepted candidacies scored by a first assessor."""

    def __init__(
        self, app, verdicts, *, status=SessionStatus.PLENARY, body="LSPS", names=None, assessors=None, **rules
    ):
        self.app = app
        self.scheme_id, self.version_id = create_scheme(
            app, body=body, name="Skema Relawan Sosial Dasar", **rules
        )
        self.session_id = create_exam_session(app, self.version_id, status=status, body=body)
        self.assessor_id, self.second_id = assessors or [
            create_assessor(app, body=body, scheme_ids=(self.scheme_id,), session_id=self.session_id)[0]
            for _ in range(2)
        ]
        self.candidacies = []
        for index, verdict in enumerate(verdicts):
            name = names[index] if names else f"Asesi Pleno {index + 1}"
            cid = self.add(name)
            if verdict is not None:
                self.score(cid, verdict)

    def add(self, name: str, status=CandidacyStatus.ACCEPTED) -> int:
        person_id = create_person(self.app, full_name=name)
        cid = create_candidacy(self.app, self.session_id, self.version_id, person_id, status=status)
        self.candidacies.append(cid)
        return cid

    def score(self, cid, verdict, role=AssessorRole.FIRST):
        assessor = self.assessor_id if role == AssessorRole.FIRST else self.second_id
        return create_assessment(
            self.app, cid, assessor, role=role, recommendation=verdict, status=AssessmentStatus.SUBMITTED
        )

    def session(self) -> ExamSession:
        return db.session.get(ExamSession, self.session_id)


def admin(app, body: str = "LSPS"):
    return create_user(app, Role.BOARD_ADMIN, body_code=body)


def decide(app, plenary: Plenary, actor_id: int, results=None, notes=None) -> int:
    with app.app_context():
        decree = services.decide_session(
            plenary.session(), results or {}, db.session.get(User, actor_id), notes or {}
        )
        db.session.commit()
        return decree.id


def email_of(app, cid: int) -> str:
    with app.app_context():
        return db.session.get(Candidacy, cid).person.email


# --- Deciding --------------------------------------------------------------------------------------


def test_the_plenary_decides_the_list_with_one_numbered_decree_decisions_mails_and_a_pdf(app, client, outbox):
    plenary = Plenary(
        app, [Verdict.K, Verdict.BK, Verdict.K], names=["Budi Santoso", "Citra Dewi", "Ani Rahma"]
    )
    absent = plenary.add("Dodi Absen", status=CandidacyStatus.ABSENT)
    user = admin(app)
    login(client, user)

    page = client.get(f"/sertifikasi/pleno/jadwal/{plenary.session_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert (
        "Budi Santoso" in html and "Rekomendasi: Kompeten" in html and "Rekomendasi: Belum Kompeten" in html
    )
    assert "Tidak hadir (1)" in html and "Dodi Absen" in html
    with app.app_context():
        masked = db.session.get(Candidacy, plenary.candidacies[0]).person.nik_masked
        nik = db.session.get(Candidacy, plenary.candidacies[0]).person.nik
    assert masked in html and nik not in html

    check = client.post(f"/sertifikasi/pleno/jadwal/{plenary.session_id}", data={"langkah": "periksa"})
    assert check.status_code == 200
    summary = check.get_data(as_text=True)
    assert "Yang akan terjadi:" in summary and "Surat Keputusan (SK) yang diberi nomor" in summary
    assert "melalui surel" in summary
    with app.app_context():
        assert plenary.session().status == SessionStatus.PLENARY  # the summary decides nothing

    done = client.post(f"/sertifikasi/pleno/jadwal/{plenary.session_id}", data={"langkah": "putuskan"})
    assert done.status_code == 302

    today = local_today()
    with app.app_context():
        session = plenary.session()
        assert session.status == SessionStatus.DECIDED and session.decided_at is not None
        decree = db.session.scalar(select(Decree).where(Decree.session_id == plenary.session_id))
        match = NUMBER.match(decree.number)
        assert match and match[2] == roman_month(today.month) and match[3] == str(today.year)
        assert decree.round == 1 and decree.decided_by_id == user.id
        decisions = {d.candidacy_id: d for d in decree.decisions}
        assert set(decisions) == set(plenary.candidacies[:3])
        assert [decisions[c].result for c in plenary.candidacies[:3]] == [Verdict.K, Verdict.BK, Verdict.K]
        assert all(d.appeal_deadline == today + timedelta(days=14) for d in decisions.values())
        for cid in plenary.candidacies[:3]:
            candidacy = db.session.get(Candidacy, cid)
            assert candidacy.status == CandidacyStatus.DECIDED
            assert candidacy.decision.decree_id == decree.id
            assert candidacy.events[-1].to_status == CandidacyStatus.DECIDED
        assert db.session.get(Candidacy, absent).status == CandidacyStatus.ABSENT
        mine = [str(c) for c in plenary.candidacies]  # live browser tests commit decisions of their own
        audits = db.session.scalars(
            select(AuditEvent.object_id).where(
                AuditEvent.action == "candidacy.decide", AuditEvent.object_id.in_(mine)
            )
        ).all()
        assert sorted(audits) == sorted(str(c) for c in plenary.candidacies[:3])
        document = decree.document
        assert document is not None and document.kind == "decree" and document.number == decree.number
        data = issuing.path_of(document).read_bytes()
        url = issuing.verification_url(document)
        number, masked_bk = decree.number, db.session.get(Candidacy, plenary.candidacies[1]).person.nik_masked

    # The e-mails: the result, the decree number and the appeal deadline.
    message = outbox.last_to(email_of(app, plenary.candidacies[1]))
    body = outbox.body(message)
    assert body.startswith("Yth. Citra Dewi,") and "Hormat kami," in body
    assert "Belum Kompeten" in body and number in body
    assert services._id_date(today + timedelta(days=14)) in body
    assert "Kompeten" in outbox.body(outbox.last_to(email_of(app, plenary.candidacies[0])))
    assert not outbox.to(email_of(app, absent))

    # The PDF: the title, the number, the list (names, masked NIK, K/BK), the signatory, the QR code.
    flat = " ".join(pdf_text(data).split())
    for expected in (
        "KEMENTERIAN SOSIAL REPUBLIK INDONESIA",
        "KEPUTUSAN LEMBAGA SERTIFIKASI",
        f"NOMOR {number}",
        "PENETAPAN HASIL UJI KOMPETENSI",
        "MEMUTUSKAN",
        "Ani Rahma",
        "Budi Santoso",
        "Citra Dewi",
        masked_bk,
        "Skema Relawan Sosial Dasar",
        "K (Kompeten)",
        "BK (Belum Kompeten)",
        "2 asesi dinyatakan Kompeten dan 1 asesi dinyatakan Belum Kompeten",
        "Dr. Bambang Sutrisno, M.Si.",
        "Ketua Lembaga Sertifikasi Pekerjaan Sosial",
    ):
        assert expected in flat, expected
    assert "Dodi Absen" not in flat and nik not in flat
    assert flat.index("Ani Rahma") < flat.index("Budi Santoso") < flat.index("Citra Dewi")
    assert qr_codes(data) == [url]

    # The public page: the decree, its body and counts; no candidate.
    client.get("/akun/keluar")
    public = client.get(urlsplit(url).path)
    shown = public.get_data(as_text=True)
    assert public.status_code == 200 and number in shown
    assert "2 Kompeten, 1 Belum Kompeten" in shown
    assert "Budi Santoso" not in shown and masked_bk not in shown

    # The decided page: the decree's download and the results.
    login(client, user)
    decided = client.get(f"/sertifikasi/pleno/jadwal/{plenary.session_id}").get_data(as_text=True)
    assert number in decided and "Unduh PDF SK" in decided
    with app.app_context():
        decree_id = db.session.scalar(select(Decree.id).where(Decree.session_id == plenary.session_id))
    download = client.get(f"/sertifikasi/pleno/sk/{decree_id}/unduh")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Type"] == "application/pdf"


def test_a_body_appeal_window_sets_the_deadline(app):
    plenary = Plenary(app, [Verdict.K])
    with app.app_context():
        body = db.session.get(CertificationBody, "LSPS")
        before, body.appeal_window_days = body.appeal_window_days, 30
        db.session.commit()
    try:
        decree_id = decide(app, plenary, admin(app).id)
        with app.app_context():
            decision = db.session.get(Decree, decree_id).decisions[0]
            assert decision.appeal_deadline == local_today() + timedelta(days=30)
    finally:
        with app.app_context():
            db.session.get(CertificationBody, "LSPS").appeal_window_days = before
            db.session.commit()


def test_deciding_before_everyone_is_assessed_is_refused_naming_who_unless_absent(app, client):
    plenary = Plenary(app, [Verdict.K, None], names=["Siap Dinilai", "Belum Dinilai"])
    user = admin(app)
    with app.app_context(), pytest.raises(CertificationError) as refused:
        services.decide_session(plenary.session(), {}, db.session.get(User, user.id))
    assert "Belum Dinilai" in str(refused.value.message)
    assert "Asesor pertama belum ditugaskan." in str(refused.value.message)
    assert "Siap Dinilai" not in str(refused.value.message)

    login(client, user)
    page = client.get(f"/sertifikasi/pleno/jadwal/{plenary.session_id}").get_data(as_text=True)
    assert "Belum dapat diputuskan" in page and "Belum Dinilai" in page
    refused_post = client.post(
        f"/sertifikasi/pleno/jadwal/{plenary.session_id}", data={"langkah": "putuskan"}
    )
    assert refused_post.status_code == 422
    assert "Belum Dinilai" in refused_post.get_data(as_text=True)

    # A reason is required to mark someone absent; then the plenary decides the rest.
    no_reason = client.post(
        f"/sertifikasi/pleno/asesi/{plenary.candidacies[1]}/tidak-hadir", data={"alasan": " "}
    )
    assert no_reason.status_code == 302
    with app.app_context():
        assert db.session.get(Candidacy, plenary.candidacies[1]).status == CandidacyStatus.ACCEPTED
    marked = client.post(
        f"/sertifikasi/pleno/asesi/{plenary.candidacies[1]}/tidak-hadir",
        data={"alasan": "Tidak datang ke TUK."},
    )
    assert marked.status_code == 302
    decide(app, plenary, user.id)
    with app.app_context():
        assert db.session.get(Candidacy, plenary.candidacies[0]).status == CandidacyStatus.DECIDED
        assert db.session.get(Candidacy, plenary.candidacies[1]).status == CandidacyStatus.ABSENT


def seats_taken(app, session_id: int) -> int:
    with app.app_context():
        return db.session.get(ExamSession, session_id).seats_taken


def test_marking_absent_at_the_plenary_gives_the_seat_back_once(app, client):
    plenary = Plenary(app, [Verdict.K, None], names=["Hadir Pleno", "Absen Pleno"])
    absent = plenary.candidacies[1]
    assert seats_taken(app, plenary.session_id) == 2
    login(client, admin(app))
    url = f"/sertifikasi/pleno/asesi/{absent}/tidak-hadir"
    refused = client.post(url, data={"alasan": ""}, follow_redirects=True)
    assert "Mohon tuliskan alasannya." in refused.get_data(as_text=True)
    assert seats_taken(app, plenary.session_id) == 2  # a refused request gives nothing back
    page = client.post(url, data={"alasan": "Tidak datang ke TUK."}, follow_redirects=True)
    assert "Absen Pleno ditandai tidak hadir." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Candidacy, absent).status == CandidacyStatus.ABSENT
        assert db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "candidacy.mark_absent", AuditEvent.object_id == str(absent))
        )
    assert seats_taken(app, plenary.session_id) == 1
    again = client.post(url, data={"alasan": "Dua kali."}, follow_redirects=True)
    assert "Data ini sudah berstatus Tidak hadir; tindakan itu tidak dapat dilakukan." in again.get_data(
        as_text=True
    )
    assert seats_taken(app, plenary.session_id) == 1  # never twice


def test_the_plenary_page_marks_absence_only_during_the_plenary(app):
    plenary = Plenary(app, [None], status=SessionStatus.ASSESSING)
    user, stranger = admin(app), admin(app, "LSPENSOS")
    with app.app_context():
        candidacy = db.session.get(Candidacy, plenary.candidacies[0])
        with pytest.raises(CertificationError) as refused:
            services.mark_absent(candidacy, db.session.get(User, user.id), "Tidak datang.")
        assert "selama rapat pleno" in str(refused.value.message)
        with pytest.raises(PermissionDenied):
            services.mark_absent(candidacy, db.session.get(User, stranger.id), "Tidak datang.")
        assert candidacy.status == CandidacyStatus.ACCEPTED
    assert seats_taken(app, plenary.session_id) == 1


def test_a_second_assessor_required_by_the_scheme_must_have_scored(app):
    plenary = Plenary(app, [Verdict.K], second_assessor_required=True)
    user = admin(app)
    with app.app_context(), pytest.raises(CertificationError) as refused:
        services.decide_session(plenary.session(), {}, db.session.get(User, user.id))
    assert "Asesor kedua belum ditugaskan." in str(refused.value.message)
    plenary.score(plenary.candidacies[0], Verdict.K, AssessorRole.SECOND)
    decide(app, plenary, user.id)


def test_deciding_twice_or_outside_the_plenary_is_refused(app):
    plenary = Plenary(app, [Verdict.K])
    user = admin(app)
    decide(app, plenary, user.id)
    with app.app_context():
        with pytest.raises(CertificationError) as again:
            services.decide_session(plenary.session(), {}, db.session.get(User, user.id))
        assert "rapat pleno" in str(again.value.message)
        assert (
            db.session.scalar(
                select(func.count()).select_from(Decree).where(Decree.session_id == plenary.session_id)
            )
            == 1
        )
    assessing = Plenary(app, [Verdict.K], status=SessionStatus.ASSESSING)
    with app.app_context(), pytest.raises(CertificationError):
        services.decide_session(assessing.session(), {}, db.session.get(User, user.id))


def test_exceptions_need_a_note(app, client):
    plenary = Plenary(app, [Verdict.BK, Verdict.K], names=["Eka Pengecualian", "Fajar Biasa"])
    first, second = plenary.candidacies
    user = admin(app)
    with app.app_context():
        actor = db.session.get(User, user.id)
        with pytest.raises(CertificationError) as refused:
            services.decide_session(plenary.session(), {first: "K"}, actor)
        assert refused.value.errors == {
            first: ["Eka Pengecualian: hasil yang berbeda dari rekomendasi asesor memerlukan catatan."]
        }
        with pytest.raises(CertificationError) as bad:
            services.decide_session(plenary.session(), {first: "LULUS"}, actor)
        assert "harus Kompeten (K) atau Belum Kompeten (BK)" in bad.value.errors[first][0]

    login(client, user)
    form = {"langkah": "periksa", f"hasil-{first}": "K", f"catatan-{first}": "  "}
    response = client.post(f"/sertifikasi/pleno/jadwal/{plenary.session_id}", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "memerlukan catatan" in html
    chooser = html[html.index(f'id="hasil-{first}"') :]
    chooser = chooser[: chooser.index("</select>")]
    assert '<option value="K" selected' in chooser  # nothing typed lost: K stays chosen

    note = "Portofolio tambahan diperiksa dalam rapat pleno."
    decide(app, plenary, user.id, {first: "K"}, {first: note})
    with app.app_context():
        decision = db.session.get(Candidacy, first).decision
        assert decision.result == Verdict.K and decision.note == note
        assert db.session.get(Candidacy, second).decision.note is None


def test_a_disagreement_without_a_third_assessor_needs_a_result_and_a_note(app):
    plenary = Plenary(app, [Verdict.K], names=["Gita Berbeda"])
    cid = plenary.candidacies[0]
    plenary.score(cid, Verdict.BK, AssessorRole.SECOND)
    with app.app_context():
        db.session.get(Candidacy, cid).flag = FLAG_DISAGREEMENT
        db.session.commit()
    user = admin(app)
    with app.app_context():
        actor = db.session.get(User, user.id)
        with pytest.raises(CertificationError) as refused:
            services.decide_session(plenary.session(), {cid: "K"}, actor)
        assert "belum ada asesor ketiga" in refused.value.errors[cid][0]
    note = "Pleno sependapat dengan asesor pertama."
    decide(app, plenary, user.id, {cid: "K"}, {cid: note})
    with app.app_context():
        candidacy = db.session.get(Candidacy, cid)
        assert candidacy.decision.result == Verdict.K and candidacy.flag_resolution == note


def test_only_the_body_admins_decide(app):
    plenary = Plenary(app, [Verdict.K])
    stranger = admin(app, "LSPENSOS")
    with app.app_context(), pytest.raises(PermissionDenied):
        services.decide_session(plenary.session(), {}, db.session.get(User, stranger.id))
    minister = create_user(app, Role.MINISTRY_ADMIN)
    decide(app, plenary, minister.id)


# --- Opening the plenary ---------------------------------------------------------------------------


def test_the_plenary_page_opens_the_plenary_of_an_assessing_session(app, client):
    plenary = Plenary(app, [Verdict.K], status=SessionStatus.ASSESSING)
    login(client, admin(app))
    page = client.get(f"/sertifikasi/pleno/jadwal/{plenary.session_id}").get_data(as_text=True)
    assert "Buka rapat pleno" in page
    assert client.post(f"/sertifikasi/pleno/jadwal/{plenary.session_id}/buka").status_code == 302
    with app.app_context():
        assert plenary.session().status == SessionStatus.PLENARY
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == "exam_session.open_plenary",
                    AuditEvent.object_id == str(plenary.session_id),
                )
            )
            == 1
        )
    listing = client.get("/sertifikasi/pleno/").get_data(as_text=True)
    assert f'data-session="{plenary.session_id}"' in listing


# --- Re-assessment ---------------------------------------------------------------------------------


def reopen(app, cid: int) -> None:
    """What an upheld appeal does (the appeals slice): the candidacy reassessing, round + 1."""
    with app.app_context():
        candidacy = db.session.get(Candidacy, cid)
        candidacy.status, candidacy.round = CandidacyStatus.REASSESSING, candidacy.round + 1
        db.session.commit()


def test_a_reassessment_decision_supersedes_the_previous_one_under_a_new_decree(app, client, outbox):
    plenary = Plenary(app, [Verdict.BK], names=["Hadi Banding"])
    cid = plenary.candidacies[0]
    user = admin(app)
    first_decree = decide(app, plenary, user.id)
    reopen(app, cid)
    login(client, user)

    listing = client.get("/sertifikasi/pleno/asesmen-ulang").get_data(as_text=True)
    assert "Hadi Banding" in listing and "Asesor pertama belum ditugaskan." in listing
    with app.app_context(), pytest.raises(CertificationError):
        services.decide_reassessment(db.session.get(Candidacy, cid), "K", db.session.get(User, user.id))

    plenary.score(cid, Verdict.K)  # round 2
    response = client.post(f"/sertifikasi/pleno/asesmen-ulang/{cid}", data={"hasil": "K", "catatan": ""})
    assert response.status_code == 302
    with app.app_context():
        candidacy = db.session.get(Candidacy, cid)
        assert candidacy.status == CandidacyStatus.DECIDED
        decisions = db.session.scalars(
            select(Decision).where(Decision.candidacy_id == cid).order_by(Decision.round)
        ).all()
        assert [(d.round, d.result) for d in decisions] == [(1, Verdict.BK), (2, Verdict.K)]
        assert decisions[0].superseded_by_id == decisions[1].id and decisions[1].superseded_by_id is None
        assert candidacy.decision.id == decisions[1].id
        second = decisions[1].decree
        assert second.id != first_decree and second.round == 2 and NUMBER.match(second.number)
        assert second.number != db.session.get(Decree, first_decree).number
        assert second.document is not None
        flat = " ".join(pdf_text(issuing.path_of(second.document).read_bytes()).split())
        assert "SETELAH ASESMEN ULANG" in flat and "Hadi Banding" in flat
        number = second.number
    body = outbox.body(outbox.last_to(email_of(app, cid)))
    assert number in body and "Hasil: Kompeten" in body
    with app.app_context(), pytest.raises(CertificationError):  # decided: nothing to decide again
        services.decide_reassessment(db.session.get(Candidacy, cid), "K", db.session.get(User, user.id))


def test_a_reassessment_result_against_the_recommendation_needs_a_note(app):
    plenary = Plenary(app, [Verdict.BK])
    cid = plenary.candidacies[0]
    user = admin(app)
    decide(app, plenary, user.id)
    reopen(app, cid)
    plenary.score(cid, Verdict.BK)
    with app.app_context(), pytest.raises(CertificationError) as refused:
        services.decide_reassessment(db.session.get(Candidacy, cid), "K", db.session.get(User, user.id))
    assert "memerlukan catatan" in str(refused.value.message)


# --- Statistics and export -------------------------------------------------------------------------


def test_statistics_count_each_stage(app):
    plenary = Plenary(app, [Verdict.K, Verdict.K, Verdict.BK])
    plenary.add("Absen", status=CandidacyStatus.ABSENT)
    plenary.add("Ditolak", status=CandidacyStatus.REJECTED)
    plenary.add("Dikembalikan", status=CandidacyStatus.RETURNED)
    plenary.add("Menunggu", status=CandidacyStatus.SUBMITTED)
    plenary.add("Draf", status=CandidacyStatus.DRAFT)
    decide(app, plenary, admin(app).id)
    with app.app_context():
        bk = db.session.get(Candidacy, plenary.candidacies[2])
        db.session.add(
            Appeal(
                candidacy_id=bk.id,
                decision_id=bk.decision.id,
                body_code="LSPS",
                ground=AppealGround.PROCEDURE,
                statement="Prosedur tidak diikuti.",
            )
        )
        db.session.commit()
        stats = services.statistics(plenary.session())
    assert stats == services.Statistics(
        applied=7, screened=6, assessed=3, competent=2, not_yet_competent=1, absent=1, appealed=1
    )


def test_the_results_export_in_csv_and_xlsx(app, client):
    plenary = Plenary(app, [Verdict.K, Verdict.BK], names=["Indah =Formula", "Joko Widodo"])
    user = admin(app)
    decree_id = decide(app, plenary, user.id)
    with app.app_context():
        number = db.session.get(Decree, decree_id).number
        masked = db.session.get(Candidacy, plenary.candidacies[1]).person.nik_masked
    login(client, user)
    page = client.get(f"/sertifikasi/pleno/jadwal/{plenary.session_id}").get_data(as_text=True)
    assert f'action="/sertifikasi/pleno/jadwal/{plenary.session_id}/ekspor.csv"' in page
    response = client.post(f"/sertifikasi/pleno/jadwal/{plenary.session_id}/ekspor.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Nama", "NIK (disamarkan)", "Skema", "Hasil", "Nomor SK", "Tanggal keputusan"]
    assert rows[2][:5] == ["Joko Widodo", masked, "Skema Relawan Sosial Dasar", "Belum Kompeten", number]
    assert rows[2][5] == services._id_date(local_today())  # the decision's day in WIB
    xlsx = client.post(f"/sertifikasi/pleno/jadwal/{plenary.session_id}/ekspor.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][0] == "Indah =Formula" and values[1][3] == "Kompeten"
    assert client.get(f"/sertifikasi/pleno/jadwal/{plenary.session_id}/ekspor.csv").status_code == 405
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == "exam_session.results_exported",
                    AuditEvent.object_id == str(plenary.session_id),
                )
            )
            == 2
        )


# --- Scoping and cost ------------------------------------------------------------------------------


def test_a_formula_name_is_neutralised_in_the_csv(app, client):
    plenary = Plenary(app, [Verdict.K], names=["=HYPERLINK(1)"])
    user = admin(app)
    decide(app, plenary, user.id)
    login(client, user)
    response = client.post(f"/sertifikasi/pleno/jadwal/{plenary.session_id}/ekspor.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_a_large_results_export_runs_as_a_job_and_the_file_waits(app, client, outbox, monkeypatch):
    from app.certification.plenary import export
    from app.core import exports

    monkeypatch.setattr(export.exports, "at_most", lambda stmt, limit=2: exports.count(stmt) <= limit)
    plenary = Plenary(app, [Verdict.K, Verdict.BK, Verdict.K], names=["Citra", "Ani", "Budi"])
    user = admin(app)
    decide(app, plenary, user.id)
    login(client, user)
    response = client.post(f"/sertifikasi/pleno/jadwal/{plenary.session_id}/ekspor.xlsx")
    assert response.status_code == 302 and "/sertifikasi/pleno/ekspor/" in response.location
    status_page = client.get(response.location).get_data(as_text=True)
    assert 'id="unduh-ekspor"' in status_page  # immediate queue in tests: already done
    download = client.get(response.location + "/unduh")
    assert download.status_code == 200 and download.mimetype == exports.MIMETYPES["xlsx"]
    assert f"hasil-uji-{plenary.session_id}.xlsx" in download.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.get_data())).active
    assert [row[0].value for row in sheet.iter_rows()][1:] == ["Ani", "Budi", "Citra"]
    assert "/sertifikasi/pleno/ekspor/" in outbox.body(outbox.last_to(user.email))
    # Another admin of the same body does not follow someone else's export job.
    other = app.test_client()
    login(other, create_user(app, Role.BOARD_ADMIN, body_code="LSPS"))
    assert other.get(response.location).status_code == 404
    assert other.get(response.location + "/unduh").status_code == 404
    with app.app_context():
        exported = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "exam_session.results_exported",
                AuditEvent.object_id == str(plenary.session_id),
            )
        ).one()
        assert exported.after["rows"] == 3 and exported.after["job_id"]
        assert db.session.scalar(
            select(func.count()).where(AuditEvent.action == "exam_session.results_export_downloaded")
        )


def test_export_batches_follow_the_names_across_batch_boundaries(app):
    from app.certification.plenary import export

    plenary = Plenary(app, [Verdict.K] * 5, names=["Eko", "Ani", "Dewi", "Ani", "Budi"])
    decide(app, plenary, admin(app).id)
    with app.app_context():
        batches = list(export.batches(plenary.session(), "csv", size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert [row[0] for batch in batches for row in batch] == ["Ani", "Ani", "Budi", "Dewi", "Eko"]


def test_another_body_gets_404_and_an_audit_entry(app, client):
    plenary = Plenary(app, [Verdict.K])
    decree_id = decide(app, plenary, admin(app).id)
    login(client, admin(app, "LSPENSOS"))
    for path in (
        f"/sertifikasi/pleno/jadwal/{plenary.session_id}",
        f"/sertifikasi/pleno/sk/{decree_id}/unduh",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/sertifikasi/pleno/jadwal/{plenary.session_id}/ekspor.csv").status_code == 404
    assert client.post(f"/sertifikasi/pleno/asesi/{plenary.candidacies[0]}/tidak-hadir").status_code == 404
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.action.in_(("plenary.access_denied", "decree.access_denied"))
            )
        ).all()
        assert denied.count("plenary.access_denied") >= 3 and "decree.access_denied" in denied
    listing = client.get("/sertifikasi/pleno/").get_data(as_text=True)
    assert f'data-session="{plenary.session_id}"' not in listing


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


def test_the_plenary_page_takes_the_same_statements_for_2_or_8_candidates(app, client):
    login(client, admin(app))
    few = Plenary(app, [Verdict.K, Verdict.BK])
    many = Plenary(app, [Verdict.K, Verdict.BK] * 4)
    client.get(f"/sertifikasi/pleno/jadwal/{few.session_id}")  # warm the caches (catalogues, user)
    with counted_statements(app) as small:
        assert client.get(f"/sertifikasi/pleno/jadwal/{few.session_id}").status_code == 200
    with counted_statements(app) as large:
        assert client.get(f"/sertifikasi/pleno/jadwal/{many.session_id}").status_code == 200
    assert len(large) == len(small), large


def test_the_decided_results_are_keyset_pages_with_the_same_statements_each(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATION_PAGE_SIZE", 2)
    plenary = Plenary(app, [Verdict.K, Verdict.BK, Verdict.K, Verdict.K, Verdict.BK])
    user = admin(app)
    decide(app, plenary, user.id)
    login(client, user)
    url = f"/sertifikasi/pleno/jadwal/{plenary.session_id}"

    def results(html: str) -> list[int]:
        table = html.split('data-testid="results-table"', 1)[1].split("</table>", 1)[0]
        return [int(i) for i in re.findall(r'data-candidacy="(\d+)"', table)]

    client.get(url)  # warm the caches (catalogues, user)
    with counted_statements(app) as first_statements:
        first = client.get(url).get_data(as_text=True)
    assert "Hasil asesi (5)" in first
    assert results(first) == plenary.candidacies[:2]
    cursor = re.search(r'rel="next" href="[^"]*setelah=(\d+)', first).group(1)
    with counted_statements(app) as second_statements:
        second = client.get(f"{url}?setelah={cursor}").get_data(as_text=True)
    assert results(second) == plenary.candidacies[2:4]
    assert len(second_statements) == len(first_statements)
    last = client.get(f"{url}?setelah={plenary.candidacies[3]}").get_data(as_text=True)
    assert results(last) == plenary.candidacies[4:] and 'rel="next"' not in last and 'rel="prev"' in last


def test_people_of_the_decided_page_are_loaded_with_the_list(app):
    plenary = Plenary(app, [Verdict.K, Verdict.BK])
    decide(app, plenary, admin(app).id)
    with app.app_context():
        decided = db.session.scalars(services.results_query(plenary.session())).unique().all()
        assert len(decided) == 2
        loaded = [c.__dict__ for c in decided]  # loaded with the page, not on first access
        assert all(isinstance(d["person"], Person) and d["decision"] is not None for d in loaded)
        assert all("decree" in d["decision"].__dict__ for d in loaded)
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(CandidacyEvent)
                .where(CandidacyEvent.candidacy_id.in_(plenary.candidacies))
            )
            == 4
        )  # creation + decide, each


def test_a_failed_decree_job_is_shown_and_run_again_without_a_second_mail(app, client, outbox, monkeypatch):
    plenary = Plenary(app, [Verdict.K], names=["Kartika Ulang"])
    user = admin(app)
    real_issue = services.issue_decree

    def broken(decree, actor):
        raise OSError("disk full")

    monkeypatch.setattr(services, "issue_decree", broken)
    decree_id = decide(app, plenary, user.id)
    address = email_of(app, plenary.candidacies[0])
    assert len(outbox.to(address)) == 1  # the e-mails went before the PDF failed
    login(client, user)
    page = client.get(f"/sertifikasi/pleno/jadwal/{plenary.session_id}").get_data(as_text=True)
    assert "Susun ulang PDF" in page and "gagal disusun" in page
    monkeypatch.setattr(services, "issue_decree", real_issue)
    assert client.post(f"/sertifikasi/pleno/sk/{decree_id}/susun-ulang").status_code == 302
    with app.app_context():
        assert db.session.get(Decree, decree_id).document_id is not None
    assert len(outbox.to(address)) == 1
    client.post(f"/sertifikasi/pleno/sk/{decree_id}/susun-ulang")  # nothing to do any more
    assert len(outbox.to(address)) == 1


def test_every_admin_of_the_body_follows_the_decree_job_and_nobody_else(app, client, monkeypatch):
    plenary = Plenary(app, [Verdict.K])
    monkeypatch.setattr(services, "complete_decree", lambda job_id: None)  # queued, not run yet
    decree_id = decide(app, plenary, admin(app).id)
    with app.app_context():
        job_id = services.pdf_job(db.session.get(Decree, decree_id)).id
    colleague = admin(app)  # another board admin of the same body, who did not decide
    login(client, colleague)
    page = client.get(f"/sertifikasi/pleno/jadwal/{plenary.session_id}").get_data(as_text=True)
    assert f'data-job-url="/tugas/{job_id}"' in page
    progress = client.get(f"/tugas/{job_id}")
    assert progress.status_code == 200 and progress.get_json()["status"] == "queued"
    for outsider in (
        admin(app, "LSPENSOS"),
        create_user(app, Role.APPLICANT),
        create_user(app, Role.AGENCY_OFFICER),
    ):
        client.post("/akun/keluar")
        login(client, outsider)
        assert client.get(f"/tugas/{job_id}").status_code == 404
    # Other kinds of jobs the colleague's body admin started stay the starter's own.
    with app.app_context():
        from app.core.jobs import start_job

        other = start_job("audit_export", total=1, actor=db.session.get(User, colleague.id)).id
        db.session.commit()
    client.post("/akun/keluar")
    login(client, admin(app))
    assert client.get(f"/tugas/{other}").status_code == 404


def test_the_decision_needs_the_form_token(app, client, csrf_enabled):
    plenary = Plenary(app, [Verdict.K])
    login_page = client.get("/akun/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page)[1]
    user = admin(app)
    client.post("/akun/masuk", data={"email": user.email, "password": user.password, "csrf_token": token})
    refused = client.post(f"/sertifikasi/pleno/jadwal/{plenary.session_id}", data={"langkah": "putuskan"})
    assert refused.status_code == 400
    with app.app_context():
        assert plenary.session().status == SessionStatus.PLENARY


def test_a_decree_job_stopped_mid_way_mails_nobody_twice_when_run_again(app, outbox, monkeypatch):
    plenary = Plenary(app, [Verdict.K, Verdict.BK, Verdict.K])
    monkeypatch.setattr(services, "complete_decree", lambda job_id: None)  # queued, not run
    decree_id = decide(app, plenary, admin(app).id)
    monkeypatch.undo()
    real_mail, calls = services._mail_result, []

    def mail_then_stop(*args):
        calls.append(args)
        if len(calls) == 2:
            raise OSError("worker killed")
        real_mail(*args)

    with app.app_context():
        job_id = services.pdf_job(db.session.get(Decree, decree_id)).id
        monkeypatch.setattr(services, "_mail_result", mail_then_stop)
        with pytest.raises(OSError):
            services.run_decree_job(job_id, batch_size=1)
        monkeypatch.setattr(services, "_mail_result", real_mail)
        services.run_decree_job(job_id, batch_size=1)
        assert db.session.get(Decree, decree_id).document_id is not None
    for cid in plenary.candidacies:
        assert len(outbox.to(email_of(app, cid))) == 1, cid


def test_the_decree_pdf_renders_outside_a_transaction_and_a_rerun_completes_the_registered_document(
    app, monkeypatch
):
    plenary = Plenary(app, [Verdict.K, Verdict.BK])
    monkeypatch.setattr(services, "complete_decree", lambda job_id: None)  # queued, not run
    decree_id = decide(app, plenary, admin(app).id)
    monkeypatch.undo()
    real_render, rendered_in_transaction = issuing.render_to_file, []

    def render_then_fail(pending):
        rendered_in_transaction.append(db.session().in_transaction())
        raise OSError("renderer killed")

    with app.app_context():
        job_id = services.pdf_job(db.session.get(Decree, decree_id)).id
        monkeypatch.setattr(issuing, "render_to_file", render_then_fail)
        with pytest.raises(OSError):
            services.run_decree_job(job_id)
        monkeypatch.setattr(issuing, "render_to_file", real_render)
        db.session.rollback()
        decree = db.session.get(Decree, decree_id)
        registered = db.session.scalars(
            select(IssuedDocument).where(IssuedDocument.number == decree.number)
        ).all()
        # Registered (number, token, snapshot) in its own committed unit; not linked until rendered.
        assert len(registered) == 1 and issuing.is_pending(registered[0]) and decree.document_id is None
        document_id = registered[0].id
        services.run_decree_job(job_id)
        db.session.rollback()
        decree = db.session.get(Decree, decree_id)
        assert decree.document_id == document_id and not issuing.is_pending(decree.document)
        assert issuing.path_of(decree.document).read_bytes().startswith(b"%PDF")
        same_number = select(func.count()).where(IssuedDocument.number == decree.number)
        assert db.session.scalar(same_number) == 1  # the rerun completed it, issued nothing new
    assert rendered_in_transaction == [False]
