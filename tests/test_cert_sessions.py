"""Exam sessions (jadwal uji kompetensi): the board admin plans sessions (schemes, TUK, stage dates,
capacity), moves them through their lifecycle (every transition legal and illegal; deciding is the
plenary's), cancels with a reason and e-mails; assigns registry assessors (each refusal says why);
the assessor signs the conflict-of-interest declaration; the public list and page of open sessions.
Body scoping: another body's session answers 404 and is audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.certification.models import Assessor, ExamSession, SchemeVersion, SessionAssessor
from app.certification.sessions import services
from app.certification.states import (
    AssessmentStatus,
    CandidacyStatus,
    CertificationError,
    SessionAction,
    SessionStatus,
)
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.roles import Role
from app.extensions import db
from app.people.models import Person
from tests.certification_factories import (
    create_assessment,
    create_assessor,
    create_candidacy,
    create_exam_session,
    create_scheme,
)
from tests.factories import create_user, login
from tests.training_factories import create_verified_person

OTHER_BODY = "LSPENSOS"


def audit_actions(app, action: str, object_id=None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == str(object_id))
        return list(db.session.scalars(stmt))


def user_of(ref) -> User:
    return db.session.get(User, ref.id)


def days(n: int) -> str:
    return (local_today() + timedelta(days=n)).isoformat()


def session_form(versions, **overrides) -> dict:
    data = {
        "name": "Uji Kompetensi Relawan Sosial Batch 3",
        "version_ids": [str(v) for v in ([versions] if isinstance(versions, int) else versions)],
        "place_kind": "sewaktu",
        "place_name": "Aula Dinas Sosial Kabupaten Bandung",
        "address": "Jl. Soekarno-Hatta No. 1",
        "region_code-1": "32",
        "region_code-2": "32.04",
        "capacity": "40",
        "applications_open_on": days(0),
        "applications_close_on": days(14),
        "screening_ends_on": days(18),
        "assessment_starts_on": days(21),
        "assessment_ends_on": days(22),
        "plenary_on": days(28),
        "signatory_name": "Dr. Bambang Sutrisno, M.Si.",
        "signatory_title": "Ketua Lembaga Sertifikasi Pekerjaan Sosial",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def session_data(version_ids, **overrides) -> services.SessionData:
    today = local_today()
    values = {
        "name": "Uji Kompetensi Batch 4",
        "version_ids": list(version_ids),
        "place_kind": "workplace",
        "place_name": "Panti Sosial Bina Remaja",
        "address": "Jl. Melati 1",
        "region_code": "32.04",
        "capacity": 20,
        "applications_open_on": today,
        "applications_close_on": today + timedelta(days=10),
        "screening_ends_on": today + timedelta(days=12),
        "assessment_starts_on": today + timedelta(days=14),
        "assessment_ends_on": today + timedelta(days=15),
        "plenary_on": today + timedelta(days=20),
        "signatory_name": "Ketua LSPS",
        "signatory_title": "Ketua",
    }
    values.update(overrides)
    return services.SessionData(**values)


# --- Planning --------------------------------------------------------------------------------------


def test_board_admin_creates_a_session_which_starts_planned(app, client, logged_in):
    admin = logged_in(Role.BOARD_ADMIN)
    scheme, version = create_scheme(app, name="Skema Relawan Sosial Madya")
    _other_scheme, second = create_scheme(app, name="Skema Pendamping PKH")
    page = client.get("/uji-kompetensi/jadwal/baru").get_data(as_text=True)
    assert "Skema Relawan Sosial Madya" in page and 'name="version_ids"' in page
    response = client.post("/uji-kompetensi/jadwal/baru", data=session_form([version, second]))
    assert response.status_code == 302, response.get_data(as_text=True)
    session_id = int(response.location.rsplit("/", 1)[1])
    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        assert session.status == SessionStatus.PLANNED and session.body_code == "LSPS"
        assert {v.id for v in session.scheme_versions} == {version, second}
        assert (session.province_code, session.regency_code, session.capacity) == ("32", "32.04", 40)
        assert session.created_by_id == admin.id
        assert [e.to_status for e in session.events] == [SessionStatus.PLANNED]
    assert audit_actions(app, "exam_session.created", session_id)
    page = client.get(f"/uji-kompetensi/jadwal/{session_id}").get_data(as_text=True)
    assert 'data-testid="timeline"' in page and "Direncanakan" in page
    assert 'data-testid="exam-session-tabs"' in page and "Ringkasan" in page
    assert "Skema Pendamping PKH" in page and "TUK Sewaktu" in page
    assert 'data-testid="confirm-open"' in page and 'data-testid="confirm-cancel"' in page
    # Deciding is the plenary's: never offered here.
    assert 'value="decide"' not in page


def test_every_page_of_a_session_links_to_the_others(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    _scheme, version = create_scheme(app)
    response = client.post("/uji-kompetensi/jadwal/baru", data=session_form([version]))
    session_id = int(response.location.rsplit("/", 1)[1])
    pages = {
        f"/uji-kompetensi/jadwal/{session_id}": "Ringkasan",
        f"/uji-kompetensi/jadwal/{session_id}/asesor": "Asesor",
        f"/sertifikasi/seleksi/jadwal/{session_id}": "Seleksi administrasi",
        f"/sertifikasi/seleksi/jadwal/{session_id}/asesor": "Penugasan asesor",
        f"/sertifikasi/pleno/jadwal/{session_id}": "Rapat pleno",
    }
    for url, label in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert 'data-testid="exam-session-tabs"' in page, url
        for target in pages:
            assert f'href="{target}"' in page, (url, target)
        current = re.search(r'aria-current="page"\s+href="([^"]+)">([^<]+)</a>', page)
        assert current and current.groups() == (url, label), url


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "Nama jadwal wajib diisi"),
        ({"version_ids": []}, "version_ids", "Pilih sekurang-kurangnya satu skema yang diujikan."),
        ({"version_ids": ["999999"]}, "version_ids", "Pilih salah satu pilihan yang tersedia."),
        ({"place_kind": "kantor"}, "place_kind", "Pilih salah satu pilihan yang tersedia."),
        ({"place_name": ""}, "place_name", "Wajib diisi."),
        ({"region_code-1": "", "region_code-2": ""}, "region_code", "Pilih wilayah TUK, sekurang-kurangnya"),
        ({"capacity": "0"}, "capacity", "Isi kapasitas dengan bilangan bulat 1 sampai 10000."),
        ({"capacity": "empat puluh"}, "capacity", "Isi dengan bilangan bulat, misalnya 40."),
        (
            {"applications_close_on": "-1", "applications_open_on": "-5"},
            "applications_close_on",
            "Tanggal pendaftaran ditutup sudah berlalu.",
        ),
        (
            {"applications_open_on": "+15"},
            "applications_close_on",
            "Pendaftaran tidak boleh ditutup sebelum dibuka.",
        ),
        (
            {"screening_ends_on": "+13"},
            "screening_ends_on",
            "Seleksi administrasi tidak boleh berakhir sebelum pendaftaran ditutup.",
        ),
        (
            {"assessment_starts_on": "+17"},
            "assessment_starts_on",
            "Asesmen tidak boleh dimulai sebelum seleksi administrasi berakhir.",
        ),
        (
            {"assessment_ends_on": "+20"},
            "assessment_ends_on",
            "Tanggal selesai asesmen tidak boleh sebelum tanggal mulai.",
        ),
        ({"assessment_ends_on": "+60", "plenary_on": "+61"}, "assessment_ends_on", "paling lama 31 hari"),
        ({"plenary_on": "+21"}, "plenary_on", "Rapat pleno tidak boleh sebelum asesmen selesai."),
        (
            {
                "applications_open_on": "-10",
                "applications_close_on": "-8",
                "screening_ends_on": "-5",
                "assessment_starts_on": "-1",
            },
            "assessment_starts_on",
            "Tanggal mulai asesmen tidak boleh sebelum hari ini.",
        ),
        ({"plenary_on": ""}, "plenary_on", "Wajib diisi."),
        ({"assessment_starts_on": "21-12-2027"}, "assessment_starts_on", "Tanggal tidak valid."),
        ({"signatory_title": ""}, "signatory_title", "Wajib diisi."),
        ({"name": "U" * 161}, "name", "Maksimal 160 karakter."),
    ],
)
def test_session_bad_input_is_refused_beside_its_field(app, client, logged_in, overrides, field, message):
    logged_in(Role.BOARD_ADMIN)
    _scheme, version = create_scheme(app)
    values = {
        k: days(int(v)) if k.endswith("_on") and v and v[0] in "+-" else v for k, v in overrides.items()
    }
    response = client.post("/uji-kompetensi/jadwal/baru", data=session_form(version, **values))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'href="#{field}' in html or field == "region_code"
    # Nothing typed is lost.
    assert 'value="Dr. Bambang Sutrisno, M.Si."' in html
    assert 'value="Jl. Soekarno-Hatta No. 1"' in html
    with app.app_context():
        assert (
            db.session.scalar(select(ExamSession.id).where(ExamSession.name.like("Uji Kompetensi Relawan%")))
            is None
        )


def test_only_published_current_versions_of_live_schemes_are_offered(app, ctx, make_user):
    admin_ref, minister_ref = make_user(Role.BOARD_ADMIN), make_user(Role.MINISTRY_ADMIN)
    _s, draft = create_scheme(app, published=False, name="Skema Draf")
    retired_scheme, retired = create_scheme(app, name="Skema Pensiun")
    _s, other_body = create_scheme(app, body=OTHER_BODY, name="Skema Penyuluh")
    scheme, old = create_scheme(app, name="Skema Lama")
    from app.certification.models import Scheme

    admin, minister = user_of(admin_ref), user_of(minister_ref)
    db.session.get(Scheme, retired_scheme).retired_at = utcnow()
    new = SchemeVersion(
        scheme_id=scheme, version=2, name="Skema Baru", category_code="RELAWAN", published_at=utcnow()
    )
    db.session.add(new)
    db.session.flush()
    offered = {v.id for v in services.version_choices(admin)}
    assert new.id in offered
    assert not offered & {draft, retired, other_body, old}
    for refused in (draft, retired, other_body, old):
        with pytest.raises(CertificationError) as caught:
            services.create_session(session_data([refused]), admin)
        assert "version_ids" in caught.value.errors
    # A ministry admin sees every body; one session offers one body's schemes only.
    with pytest.raises(CertificationError) as caught:
        services.create_session(session_data([new.id, other_body]), minister)
    assert "lembaga sertifikasi yang sama" in str(caught.value.errors["version_ids"][0])
    session = services.create_session(session_data([other_body]), minister)
    assert session.body_code == OTHER_BODY


def test_edit_keeps_capacity_above_seats_and_applied_schemes(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    _s, version = create_scheme(app)
    _s, second = create_scheme(app)
    session_id = create_exam_session(app, [version, second], capacity=5)
    person, registration = create_verified_person(app)
    create_candidacy(app, session_id, version, person, registration)
    create_candidacy(app, session_id, version, create_verified_person(app)[0])
    url = f"/uji-kompetensi/jadwal/{session_id}/ubah"
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="seats-taken"' in page and "Asesi yang sudah diterima: 2." in page
    response = client.post(url, data=session_form([version, second], capacity="1"))
    assert response.status_code == 422
    assert "Kapasitas tidak boleh kurang dari jumlah asesi yang sudah diterima (2)." in response.get_data(
        as_text=True
    )
    response = client.post(url, data=session_form([second], capacity="10"))
    assert response.status_code == 422
    assert "tidak dapat dihapus dari jadwal ini karena sudah ada permohonan" in response.get_data(
        as_text=True
    )
    response = client.post(url, data=session_form([version], capacity="10", name="Batch Baru"))
    assert response.status_code == 302
    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        assert (session.name, session.capacity) == ("Batch Baru", 10)
        assert [v.id for v in session.scheme_versions] == [version]
    assert audit_actions(app, "exam_session.updated", session_id)


def test_a_session_past_open_is_not_edited(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    _s, version = create_scheme(app)
    session_id = create_exam_session(app, version, status=SessionStatus.CLOSED)
    response = client.get(f"/uji-kompetensi/jadwal/{session_id}/ubah")
    assert response.status_code == 302 and response.location.endswith(f"/jadwal/{session_id}")
    response = client.post(f"/uji-kompetensi/jadwal/{session_id}/ubah", data=session_form(version))
    assert response.status_code == 422
    assert "Jadwal berstatus Pendaftaran ditutup tidak dapat diubah lagi." in response.get_data(as_text=True)
    assert f'href="/uji-kompetensi/jadwal/{session_id}/ubah"' not in client.get(
        f"/uji-kompetensi/jadwal/{session_id}"
    ).get_data(as_text=True)


def test_session_list_tabs_in_the_url(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    _s, version = create_scheme(app)
    early = create_exam_session(app, version, starts_on=local_today() + timedelta(days=10))
    late = create_exam_session(
        app, version, starts_on=local_today() + timedelta(days=40), status=SessionStatus.PLANNED
    )
    cancelled = create_exam_session(app, version, status=SessionStatus.CANCELLED)
    listing = client.get("/uji-kompetensi/jadwal").get_data(as_text=True)
    assert listing.index(f'data-session="{late}"') < listing.index(f'data-session="{early}"')
    planned = client.get("/uji-kompetensi/jadwal?status=direncanakan").get_data(as_text=True)
    assert f'data-session="{late}"' in planned and f'data-session="{early}"' not in planned
    assert 'aria-current="page" href="/uji-kompetensi/jadwal?status=direncanakan"' in planned
    for slug, status in (("dibuka", early), ("dibatalkan", cancelled)):
        html = client.get(f"/uji-kompetensi/jadwal?status={slug}").get_data(as_text=True)
        assert f'data-session="{status}"' in html
    assert set(services.SESSION_TABS) == {
        "semua",
        "direncanakan",
        "dibuka",
        "ditutup",
        "asesmen",
        "pleno",
        "diputuskan",
        "dibatalkan",
    }
    assert client.get("/uji-kompetensi/jadwal?status=%27x").status_code == 200


# --- Lifecycle -------------------------------------------------------------------------------------


def test_every_offered_transition_and_the_illegal_ones(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    _s, version = create_scheme(app)
    session_id = create_exam_session(app, version, status=SessionStatus.PLANNED, starts_on=local_today())
    create_assessor(app, scheme_ids=(_s,), session_id=session_id)
    with app.app_context():  # applications still open today, the assessment starting today
        session = db.session.get(ExamSession, session_id)
        session.applications_open_on = session.applications_close_on = local_today()
        session.screening_ends_on = local_today()
        db.session.commit()
    url = f"/uji-kompetensi/jadwal/{session_id}/status"
    steps = [
        ("open", SessionStatus.OPEN),
        ("close", SessionStatus.CLOSED),
        ("start_assessment", SessionStatus.ASSESSING),
        ("open_plenary", SessionStatus.PLENARY),
    ]
    for action, status in steps:
        # Everything not legal from here is refused with the lifecycle's message (and nothing moves).
        current = None
        with app.app_context():
            current = db.session.get(ExamSession, session_id).status
        for other, _status in steps:
            if other != action:
                response = client.post(url, data={"action": other})
                assert response.status_code == 409, (current, other)
                assert f"Data ini sudah berstatus {current.label}; tindakan itu tidak dapat dilakukan." in (
                    response.get_data(as_text=True)
                )
        page = client.get(f"/uji-kompetensi/jadwal/{session_id}").get_data(as_text=True)
        assert f'data-testid="confirm-{action}"' in page
        assert client.post(url, data={"action": action}).status_code == 302
        with app.app_context():
            assert db.session.get(ExamSession, session_id).status == status
        assert audit_actions(app, f"exam_session.{action}", session_id)
    # In plenary: only cancel is gone too (cancel is not legal from plenary), and decide is not offered.
    page = client.get(f"/uji-kompetensi/jadwal/{session_id}").get_data(as_text=True)
    assert 'rounded p-3" id="status"' not in page
    for action in ("decide", "hapus", ""):
        assert client.post(url, data={"action": action}).status_code == 400
    response = client.post(url, data={"action": "cancel", "reason": "Terlambat"})
    assert response.status_code == 409
    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        assert session.status == SessionStatus.PLENARY
        assert [e.to_status for e in session.events] == [
            SessionStatus.PLANNED,
            SessionStatus.OPEN,
            SessionStatus.CLOSED,
            SessionStatus.ASSESSING,
            SessionStatus.PLENARY,
        ]


def test_decided_and_cancelled_sessions_offer_nothing(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    _s, version = create_scheme(app)
    for status in (SessionStatus.DECIDED, SessionStatus.CANCELLED):
        session_id = create_exam_session(app, version, status=status)
        page = client.get(f"/uji-kompetensi/jadwal/{session_id}").get_data(as_text=True)
        assert 'rounded p-3" id="status"' not in page
        for action in ("open", "close", "start_assessment", "open_plenary", "cancel"):
            response = client.post(
                f"/uji-kompetensi/jadwal/{session_id}/status", data={"action": action, "reason": "x"}
            )
            assert response.status_code == 409, (status, action)


def test_blocked_actions_say_why(app, ctx, make_user):
    admin_ref = make_user(Role.BOARD_ADMIN)
    other_ref = create_user(app, Role.BOARD_ADMIN, body_code=OTHER_BODY)
    scheme, version = create_scheme(app)
    session_id = create_exam_session(app, version, status=SessionStatus.PLANNED)
    assessor_id = create_assessor(app, scheme_ids=(scheme,))[0]
    admin, other = user_of(admin_ref), user_of(other_ref)
    session = db.session.get(ExamSession, session_id)
    too_late = session.applications_close_on + timedelta(days=1)
    with pytest.raises(CertificationError, match="Masa pendaftaran jadwal ini sudah berakhir"):
        services.act_on_session(session, SessionAction.OPEN, admin, today=too_late)
    with pytest.raises(PermissionDenied):
        services.act_on_session(session, SessionAction.OPEN, other)
    with pytest.raises(CertificationError, match="Tindakan tidak dikenal"):
        services.act_on_session(session, SessionAction.DECIDE, admin)
    services.act_on_session(session, SessionAction.OPEN, admin)
    services.act_on_session(session, SessionAction.CLOSE, admin)
    # The assessment starts on its start date, with at least one assessor.
    with pytest.raises(CertificationError, match="Asesmen baru dapat dimulai pada tanggal mulainya"):
        services.act_on_session(session, SessionAction.START_ASSESSMENT, admin)
    start = session.assessment_starts_on
    with pytest.raises(CertificationError, match="Tugaskan sekurang-kurangnya satu asesor"):
        services.act_on_session(session, SessionAction.START_ASSESSMENT, admin, today=start)
    services.add_assessor(session, db.session.get(Assessor, assessor_id), admin)
    services.act_on_session(session, SessionAction.START_ASSESSMENT, admin, today=start)
    assert session.status == SessionStatus.ASSESSING


def test_the_detail_page_shows_a_blocked_action_disabled(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    _s, version = create_scheme(app)
    session_id = create_exam_session(app, version, status=SessionStatus.CLOSED)
    page = client.get(f"/uji-kompetensi/jadwal/{session_id}").get_data(as_text=True)
    assert (
        'data-testid="start_assessment-blocked"' in page
        and 'data-testid="confirm-start_assessment"' not in page
    )
    assert "Asesmen baru dapat dimulai pada tanggal mulainya" in page


def test_cancel_needs_a_reason_and_emails_everyone_who_applied(app, client, logged_in, outbox):
    logged_in(Role.BOARD_ADMIN)
    _s, version = create_scheme(app, name="Skema Relawan Tagana")
    _s, second = create_scheme(app)
    session_id = create_exam_session(app, [version, second])
    people = {}
    for status in (
        CandidacyStatus.DRAFT,
        CandidacyStatus.SUBMITTED,
        CandidacyStatus.RETURNED,
        CandidacyStatus.ACCEPTED,
        CandidacyStatus.WITHDRAWN,
        CandidacyStatus.REJECTED,
    ):
        person, registration = create_verified_person(app, full_name=f"Asesi {status}")
        create_candidacy(app, session_id, version, person, registration, status=status)
        people[status] = person
    # One person applying for two schemes hears once.
    create_candidacy(
        app, session_id, second, people[CandidacyStatus.SUBMITTED], status=CandidacyStatus.SUBMITTED
    )
    url = f"/uji-kompetensi/jadwal/{session_id}/status"
    response = client.post(url, data={"action": "cancel", "reason": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Mohon tuliskan alasannya." in html
    assert "open" in html.split('data-testid="confirm-cancel"')[1][:20]  # the panel stays open
    response = client.post(url, data={"action": "cancel", "reason": "x" * 2001})
    assert response.status_code == 422 and "Maksimal 2000 karakter." in response.get_data(as_text=True)

    def cancellations():
        return [m for m in outbox.messages() if m["Subject"].startswith("Uji kompetensi dibatalkan")]

    assert cancellations() == []

    reason = "TUK digunakan untuk penanganan bencana banjir."
    assert client.post(url, data={"action": "cancel", "reason": reason}).status_code == 302
    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        assert session.status == SessionStatus.CANCELLED and session.events[-1].reason == reason
        addresses = {status: db.session.get(Person, pid).email for status, pid in people.items()}
    messages = cancellations()
    assert sorted(m["To"] for m in messages) == sorted(
        addresses[s]
        for s in (
            CandidacyStatus.DRAFT,
            CandidacyStatus.SUBMITTED,
            CandidacyStatus.RETURNED,
            CandidacyStatus.ACCEPTED,
        )
    )
    body = outbox.body(outbox.last_to(addresses[CandidacyStatus.ACCEPTED]))
    assert body.startswith("Yth. Asesi accepted,")
    assert body.rstrip().splitlines()[-2] == "Hormat kami,"
    assert "Skema Relawan Tagana" in body and reason in body and "/uji-kompetensi" in body
    assert audit_actions(app, "exam_session.cancel", session_id)
    page = client.get(f"/uji-kompetensi/jadwal/{session_id}").get_data(as_text=True)
    assert reason in page and 'rounded p-3" id="status"' not in page


def test_candidacy_counts_on_the_detail_page(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    _s, version = create_scheme(app)
    session_id = create_exam_session(app, version)
    for status in (CandidacyStatus.SUBMITTED, CandidacyStatus.SUBMITTED, CandidacyStatus.ACCEPTED):
        create_candidacy(app, session_id, version, create_verified_person(app)[0], status=status)
    page = client.get(f"/uji-kompetensi/jadwal/{session_id}").get_data(as_text=True)
    counts = page.split('data-testid="candidacy-counts"')[1].split("</ul>")[0]
    assert 'data-status="submitted"><span>Menunggu pemeriksaan</span><strong>2</strong>' in counts
    assert 'data-status="accepted"><span>Memenuhi syarat, menunggu asesmen</span><strong>1</strong>' in counts
    assert "1 dari 30 (sisa 29)" in page


# --- Assessors -------------------------------------------------------------------------------------


def test_assessors_are_added_with_reasons_for_each_refusal(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme, version = create_scheme(app)
    other_scheme, _v = create_scheme(app)
    session_id = create_exam_session(app, version)
    good, _u = create_assessor(app, scheme_ids=(scheme,))
    wrong_scheme, _u = create_assessor(app, scheme_ids=(other_scheme,))
    with app.app_context():
        ends = db.session.get(ExamSession, session_id).assessment_ends_on
    short_licence, _u = create_assessor(
        app, scheme_ids=(scheme,), licence_valid_until=ends - timedelta(days=1)
    )
    inactive, _u = create_assessor(app, scheme_ids=(scheme,))
    outsider, _u = create_assessor(app, body=OTHER_BODY)
    with app.app_context():
        db.session.get(Assessor, inactive).active = False
        db.session.commit()
    url = f"/uji-kompetensi/jadwal/{session_id}/asesor"
    page = client.get(url).get_data(as_text=True)
    assert f'value="{good}"' in page and f'value="{outsider}"' not in page
    refusals = [
        (wrong_scheme, "tidak berwenang menguji skema mana pun dalam jadwal ini"),
        (short_licence, "Lisensi asesor ini berlaku sampai"),
        (inactive, "Asesor ini tidak aktif di daftar asesor."),
        (outsider, "Pilih salah satu pilihan yang tersedia."),
        ("", "Wajib diisi."),
    ]
    for assessor_id, message in refusals:
        response = client.post(url, data={"assessor_id": str(assessor_id)})
        assert response.status_code == 422, assessor_id
        assert message in response.get_data(as_text=True), assessor_id
    assert client.post(url, data={"assessor_id": str(good)}).status_code == 302
    response = client.post(url, data={"assessor_id": str(good)})
    assert response.status_code == 422
    assert "Asesor ini sudah ditugaskan pada jadwal ini." in response.get_data(as_text=True)
    with app.app_context():
        links = db.session.scalars(
            select(SessionAssessor).where(SessionAssessor.session_id == session_id)
        ).all()
        assert [link.assessor_id for link in links] == [good]
    assert audit_actions(app, "exam_session.assessor_added", session_id)
    page = client.get(url).get_data(as_text=True)
    assert f'data-assessor="{good}"' in page and "belum ditandatangani" in page


def test_an_assessor_with_assessments_in_the_session_stays(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme, version = create_scheme(app)
    session_id = create_exam_session(app, version, status=SessionStatus.ASSESSING)
    busy, _u = create_assessor(app, scheme_ids=(scheme,), session_id=session_id)
    idle, _u = create_assessor(app, scheme_ids=(scheme,), session_id=session_id)
    candidacy = create_candidacy(app, session_id, version, create_verified_person(app)[0])
    create_assessment(app, candidacy, busy, status=AssessmentStatus.DRAFT)
    with app.app_context():
        links = {
            link.assessor_id: link.id
            for link in db.session.scalars(
                select(SessionAssessor).where(SessionAssessor.session_id == session_id)
            )
        }
    page = client.get(f"/uji-kompetensi/jadwal/{session_id}/asesor").get_data(as_text=True)
    assert f"asesor/{links[busy]}/hapus" not in page and f"asesor/{links[idle]}/hapus" in page
    response = client.post(
        f"/uji-kompetensi/jadwal/{session_id}/asesor/{links[busy]}/hapus", follow_redirects=True
    )
    assert "sudah ditugaskan menilai asesi pada jadwal ini sehingga tidak dapat dihapus" in response.get_data(
        as_text=True
    )
    assert client.post(f"/uji-kompetensi/jadwal/{session_id}/asesor/{links[idle]}/hapus").status_code == 302
    with app.app_context():
        assert db.session.get(SessionAssessor, links[busy]) is not None
        assert db.session.get(SessionAssessor, links[idle]) is None
    assert audit_actions(app, "exam_session.assessor_removed", session_id)
    # A link of another session through this session's URL: 404.
    other = create_exam_session(app, version)
    assert client.post(f"/uji-kompetensi/jadwal/{other}/asesor/{links[busy]}/hapus").status_code == 404


def test_assessors_are_frozen_once_the_session_is_final(app, ctx, make_user):
    admin_ref = make_user(Role.BOARD_ADMIN)
    scheme, version = create_scheme(app)
    session_id = create_exam_session(app, version, status=SessionStatus.DECIDED)
    free = create_assessor(app, scheme_ids=(scheme,))[0]
    assigned = create_assessor(app, scheme_ids=(scheme,), session_id=session_id)[0]
    admin, session = user_of(admin_ref), db.session.get(ExamSession, session_id)
    with pytest.raises(
        CertificationError, match="tidak dapat ditambahkan pada jadwal berstatus Sudah diputuskan"
    ):
        services.add_assessor(session, db.session.get(Assessor, free), admin)
    link = db.session.scalar(select(SessionAssessor).where(SessionAssessor.assessor_id == assigned))
    with pytest.raises(CertificationError, match="tidak dapat dihapus dari jadwal berstatus"):
        services.remove_assessor(link, admin)


# --- Declaration -----------------------------------------------------------------------------------


def test_the_assessor_signs_the_declaration_once(app, client):
    scheme, version = create_scheme(app)
    session_id = create_exam_session(app, version)
    cancelled = create_exam_session(app, version, status=SessionStatus.CANCELLED)
    assessor, user_id = create_assessor(app, scheme_ids=(scheme,), session_id=session_id, declared=False)
    with app.app_context():
        link = db.session.scalar(select(SessionAssessor).where(SessionAssessor.assessor_id == assessor))
        db.session.add(SessionAssessor(session_id=cancelled, assessor_id=assessor))
        db.session.commit()
        link_id, email = link.id, db.session.get(User, user_id).email
        cancelled_link = db.session.scalar(
            select(SessionAssessor.id).where(SessionAssessor.session_id == cancelled)
        )
    login(client, email)
    page = client.get("/uji-kompetensi/tugas").get_data(as_text=True)
    assert (
        "Saya menyatakan tidak memiliki konflik kepentingan dengan asesi yang ditugaskan kepada saya" in page
    )
    assert f'data-assignment="{link_id}"' in page and "Jadwal ini dibatalkan." in page
    # Unticked: refused, nothing signed.
    response = client.post(f"/uji-kompetensi/tugas/{link_id}/pernyataan", data={}, follow_redirects=True)
    assert "Centang pernyataan untuk menandatanganinya." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SessionAssessor, link_id).declared_at is None
    response = client.post(f"/uji-kompetensi/tugas/{link_id}/pernyataan", data={"confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        signed_at = db.session.get(SessionAssessor, link_id).declared_at
        assert signed_at is not None
    assert audit_actions(app, "exam_session.declaration_signed", session_id)
    page = client.get("/uji-kompetensi/tugas").get_data(as_text=True)
    assert 'data-testid="declared"' in page and "WIB" in page
    # Signed once: never again, never unsigned.
    response = client.post(
        f"/uji-kompetensi/tugas/{link_id}/pernyataan", data={"confirm": "y"}, follow_redirects=True
    )
    assert "Pernyataan ini sudah ditandatangani pada" in response.get_data(as_text=True)
    response = client.post(
        f"/uji-kompetensi/tugas/{cancelled_link}/pernyataan", data={"confirm": "y"}, follow_redirects=True
    )
    assert "Jadwal ini sudah dibatalkan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SessionAssessor, link_id).declared_at == signed_at


def test_another_assessors_declaration_answers_404_and_is_audited(app, client, logged_in):
    scheme, version = create_scheme(app)
    session_id = create_exam_session(app, version)
    assessor, _u = create_assessor(app, scheme_ids=(scheme,), session_id=session_id, declared=False)
    stranger = logged_in(Role.ASSESSOR)
    with app.app_context():
        link_id = db.session.scalar(select(SessionAssessor.id).where(SessionAssessor.assessor_id == assessor))
    assert (
        client.post(f"/uji-kompetensi/tugas/{link_id}/pernyataan", data={"confirm": "y"}).status_code == 404
    )
    assert f'data-assignment="{link_id}"' not in client.get("/uji-kompetensi/tugas").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SessionAssessor, link_id).declared_at is None
        denied = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.actor_id == stranger.id, AuditEvent.action == "session_assessor.access_denied"
            )
        ).all()
        assert len(denied) == 1


# --- Body scoping ----------------------------------------------------------------------------------


def test_another_bodys_session_answers_404_and_is_audited(app, client, logged_in):
    admin = logged_in(Role.BOARD_ADMIN, body_code=OTHER_BODY)
    scheme, version = create_scheme(app)
    session_id = create_exam_session(app, version)
    link = create_assessor(app, scheme_ids=(scheme,), session_id=session_id)[0]
    urls = [
        ("GET", f"/uji-kompetensi/jadwal/{session_id}"),
        ("GET", f"/uji-kompetensi/jadwal/{session_id}/ubah"),
        ("POST", f"/uji-kompetensi/jadwal/{session_id}/ubah"),
        ("POST", f"/uji-kompetensi/jadwal/{session_id}/status"),
        ("GET", f"/uji-kompetensi/jadwal/{session_id}/asesor"),
        ("POST", f"/uji-kompetensi/jadwal/{session_id}/asesor"),
        ("POST", f"/uji-kompetensi/jadwal/{session_id}/asesor/{link}/hapus"),
    ]
    for method, url in urls:
        response = client.open(
            url, method=method, data={"action": "cancel", "reason": "x", "assessor_id": "1"}
        )
        assert response.status_code == 404, url
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.actor_id == admin.id, AuditEvent.action == "exam_session.access_denied"
            )
        ).all()
        assert len(denied) == len(urls)
        assert db.session.get(ExamSession, session_id).status == SessionStatus.OPEN
    # The listing shows only the admin's body; the LSPS scheme is not offered.
    listing = client.get("/uji-kompetensi/jadwal").get_data(as_text=True)
    assert f'data-session="{session_id}"' not in listing
    response = client.post("/uji-kompetensi/jadwal/baru", data=session_form(version))
    assert response.status_code == 422
    assert "Pilih salah satu pilihan yang tersedia." in response.get_data(as_text=True)


def test_the_ministry_admin_manages_every_body(app, client, logged_in):
    logged_in(Role.MINISTRY_ADMIN)
    _s, version = create_scheme(app, body=OTHER_BODY)
    session_id = create_exam_session(app, version, body=OTHER_BODY)
    assert client.get(f"/uji-kompetensi/jadwal/{session_id}").status_code == 200
    assert f'data-session="{session_id}"' in client.get("/uji-kompetensi/jadwal").get_data(as_text=True)


def test_menus_of_the_board_admin_and_the_assessor(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    html = client.get("/dasbor").get_data(as_text=True)
    assert 'href="/uji-kompetensi/jadwal"' in html and "Jadwal uji kompetensi" in html
    assert "Jadwal tugas asesmen" not in html
    other = app.test_client()
    login(other, create_user(app, Role.ASSESSOR))
    html = other.get("/dasbor").get_data(as_text=True)
    assert 'href="/uji-kompetensi/tugas"' in html and 'href="/uji-kompetensi/jadwal"' not in html


# --- Public list -----------------------------------------------------------------------------------


def test_public_list_needs_no_login_and_filters_by_province_and_scheme(app, client):
    _s, relawan = create_scheme(app, name="Skema Relawan Umum")
    _s, tagana = create_scheme(app, name="Skema Tagana")
    west_java = create_exam_session(app, relawan, region="32.04")
    central_java = create_exam_session(app, tagana, region="33.74")
    both = create_exam_session(app, [relawan, tagana], region="33.74")
    hidden = [
        create_exam_session(app, relawan, status=SessionStatus.PLANNED),
        create_exam_session(app, relawan, status=SessionStatus.CLOSED),
        create_exam_session(app, relawan, status=SessionStatus.CANCELLED),
    ]
    with app.app_context():
        past = db.session.get(ExamSession, create_exam_session(app, relawan))
        past.assessment_starts_on = local_today() - timedelta(days=1)
        past.applications_close_on = past.applications_open_on = local_today() - timedelta(days=5)
        past.screening_ends_on = None
        db.session.commit()
        hidden.append(past.id)
    response = client.get("/uji-kompetensi")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for shown in (west_java, central_java, both):
        assert f'data-session="{shown}"' in html
    for session_id in hidden:
        assert f'data-session="{session_id}"' not in html
    html = client.get(f"/uji-kompetensi?skema={tagana}").get_data(as_text=True)
    assert f'data-session="{central_java}"' in html and f'data-session="{both}"' in html
    assert f'data-session="{west_java}"' not in html
    assert f'<option value="{tagana}" selected>' in html
    html = client.get("/uji-kompetensi?provinsi=32").get_data(as_text=True)
    assert f'data-session="{west_java}"' in html and f'data-session="{central_java}"' not in html
    html = client.get(f"/uji-kompetensi?provinsi=32&skema={tagana}").get_data(as_text=True)
    assert 'data-testid="no-sessions"' in html
    # Unknown filters are ignored rather than failing.
    for query in ("provinsi=99&skema=%27", "skema=99999999999999999999", "setelah=rusak~x"):
        assert client.get(f"/uji-kompetensi?{query}").status_code == 200


def test_public_list_pages_keep_the_filters(app, client, monkeypatch):
    from app.certification.sessions import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 1)
    _s, version = create_scheme(app)
    first = create_exam_session(app, version, starts_on=local_today() + timedelta(days=20))
    second = create_exam_session(app, version, starts_on=local_today() + timedelta(days=21))
    html = client.get(f"/uji-kompetensi?skema={version}&provinsi=32").get_data(as_text=True)
    assert f'data-session="{first}"' in html and f'data-session="{second}"' not in html
    next_link = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert f"skema={version}" in next_link and "provinsi=32" in next_link
    assert f'data-session="{second}"' in client.get(next_link).get_data(as_text=True)


def test_public_session_page_explains_the_schemes_and_shows_no_personal_data(app, client):
    _s, version = create_scheme(
        app,
        name="Skema Pekerja Sosial Generalis",
        category="PEKSOS",
        min_education_code="S1",
        min_training_jp=60,
        min_experience_months=24,
        min_practice_hours=1344,
        required_documents=["SURAT_PENGALAMAN", "IJAZAH"],
    )
    session_id = create_exam_session(app, version, capacity=20)
    person, registration = create_verified_person(app, full_name="Siti Rahmawati Asesi")
    create_candidacy(app, session_id, version, person, registration)
    assessor, _u = create_assessor(app, session_id=session_id)
    response = client.get(f"/uji-kompetensi/{session_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Skema Pekerja Sosial Generalis" in html and "19 dari 20" in html
    assert "KS.01.001" in html and "Melakukan asesmen kebutuhan klien" in html
    assert "Pelatihan sekurang-kurangnya 60 JP." in html
    assert "Pengalaman praktik sekurang-kurangnya 24 bulan atau 1344 jam praktik." in html
    assert (
        "Pendidikan paling rendah" in html
        and "Terdaftar dan sudah diverifikasi sebagai Pekerja Sosial" in html
    )
    assert "Surat keterangan pengalaman praktik" in html and "Ijazah terakhir" in html
    assert "Portofolio" in html and "Wawancara" in html
    assert f'href="/sertifikasi/asesi/daftar/{session_id}"' in html and "Ajukan permohonan" in html
    with app.app_context():
        assessor_name = db.session.get(Assessor, assessor).name
    assert "Siti Rahmawati" not in html and assessor_name not in html
    planned = create_exam_session(app, version, status=SessionStatus.PLANNED)
    assert client.get(f"/uji-kompetensi/{planned}").status_code == 404
    assert client.get("/uji-kompetensi/999999").status_code == 404
    closed = create_exam_session(app, version, status=SessionStatus.CLOSED)
    html = client.get(f"/uji-kompetensi/{closed}").get_data(as_text=True)
    assert 'data-testid="apply"' not in html and 'data-testid="not-open"' in html
    full = create_exam_session(app, version, capacity=1)
    create_candidacy(app, full, version, create_verified_person(app)[0])
    html = client.get(f"/uji-kompetensi/{full}").get_data(as_text=True)
    assert 'data-testid="apply"' not in html and 'data-testid="full"' in html


def test_eligibility_lines_without_rules(app, ctx):
    _s, version_id = create_scheme(app, requires_verified_registration=False)
    assert services.eligibility_lines(db.session.get(SchemeVersion, version_id)) == []


def test_the_lists_take_the_same_number_of_statements_for_few_or_many_sessions(app, client):
    from tests.test_queue import counted_statements

    admin_client = app.test_client()
    login(admin_client, create_user(app, Role.BOARD_ADMIN))
    _s, version = create_scheme(app)
    _s, second = create_scheme(app)

    def lists() -> list[int]:
        counts = []
        for who, url in (
            (client, f"/uji-kompetensi?skema={version}"),
            (admin_client, "/uji-kompetensi/jadwal"),
        ):
            with counted_statements(app) as statements:
                assert who.get(url).status_code == 200
            counts.append(len(statements))
        return counts

    for region in ("32.04", "33.74"):
        create_exam_session(app, [version, second], region=region)
    few = lists()
    for n in range(6):
        create_exam_session(app, [version, second], region=("32.04", "33.74", "73.71")[n % 3])
    assert lists() == few
