"""Appeal pages: the candidate files, follows and withdraws their appeal; the board admin lists the
body's appeals by status, forms the panel (a conflicting assessor refused, even through a crafted
POST) and records the finding. Another candidate's or another body's appeal: 404 and audited."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.certification.models import Appeal, Assessor, Candidacy
from app.certification.states import AppealGround, AppealStatus, CandidacyStatus, Verdict
from app.core.audit import AuditEvent
from app.core.models import local_today
from app.core.roles import Role
from app.extensions import db
from tests.factories import create_user, login
from tests.test_cert_appeals import STATEMENT, arrange

BASE = "/sertifikasi/banding"


def _switch(client, user) -> None:
    """Sign the client out (if signed in) and in as `user` (a UserRef or an e-mail address)."""
    client.post("/akun/keluar")
    assert login(client, user).status_code == 302


def _as(app, client, user_id: int) -> None:
    from app.accounts.models import User

    with app.app_context():
        email = db.session.get(User, user_id).email
    _switch(client, email)


def _appeal_of(app, candidacy_id: int) -> tuple[int, AppealStatus] | None:
    with app.app_context():
        row = db.session.execute(
            select(Appeal.id, Appeal.status).where(Appeal.candidacy_id == candidacy_id)
        ).first()
        return tuple(row) if row else None


def _denied(app, object_type: str, object_id: int) -> bool:
    with app.app_context():
        return (
            db.session.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.action == "appeal.access_denied",
                    AuditEvent.object_type == object_type,
                    AuditEvent.object_id == str(object_id),
                )
            )
            is not None
        )


def _file(client, a, **data):
    form = {"decision_id": a.decision_id, "ground": "procedure", "statement": STATEMENT, **data}
    return client.post(f"{BASE}/ajukan/{a.candidacy_id}", data=form)


# --- The candidate ---------------------------------------------------------------------------------


def test_the_candidate_files_an_appeal_and_follows_it(app, client, outbox):
    a = arrange(app)
    _as(app, client, a.user_id)
    mine = client.get(f"{BASE}/saya").get_data(as_text=True)
    assert "Hasil yang dapat diajukan banding" in mine and f"/ajukan/{a.candidacy_id}" in mine
    page = client.get(f"{BASE}/ajukan/{a.candidacy_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Prosedur uji tidak diikuti" in html and "Konflik kepentingan" in html
    assert "Batas pengajuan banding" in html and 'data-testid="appeal-blocked"' not in html
    response = _file(client, a)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}/saya")
    appeal_id, status = _appeal_of(app, a.candidacy_id)
    assert status == AppealStatus.FILED
    html = client.get(f"{BASE}/saya").get_data(as_text=True)
    assert f'id="banding-{appeal_id}"' in html and "Diajukan" in html
    assert STATEMENT in html and 'data-testid="timeline"' in html
    assert "Hasil yang dapat diajukan banding" not in html  # appealed: no longer offered
    assert outbox.messages(), "a receipt was e-mailed"


def test_a_failed_submission_keeps_what_was_typed_and_says_why(app, client):
    a = arrange(app)
    _as(app, client, a.user_id)
    response = _file(client, a, statement="  ", ground="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Wajib diisi." in html and 'data-testid="error-summary"' in html
    response = _file(client, a, ground="discrimination", statement="x" * 4001)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Maksimal 4000 karakter." in html
    assert '<input checked class="form-check-input" id="ground-1" name="ground"' in html  # kept
    assert _appeal_of(app, a.candidacy_id) is None


def test_a_double_submission_through_the_page_is_refused(app, client):
    a = arrange(app)
    _as(app, client, a.user_id)
    assert _file(client, a).status_code == 302
    response = _file(client, a)
    assert response.status_code == 422
    assert "sudah mengajukan banding atas hasil ini" in response.get_data(as_text=True)


def test_the_deadline_day_is_allowed_and_the_day_after_refused_with_the_date(app, client):
    late = arrange(app, deadline=local_today() - timedelta(days=1))
    on_time = arrange(app, deadline=local_today())
    _as(app, client, late.user_id)
    html = client.get(f"{BASE}/ajukan/{late.candidacy_id}").get_data(as_text=True)
    assert (
        'data-testid="appeal-blocked"' in html and "Masa banding atas hasil ini sudah berakhir pada" in html
    )
    response = _file(client, late)
    assert response.status_code == 422 and "sudah berakhir pada" in response.get_data(as_text=True)
    assert _appeal_of(app, late.candidacy_id) is None
    _as(app, client, on_time.user_id)
    assert _file(client, on_time).status_code == 302


def test_the_candidate_withdraws_while_filed(app, client):
    a = arrange(app)
    _as(app, client, a.user_id)
    _file(client, a)
    appeal_id, _ = _appeal_of(app, a.candidacy_id)
    assert 'data-testid="confirm-withdraw"' in client.get(f"{BASE}/saya").get_data(as_text=True)
    assert client.post(f"{BASE}/{appeal_id}/cabut").status_code == 302
    assert _appeal_of(app, a.candidacy_id)[1] == AppealStatus.WITHDRAWN
    html = client.get(f"{BASE}/saya").get_data(as_text=True)
    assert "Dicabut" in html and 'data-testid="confirm-withdraw"' not in html
    client.post(f"{BASE}/{appeal_id}/cabut")  # again: refused with a message, nothing changes
    assert "sudah berstatus Dicabut" in client.get(f"{BASE}/saya").get_data(as_text=True)


def test_another_candidates_candidacy_and_appeal_are_404_and_audited(app, client):
    a = arrange(app)
    stranger = create_user(app, Role.APPLICANT)
    _as(app, client, a.user_id)
    _file(client, a)
    appeal_id, _ = _appeal_of(app, a.candidacy_id)
    _switch(client, stranger)
    assert client.get(f"{BASE}/ajukan/{a.candidacy_id}").status_code == 404
    assert _file(client, a).status_code == 404
    assert _denied(app, "candidacy", a.candidacy_id)
    assert client.post(f"{BASE}/{appeal_id}/cabut").status_code == 404
    assert _denied(app, "appeal", appeal_id)
    assert _appeal_of(app, a.candidacy_id)[1] == AppealStatus.FILED
    assert STATEMENT not in client.get(f"{BASE}/saya").get_data(as_text=True)


# --- The board -------------------------------------------------------------------------------------


def _filed(app, client, **kwargs):
    a = arrange(app, fresh=2, **kwargs)
    _as(app, client, a.user_id)
    assert _file(client, a).status_code == 302
    appeal_id, _ = _appeal_of(app, a.candidacy_id)
    _as(app, client, a.admin_id)
    return a, appeal_id


def test_the_board_lists_its_bodys_appeals_by_status(app, client):
    a, appeal_id = _filed(app, client)
    html = client.get(f"{BASE}/").get_data(as_text=True)
    assert f'data-appeal="{appeal_id}"' in html and 'data-testid="appeal-tabs"' in html
    with app.app_context():
        person = db.session.get(Candidacy, a.candidacy_id).person
        assert person.full_name in html and person.nik_masked in html
    assert f'data-appeal="{appeal_id}"' not in client.get(f"{BASE}/?status=diperiksa").get_data(as_text=True)
    assert f'data-appeal="{appeal_id}"' in client.get(f"{BASE}/?status=x").get_data(as_text=True)


def test_the_appeal_page_shows_the_case(app, client):
    a, appeal_id = _filed(app, client)
    html = client.get(f"{BASE}/{appeal_id}").get_data(as_text=True)
    with app.app_context():
        candidacy = db.session.get(Candidacy, a.candidacy_id)
        number = candidacy.decision.decree.number
        nik = candidacy.person.nik
        assessor = db.session.get(Assessor, a.assessor_id).name
        masked = candidacy.person.nik_masked
    assert number in html and masked in html and nik not in html
    assert assessor in html and "Asesor pertama" in html
    assert STATEMENT in html and "Prosedur uji tidak diikuti" in html
    assert 'id="panel-banding"' in html and 'id="temuan-panel"' not in html
    assert "menilai asesi ini" in html  # the involved assessor is marked in the picker


def test_another_bodys_admin_gets_404_and_is_audited(app, client):
    a, appeal_id = _filed(app, client)
    other = create_user(app, Role.BOARD_ADMIN, body_code="LSPENSOS")
    _switch(client, other)
    for method, url in (
        ("get", f"{BASE}/{appeal_id}"),
        ("post", f"{BASE}/{appeal_id}/panel"),
        ("post", f"{BASE}/{appeal_id}/temuan"),
    ):
        assert getattr(client, method)(url).status_code == 404, url
    assert _denied(app, "appeal", appeal_id)
    assert f'data-appeal="{appeal_id}"' not in client.get(f"{BASE}/").get_data(as_text=True)
    # The ministry admin sees every body.
    _switch(client, create_user(app, Role.MINISTRY_ADMIN))
    assert client.get(f"{BASE}/{appeal_id}").status_code == 200


def test_a_crafted_panel_with_the_involved_assessor_is_refused_with_reasons(app, client):
    a, appeal_id = _filed(app, client)
    response = client.post(f"{BASE}/{appeal_id}/panel", data={"assessors": [a.assessor_id, a.fresh[0]]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Panel tidak dapat dibentuk" in html and "Asesor sudah terlibat dalam asesmen asesi ini." in html
    response = client.post(f"{BASE}/{appeal_id}/panel", data={"assessors": [a.fresh[0]]})
    assert response.status_code == 422 and "Anda memilih 1" in response.get_data(as_text=True)
    response = client.post(f"{BASE}/{appeal_id}/panel", data={"assessors": ["abc"]})
    assert response.status_code == 422 and "Pilihan tidak valid." in response.get_data(as_text=True)
    assert _appeal_of(app, a.candidacy_id)[1] == AppealStatus.FILED
    response = client.post(f"{BASE}/{appeal_id}/panel", data={"assessors": a.fresh})
    assert response.status_code == 302
    html = client.get(f"{BASE}/{appeal_id}").get_data(as_text=True)
    assert 'data-testid="panel"' in html and 'id="temuan-panel"' in html and 'id="panel-banding"' not in html


def test_the_board_records_the_finding_uphold_reopens(app, client, outbox):
    a, appeal_id = _filed(app, client)
    client.post(f"{BASE}/{appeal_id}/panel", data={"assessors": a.fresh})
    response = client.post(f"{BASE}/{appeal_id}/temuan", data={"action": "uphold", "finding": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Mohon tuliskan temuan panel dan alasannya." in html
    assert 'data-testid="confirm-uphold" open' in html  # the chosen confirmation stays open
    response = client.post(
        f"{BASE}/{appeal_id}/temuan", data={"action": "uphold", "finding": "Wawancara terlalu singkat."}
    )
    assert response.status_code == 302
    assert _appeal_of(app, a.candidacy_id)[1] == AppealStatus.UPHELD
    with app.app_context():
        candidacy = db.session.get(Candidacy, a.candidacy_id)
        assert (candidacy.status, candidacy.round) == (CandidacyStatus.REASSESSING, 2)
        address = candidacy.person.email
    assert "Wawancara terlalu singkat." in outbox.body(outbox.last_to(address))
    html = client.get(f"{BASE}/{appeal_id}").get_data(as_text=True)
    assert 'data-testid="finding"' in html and 'id="temuan-panel"' not in html


def test_the_board_dismisses_and_the_candidate_reads_the_finding(app, client):
    a, appeal_id = _filed(app, client, result=Verdict.K)
    client.post(f"{BASE}/{appeal_id}/panel", data={"assessors": a.fresh})
    response = client.post(
        f"{BASE}/{appeal_id}/temuan", data={"action": "dismiss", "finding": "Prosedur sudah diikuti."}
    )
    assert response.status_code == 302
    _as(app, client, a.user_id)
    html = client.get(f"{BASE}/saya").get_data(as_text=True)
    assert "Ditolak: hasil tetap" in html and "Prosedur sudah diikuti." in html


def test_menus_show_the_appeal_entries(app, client):
    login(client, create_user(app, Role.APPLICANT))
    html = client.get("/dasbor").get_data(as_text=True)
    assert "Banding saya" in html and f'href="{BASE}/"' not in html
    _switch(client, create_user(app, Role.BOARD_ADMIN))
    html = client.get("/dasbor").get_data(as_text=True)
    assert f'href="{BASE}/"' in html and "Banding saya" not in html


def test_appeal_forms_need_the_csrf_token(app, client, monkeypatch):
    import re

    a = arrange(app)
    _as(app, client, a.user_id)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert _file(client, a).status_code == 400
    assert _appeal_of(app, a.candidacy_id) is None
    html = client.get(f"{BASE}/ajukan/{a.candidacy_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert _file(client, a, csrf_token=token).status_code == 302


def test_the_board_list_pages_in_the_same_statements_for_few_or_many_appeals(app, client, monkeypatch):
    from tests.test_cert_plenary import counted_statements

    monkeypatch.setitem(app.config, "CERTIFICATION_PAGE_SIZE", 3)

    def add(n: int) -> list[int]:
        ids = []
        for _ in range(n):
            a = arrange(app)
            with app.app_context():
                appeal = Appeal(
                    candidacy_id=a.candidacy_id,
                    decision_id=a.decision_id,
                    body_code="LSPS",
                    ground=AppealGround.PROCEDURE,
                    statement=STATEMENT,
                )
                db.session.add(appeal)
                db.session.commit()
                ids.append(appeal.id)
        return ids

    def page(url: str) -> tuple[list[int], int]:
        with counted_statements(app) as statements:
            html = client.get(url).get_data(as_text=True)
        return [int(i) for i in re.findall(r'data-appeal="(\d+)"', html)], len(statements)

    first = add(1)
    _switch(client, create_user(app, Role.BOARD_ADMIN, body_code="LSPS"))
    client.get(f"{BASE}/")  # warm the caches (catalogues, user)
    ids, few = page(f"{BASE}/")
    assert first[0] in ids
    added = add(5)
    ids, many = page(f"{BASE}/")
    assert len(ids) == 3 and many == few
    deep, deep_statements = page(f"{BASE}/?setelah={added[1]}")
    assert deep == sorted(deep) and all(i > added[1] for i in deep) and added[2] in deep
    assert deep_statements == few
