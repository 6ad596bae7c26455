"""Certification schemes (board admin): create a scheme with its first draft version, edit the draft
and its competency units, publish (frozen from then on, also against crafted POSTs), start a new
version (the old one and the candidacies on it stay as they were), retire; body scoping (another
body's scheme is a 404 with an audit entry). Every refused input has an Indonesian message beside its
field, HTTP 422, and nothing typed is lost."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from app.accounts.models import User
from app.certification.models import Candidacy, Scheme, SchemeUnit, SchemeVersion
from app.certification.schemes import services
from app.certification.states import CertificationError
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.roles import Role
from app.extensions import db
from tests.certification_factories import create_candidacy, create_exam_session, create_scheme
from tests.factories import create_person, create_user


def audit_events(app, action: str, object_id=None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == str(object_id))
        return list(db.session.scalars(stmt))


def scheme_form(**overrides) -> dict:
    data = {
        "body_code": "LSPS",
        "code": " ps-gen ",
        "name": "Pekerja Sosial Generalis",
        "target": "PEKSOS|GENERALIS",
        "methods": ["interview", "portfolio"],
        "min_education_code": "S1",
        "min_training_jp": "60",
        "jp_from_linked_programmes_only": "y",
        "min_experience_months": "24",
        "min_practice_hours": "1344",
        "requires_verified_registration": "y",
        "required_documents": ["SURAT_PENGALAMAN", "KTP", "PORTOFOLIO"],
        "validity_years": "5",
        "second_assessor_required": "y",
        "retake_wait_days": "90",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def checked(page: str, name: str, value: str) -> bool:
    """Is the checkbox of this name and value ticked in the page?"""
    return (
        re.search(rf'<input checked [^>]*name="{name}" type="checkbox" value="{re.escape(value)}"', page)
        is not None
    )


def version_of(app, version_id: int) -> dict:
    with app.app_context():
        version = db.session.get(SchemeVersion, version_id)
        view = version.audit_view()
        view["unit_positions"] = [(u.position, u.code) for u in version.units]
        return view


def draft_scheme(app, **kwargs) -> tuple[int, int]:
    return create_scheme(app, published=False, **kwargs)


def version_url(scheme_id: int, version_id: int, suffix: str = "") -> str:
    return f"/sertifikasi/skema/{scheme_id}/versi/{version_id}{suffix}"


# --- Create ----------------------------------------------------------------------------------------


def test_board_admin_creates_a_scheme_with_its_first_draft_version(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    page = client.get("/sertifikasi/skema/baru").get_data(as_text=True)
    assert "Pekerja Sosial — Pekerja Sosial Generalis" in page or "Generalis" in page
    assert 'name="validity_years"' in page and 'value="5"' in page  # default validity 5 years
    assert 'value="PENYULUH|' not in page  # LSPS does not certify Penyuluh Sosial

    response = client.post("/sertifikasi/skema/baru", data=scheme_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        scheme = db.session.scalar(select(Scheme).where(Scheme.code == "PS-GEN"))
        assert scheme.body_code == "LSPS" and not scheme.retired
        [version] = scheme.versions
        assert (version.version, version.published, version.name) == (1, False, "Pekerja Sosial Generalis")
        assert (version.category_code, version.subtype) == ("PEKSOS", "GENERALIS")
        assert version.methods == ["portfolio", "interview"]  # in the vocabulary's order
        assert version.min_education_code == "S1" and version.min_training_jp == 60
        assert version.jp_from_linked_programmes_only and version.requires_verified_registration
        assert (version.min_experience_months, version.min_practice_hours) == (24, 1344)
        assert version.required_documents == ["KTP", "PORTOFOLIO", "SURAT_PENGALAMAN"]
        assert (version.validity_years, version.second_assessor_required, version.retake_wait_days) == (
            5,
            True,
            90,
        )
        scheme_id = scheme.id
    assert response.headers["Location"].endswith(f"/sertifikasi/skema/{scheme_id}")
    [event] = audit_events(app, "scheme.created", scheme_id)
    assert event.after["code"] == "PS-GEN" and event.after["version"]["name"] == "Pekerja Sosial Generalis"

    listing = client.get("/sertifikasi/skema?status=draf").get_data(as_text=True)
    assert f'data-scheme="{scheme_id}"' in listing and "Draf" in listing
    assert f'data-scheme="{scheme_id}"' not in client.get("/sertifikasi/skema?status=terbit").get_data(
        as_text=True
    )
    detail = client.get(f"/sertifikasi/skema/{scheme_id}").get_data(as_text=True)
    assert "PS-GEN" in detail and "Belum digunakan asesi" in detail


def test_optional_rules_may_stay_empty(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    form = scheme_form(
        code="REL-01",
        target="RELAWAN|",
        methods=["written"],
        min_education_code="",
        min_training_jp="",
        jp_from_linked_programmes_only=None,
        min_experience_months="",
        min_practice_hours="",
        requires_verified_registration=None,
        required_documents=[],
        second_assessor_required=None,
    )
    assert client.post("/sertifikasi/skema/baru", data=form).status_code == 302
    with app.app_context():
        version = db.session.scalar(select(Scheme).where(Scheme.code == "REL-01")).versions[0]
        assert (version.category_code, version.subtype) == ("RELAWAN", "")  # every subtype
        assert version.min_education_code is None and version.min_training_jp == 0
        assert version.min_experience_months is None and version.min_practice_hours is None
        assert not version.requires_verified_registration and not version.second_assessor_required
        assert version.required_documents == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": ""}, "Wajib diisi."),
        ({"code": "PS GEN!"}, "Kode hanya boleh berisi huruf, angka, titik, garis miring dan tanda hubung"),
        ({"name": ""}, "Wajib diisi."),
        ({"name": "x" * 201}, "Maksimal 200 karakter."),
        ({"target": ""}, "Wajib diisi."),
        ({"target": "PENYULUH|"}, "Pilih salah satu pilihan yang tersedia."),
        ({"target": "PEKSOS|TIDAK-ADA"}, "Pilih salah satu pilihan yang tersedia."),
        ({"methods": []}, "Pilih sekurang-kurangnya satu metode asesmen."),
        ({"methods": ["telepati"]}, "Pilih salah satu pilihan yang tersedia."),
        ({"min_education_code": "PHD"}, "Pilih salah satu pilihan yang tersedia."),
        ({"min_training_jp": "-5"}, "Isi minimal JP pelatihan dengan bilangan bulat 0 sampai 10000."),
        ({"min_training_jp": "enam puluh"}, "Isi dengan bilangan bulat, misalnya 40."),
        (
            {"min_training_jp": "", "jp_from_linked_programmes_only": "y"},
            "Aturan ini hanya berlaku jika minimal JP pelatihan diisi.",
        ),
        ({"min_experience_months": "-1"}, "Isi minimal pengalaman dengan bilangan bulat 0 sampai 600 bulan."),
        ({"min_practice_hours": "200000"}, "Isi minimal jam praktik dengan bilangan bulat 0 sampai 100000."),
        ({"required_documents": ["SURAT_SEHAT"]}, "Pilih salah satu pilihan yang tersedia."),
        ({"validity_years": "0"}, "Isi masa berlaku sertifikat dengan bilangan bulat 1 sampai 10 tahun."),
        ({"validity_years": "11"}, "Isi masa berlaku sertifikat dengan bilangan bulat 1 sampai 10 tahun."),
        ({"validity_years": ""}, "Wajib diisi."),
        ({"retake_wait_days": "-1"}, "Isi masa tunggu uji ulang dengan bilangan bulat 0 sampai 3650 hari."),
        ({"body_code": "LSPENSOS"}, "Pilih salah satu pilihan yang tersedia."),
    ],
)
def test_create_refuses_bad_input_and_keeps_what_was_typed(app, client, logged_in, overrides, message):
    logged_in(Role.BOARD_ADMIN)
    form = scheme_form(**{"name": "Skema Uji Penolakan", **overrides})
    response = client.post("/sertifikasi/skema/baru", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'data-testid="error-summary"' in page
    if "name" not in overrides:
        assert 'value="Skema Uji Penolakan"' in page  # nothing typed is lost
    assert "methods" in overrides or checked(page, "methods", "interview")
    with app.app_context():
        assert db.session.scalar(select(Scheme).where(Scheme.code == "PS-GEN")) is None


def test_a_code_is_unique_within_a_body_but_not_across_bodies(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    assert client.post("/sertifikasi/skema/baru", data=scheme_form()).status_code == 302
    response = client.post("/sertifikasi/skema/baru", data=scheme_form(code="Ps-Gen", name="Skema Kedua"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kode PS-GEN sudah digunakan skema lain lembaga ini." in page
    assert 'value="Skema Kedua"' in page
    with app.app_context():
        actor = db.session.get(User, create_user(app, Role.MINISTRY_ADMIN).id)
        other = services.create_scheme(
            body_code="LSPENSOS",
            code="PS-GEN",
            data=services.VersionData(name="Penyuluh Sosial", category_code="PENYULUH", methods=["written"]),
            actor=actor,
        )
        assert other.body_code == "LSPENSOS"


# --- Draft versions and their units -----------------------------------------------------------------


def test_draft_is_edited_and_its_units_added_edited_reordered_and_removed(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme_id, version_id = draft_scheme(app, units=())
    response = client.post(
        version_url(scheme_id, version_id),
        data=scheme_form(name="Relawan Sosial Tagana", target="RELAWAN|", validity_years="3"),
    )
    assert response.status_code == 302
    assert version_of(app, version_id)["name"] == "Relawan Sosial Tagana"
    assert version_of(app, version_id)["validity_years"] == 3
    assert audit_events(app, "scheme_version.updated", version_id)

    for code, title in (("ks.01", "Asesmen"), ("KS.02", "Intervensi"), ("KS.03", "Evaluasi")):
        response = client.post(
            version_url(scheme_id, version_id, "/unit"), data={"code": code, "title": title}
        )
        assert response.status_code == 302
    assert version_of(app, version_id)["unit_positions"] == [(1, "KS.01"), (2, "KS.02"), (3, "KS.03")]
    assert len(audit_events(app, "scheme_version.unit_added", version_id)) == 3

    with app.app_context():
        unit_ids = {u.code: u.id for u in db.session.get(SchemeVersion, version_id).units}
    response = client.post(
        version_url(scheme_id, version_id, f"/unit/{unit_ids['KS.03']}/pindah"), data={"direction": "naik"}
    )
    assert response.status_code == 302
    assert version_of(app, version_id)["unit_positions"] == [(1, "KS.01"), (2, "KS.03"), (3, "KS.02")]
    # At the top nothing moves.
    client.post(
        version_url(scheme_id, version_id, f"/unit/{unit_ids['KS.01']}/pindah"), data={"direction": "naik"}
    )
    assert version_of(app, version_id)["unit_positions"][0] == (1, "KS.01")
    assert audit_events(app, "scheme_version.units_reordered", version_id)

    response = client.post(
        version_url(scheme_id, version_id, f"/unit/{unit_ids['KS.02']}"),
        data={"code": "KS.02A", "title": "Intervensi sosial"},
    )
    assert response.status_code == 302
    assert audit_events(app, "scheme_version.unit_updated", version_id)

    response = client.post(version_url(scheme_id, version_id, f"/unit/{unit_ids['KS.01']}/hapus"))
    assert response.status_code == 302
    assert version_of(app, version_id)["unit_positions"] == [(1, "KS.03"), (2, "KS.02A")]
    assert audit_events(app, "scheme_version.unit_removed", version_id)
    page = client.get(version_url(scheme_id, version_id)).get_data(as_text=True)
    assert "Intervensi sosial" in page and 'data-testid="confirm-publish"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "", "title": "Asesmen"}, "Wajib diisi."),
        ({"code": "KS 01!", "title": "Asesmen"}, "Kode unit hanya boleh berisi huruf, angka"),
        ({"code": "ks.01.001", "title": "Lagi"}, "Kode unit KS.01.001 sudah ada di versi ini."),
        ({"code": "KS.09", "title": ""}, "Wajib diisi."),
        ({"code": "KS.09", "title": "x" * 301}, "Maksimal 300 karakter."),
    ],
)
def test_bad_units_are_refused_beside_their_field(app, client, logged_in, data, message):
    logged_in(Role.BOARD_ADMIN)
    scheme_id, version_id = draft_scheme(app)
    response = client.post(version_url(scheme_id, version_id, "/unit"), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and 'data-testid="error-summary"' in page
    if data["title"] and len(data["title"]) < 300:
        assert f'value="{data["title"]}"' in page
    assert len(version_of(app, version_id)["units"]) == 3


def test_editing_a_unit_to_a_code_already_in_the_version_is_refused(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme_id, version_id = draft_scheme(app)
    with app.app_context():
        unit = db.session.get(SchemeVersion, version_id).units[1]
        unit_id = unit.id
    response = client.post(
        version_url(scheme_id, version_id, f"/unit/{unit_id}"), data={"code": "KS.01.001", "title": "Baru"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kode unit KS.01.001 sudah ada di versi ini." in page and 'value="Baru"' in page


def test_publishing_needs_a_unit_and_a_method_and_asks_for_confirmation(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme_id, version_id = draft_scheme(app, units=())
    page = client.get(version_url(scheme_id, version_id)).get_data(as_text=True)
    assert 'data-testid="publish-blocked"' in page and "confirm-publish" not in page
    response = client.post(version_url(scheme_id, version_id, "/terbitkan"), follow_redirects=True)
    assert "Tambahkan sekurang-kurangnya satu unit kompetensi sebelum menerbitkan." in response.get_data(
        as_text=True
    )
    assert version_of(app, version_id)["published_at"] is None

    client.post(version_url(scheme_id, version_id, "/unit"), data={"code": "KS.01", "title": "Asesmen"})
    page = client.get(version_url(scheme_id, version_id)).get_data(as_text=True)
    assert 'data-testid="confirm-publish"' in page and "tidak dapat diubah lagi" in page
    response = client.post(version_url(scheme_id, version_id, "/terbitkan"))
    assert response.status_code == 302
    assert version_of(app, version_id)["published_at"] is not None
    assert audit_events(app, "scheme_version.published", version_id)
    detail = client.get(f"/sertifikasi/skema/{scheme_id}").get_data(as_text=True)
    assert 'data-testid="current"' in detail and "Diterbitkan" in detail
    listing = client.get("/sertifikasi/skema?status=terbit").get_data(as_text=True)
    assert f'data-scheme="{scheme_id}"' in listing


def test_a_version_without_methods_cannot_be_published(app, ctx):
    _scheme_id, version_id = draft_scheme(app, methods=())
    actor = db.session.get(User, create_user(app, Role.BOARD_ADMIN).id)
    version = db.session.get(SchemeVersion, version_id)
    with pytest.raises(CertificationError) as refused:
        services.publish_version(version, actor)
    assert str(refused.value.message) == "Pilih sekurang-kurangnya satu metode asesmen sebelum menerbitkan."


def test_a_published_version_is_frozen_even_against_crafted_posts(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme_id, version_id = create_scheme(app)
    before = version_of(app, version_id)
    with app.app_context():
        unit_id = db.session.get(SchemeVersion, version_id).units[0].id

    page = client.get(version_url(scheme_id, version_id)).get_data(as_text=True)
    assert 'data-testid="frozen"' in page and 'data-testid="version-form"' not in page

    response = client.post(version_url(scheme_id, version_id), data=scheme_form(name="Diubah diam-diam"))
    assert response.status_code == 422
    assert "sudah diterbitkan dan tidak dapat diubah" in response.get_data(as_text=True)
    response = client.post(version_url(scheme_id, version_id, "/unit"), data={"code": "X.1", "title": "Baru"})
    assert response.status_code == 422
    response = client.post(
        version_url(scheme_id, version_id, f"/unit/{unit_id}"), data={"code": "X", "title": "Y"}
    )
    assert response.status_code == 422
    for suffix, data in ((f"/unit/{unit_id}/hapus", {}), (f"/unit/{unit_id}/pindah", {"direction": "turun"})):
        response = client.post(version_url(scheme_id, version_id, suffix), data=data, follow_redirects=True)
        assert "sudah diterbitkan dan tidak dapat diubah" in response.get_data(as_text=True)
    response = client.post(version_url(scheme_id, version_id, "/terbitkan"), follow_redirects=True)
    assert "sudah diterbitkan dan tidak dapat diubah" in response.get_data(as_text=True)
    assert version_of(app, version_id) == before
    assert not audit_events(app, "scheme_version.updated", version_id)


def test_the_service_refuses_every_change_to_a_published_version(app, ctx):
    _scheme_id, version_id = create_scheme(app)
    actor = db.session.get(User, create_user(app, Role.BOARD_ADMIN).id)
    version = db.session.get(SchemeVersion, version_id)
    unit = version.units[0]
    data = services.VersionData(name="Lain", category_code="RELAWAN", methods=["written"])
    for attempt in (
        lambda: services.update_version(version, data, actor),
        lambda: services.add_unit(version, code="X.1", title="Baru", actor=actor),
        lambda: services.update_unit(unit, code="X.2", title="Baru", actor=actor),
        lambda: services.remove_unit(unit, actor),
        lambda: services.move_unit(unit, 1, actor),
        lambda: services.publish_version(version, actor),
    ):
        with pytest.raises(CertificationError, match="sudah diterbitkan"):
            attempt()


# --- New versions -------------------------------------------------------------------------------


def test_a_new_version_copies_the_current_one_and_leaves_it_and_its_candidacies_unchanged(
    app, client, logged_in
):
    logged_in(Role.BOARD_ADMIN)
    scheme_id, v1_id = create_scheme(app, min_training_jp=60, required_documents=["KTP"])
    session_id = create_exam_session(app, v1_id)
    candidacy_id = create_candidacy(app, session_id, v1_id, create_person(app))
    v1_before = version_of(app, v1_id)

    response = client.post(f"/sertifikasi/skema/{scheme_id}/versi-baru")
    assert response.status_code == 302
    with app.app_context():
        v2 = db.session.scalar(
            select(SchemeVersion).where(SchemeVersion.scheme_id == scheme_id, SchemeVersion.version == 2)
        )
        v2_id = v2.id
        assert not v2.published
        assert [(u.position, u.code, u.title) for u in v2.units] == [
            (u.position, u.code, u.title) for u in db.session.get(SchemeVersion, v1_id).units
        ]
        assert {u.id for u in v2.units}.isdisjoint({u.id for u in db.session.get(SchemeVersion, v1_id).units})
        assert (v2.min_training_jp, v2.required_documents) == (60, ["KTP"])
    assert response.headers["Location"].endswith(version_url(scheme_id, v2_id))
    assert audit_events(app, "scheme_version.created", v2_id)

    # A second draft is refused while one exists.
    response = client.post(f"/sertifikasi/skema/{scheme_id}/versi-baru", follow_redirects=True)
    assert "sudah memiliki versi draf (versi 2)" in response.get_data(as_text=True)

    client.post(
        version_url(scheme_id, v2_id), data=scheme_form(name="Skema Relawan Revisi", target="RELAWAN|")
    )
    client.post(version_url(scheme_id, v2_id, "/unit"), data={"code": "KS.09", "title": "Unit baru"})
    assert version_of(app, v2_id)["name"] == "Skema Relawan Revisi"
    assert version_of(app, v1_id) == v1_before  # the published version is untouched
    with app.app_context():
        assert db.session.get(Candidacy, candidacy_id).version_id == v1_id

    detail = client.get(f"/sertifikasi/skema/{scheme_id}").get_data(as_text=True)
    assert "Digunakan oleh 1 asesi" in detail and "Belum digunakan asesi" in detail

    assert client.post(version_url(scheme_id, v2_id, "/terbitkan")).status_code == 302
    with app.app_context():
        scheme = db.session.get(Scheme, scheme_id)
        assert scheme.current_version.id == v2_id
        assert db.session.get(Candidacy, candidacy_id).version_id == v1_id
    assert version_of(app, v1_id) == v1_before
    detail = client.get(f"/sertifikasi/skema/{scheme_id}").get_data(as_text=True)
    assert "Tidak berlaku lagi" in detail


def test_a_new_version_needs_a_published_one(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme_id, _version_id = draft_scheme(app)
    response = client.post(f"/sertifikasi/skema/{scheme_id}/versi-baru", follow_redirects=True)
    assert "sudah memiliki versi draf (versi 1)" in response.get_data(as_text=True)


# --- Retire ----------------------------------------------------------------------------------------


def test_a_retired_scheme_is_offered_no_more_and_no_longer_changes(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme_id, version_id = create_scheme(app)
    detail = client.get(f"/sertifikasi/skema/{scheme_id}").get_data(as_text=True)
    assert 'data-testid="confirm-retire"' in detail and "tidak dapat dibatalkan" in detail
    assert client.post(f"/sertifikasi/skema/{scheme_id}/pensiun").status_code == 302
    with app.app_context():
        assert db.session.get(Scheme, scheme_id).retired
        assert [s.id for s in services.schemes_of_body("LSPS")].count(scheme_id) == 0
    assert audit_events(app, "scheme.retired", scheme_id)
    detail = client.get(f"/sertifikasi/skema/{scheme_id}").get_data(as_text=True)
    assert 'data-testid="retired"' in detail and "confirm-retire" not in detail
    listing = client.get("/sertifikasi/skema?status=pensiun").get_data(as_text=True)
    assert f'data-scheme="{scheme_id}"' in listing
    response = client.post(f"/sertifikasi/skema/{scheme_id}/versi-baru", follow_redirects=True)
    assert "sudah dipensiunkan" in response.get_data(as_text=True)
    response = client.post(f"/sertifikasi/skema/{scheme_id}/pensiun", follow_redirects=True)
    assert "Skema ini sudah dipensiunkan." in response.get_data(as_text=True)


# --- Body scoping ----------------------------------------------------------------------------------


def test_another_bodys_admin_gets_404_and_the_attempt_is_audited(app, client, logged_in):
    scheme_id, version_id = create_scheme(app)  # an LSPS scheme
    logged_in(Role.BOARD_ADMIN, body_code="LSPENSOS")
    assert f'data-scheme="{scheme_id}"' not in client.get("/sertifikasi/skema").get_data(as_text=True)
    before = version_of(app, version_id)
    with app.app_context():
        unit_id = db.session.get(SchemeVersion, version_id).units[0].id
    attempts = [
        ("get", f"/sertifikasi/skema/{scheme_id}", {}),
        ("get", version_url(scheme_id, version_id), {}),
        ("post", version_url(scheme_id, version_id), scheme_form()),
        ("post", version_url(scheme_id, version_id, "/unit"), {"code": "X.1", "title": "Y"}),
        ("post", version_url(scheme_id, version_id, f"/unit/{unit_id}/hapus"), {}),
        ("post", f"/sertifikasi/skema/{scheme_id}/versi-baru", {}),
        ("post", f"/sertifikasi/skema/{scheme_id}/pensiun", {}),
    ]
    for method, url, data in attempts:
        response = getattr(client, method)(url, data=data) if method == "post" else client.get(url)
        assert response.status_code == 404, url
    assert len(audit_events(app, "scheme.access_denied", scheme_id)) == len(attempts)
    assert version_of(app, version_id) == before
    with app.app_context():
        assert not db.session.get(Scheme, scheme_id).retired

    # The service refuses too (a view that forgot its check would not let it through).
    with app.app_context():
        outsider = db.session.get(User, create_user(app, Role.BOARD_ADMIN, body_code="LSPENSOS").id)
        with pytest.raises(PermissionDenied):
            services.retire_scheme(db.session.get(Scheme, scheme_id), outsider)
        with pytest.raises(PermissionDenied):
            services.create_scheme(
                body_code="LSPS",
                code="CURI",
                data=services.VersionData(name="X", category_code="RELAWAN", methods=["written"]),
                actor=outsider,
            )


def test_a_ministry_admin_sees_and_manages_every_body(app, client, logged_in):
    lsps_id, _v = create_scheme(app)
    lspensos_id, _v = create_scheme(app, body="LSPENSOS", category="PENYULUH")
    logged_in(Role.MINISTRY_ADMIN)
    listing = client.get("/sertifikasi/skema").get_data(as_text=True)
    assert f'data-scheme="{lsps_id}"' in listing and f'data-scheme="{lspensos_id}"' in listing
    page = client.get("/sertifikasi/skema/baru").get_data(as_text=True)
    assert '<option value="LSPENSOS">' in page and '<option value="LSPS">' in page  # a body to choose
    assert client.get(f"/sertifikasi/skema/{lspensos_id}").status_code == 200


def test_a_scheme_unit_of_another_version_is_not_found(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme_id, version_id = draft_scheme(app)
    _other_scheme, other_version = draft_scheme(app)
    with app.app_context():
        foreign_unit = db.session.scalars(
            select(SchemeUnit).where(SchemeUnit.version_id == other_version)
        ).first()
        foreign_id = foreign_unit.id
    assert client.get(version_url(scheme_id, version_id, f"/unit/{foreign_id}")).status_code == 404
    assert client.get(version_url(scheme_id, other_version)).status_code == 404


def test_the_menu_offers_schemes_and_assessors_to_board_admins_only(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    html = client.get("/dasbor").get_data(as_text=True)
    assert "Skema sertifikasi" in html and 'href="/sertifikasi/asesor"' in html
    other = app.test_client()
    from tests.factories import login

    login(other, create_user(app, Role.APPLICANT))
    html = other.get("/dasbor").get_data(as_text=True)
    assert "Skema sertifikasi" not in html
    assert other.get("/sertifikasi/skema").status_code == 403


def count_queries(app, client, url: str) -> int:
    statements = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_the_list_reads_a_page_in_a_fixed_number_of_queries(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    create_scheme(app, category="PEKSOS", subtype="GENERALIS")
    few = count_queries(app, client, "/sertifikasi/skema")
    for _ in range(5):
        create_scheme(app, category="PEKSOS", subtype="GENERALIS")
        create_scheme(app, category="RELAWAN", published=False)
    assert count_queries(app, client, "/sertifikasi/skema") == few


# --- Renewal (resertifikasi) rules of a version ----------------------------------------------------


def _rule(page: str) -> str:
    found = re.search(r'data-testid="renewal-rule">(.*?)</(?:dd|p)>', page, re.S)
    assert found, "no renewal rule on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_board_sets_renewal_by_portfolio_and_its_jp_and_pages_say_so(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    page = client.get("/sertifikasi/skema/baru").get_data(as_text=True)
    assert 'name="renewal_jp_per_year"' in page and 'name="renewal_by_portfolio"' in page
    form = scheme_form(renewal_jp_per_year="30", renewal_by_portfolio="y")
    assert client.post("/sertifikasi/skema/baru", data=form).status_code == 302
    with app.app_context():
        scheme = db.session.scalar(select(Scheme).where(Scheme.code == "PS-GEN"))
        scheme_id, version = scheme.id, scheme.versions[0]
        version_id = version.id
        assert (version.renewal_jp_per_year, version.renewal_by_portfolio) == (30, True)
    [created] = audit_events(app, "scheme.created", scheme_id)
    assert created.after["version"]["renewal_by_portfolio"] is True
    rule = _rule(client.get(f"/sertifikasi/skema/{scheme_id}").get_data(as_text=True))
    assert "sekurang-kurangnya 30 JP per tahun masa berlaku (150 JP selama 5 tahun)" in rule
    assert "Dinilai dari portofolio saja, tanpa uji" in rule and "6 bulan terakhir" in rule

    # Editing the draft: the JP left empty takes the general rule, the box unticked means an exam.
    response = client.post(
        version_url(scheme_id, version_id),
        data=scheme_form(renewal_jp_per_year="", renewal_by_portfolio=None),
    )
    assert response.status_code == 302
    with app.app_context():
        version = db.session.get(SchemeVersion, version_id)
        assert (version.renewal_jp_per_year, version.renewal_by_portfolio) == (None, False)
    rule = _rule(client.get(f"/sertifikasi/skema/{scheme_id}").get_data(as_text=True))
    default = app.config["CERTIFICATE_RENEWAL_JP_PER_YEAR"]
    assert f"sekurang-kurangnya {default} JP per tahun" in rule and "Melalui uji kompetensi ulang." in rule


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "Isi JP pelatihan per tahun dengan bilangan bulat 0 sampai 500"),
        ("501", "Isi JP pelatihan per tahun dengan bilangan bulat 0 sampai 500"),
        ("dua puluh", "Isi dengan bilangan bulat, misalnya 40."),
        ("2.5", "Isi dengan bilangan bulat, misalnya 40."),
    ],
)
def test_bad_renewal_jp_is_refused_and_keeps_what_was_typed(app, client, logged_in, value, message):
    logged_in(Role.BOARD_ADMIN)
    response = client.post(
        "/sertifikasi/skema/baru",
        data=scheme_form(renewal_jp_per_year=value, renewal_by_portfolio="y"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert 'data-testid="error-summary"' in page
    assert re.search(r'<input checked [^>]*name="renewal_by_portfolio"', page)  # kept as typed
    with app.app_context():
        assert db.session.scalar(select(Scheme).where(Scheme.code == "PS-GEN")) is None


def test_a_published_version_keeps_its_renewal_rule_and_a_new_version_copies_it(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme_id, v1_id = create_scheme(app, renewal_jp_per_year=12, renewal_by_portfolio=True)
    crafted = client.post(
        version_url(scheme_id, v1_id), data=scheme_form(renewal_jp_per_year="0", renewal_by_portfolio=None)
    )
    assert crafted.status_code == 422
    assert "sudah diterbitkan dan tidak dapat diubah" in crafted.get_data(as_text=True)
    with app.app_context():
        v1 = db.session.get(SchemeVersion, v1_id)
        assert (v1.renewal_jp_per_year, v1.renewal_by_portfolio) == (12, True)
    assert client.post(f"/sertifikasi/skema/{scheme_id}/versi-baru").status_code == 302
    with app.app_context():
        v2 = db.session.scalar(
            select(SchemeVersion).where(SchemeVersion.scheme_id == scheme_id, SchemeVersion.version == 2)
        )
        assert (v2.renewal_jp_per_year, v2.renewal_by_portfolio) == (12, True)


def test_the_public_session_page_says_how_certificates_are_renewed(app, client):
    _scheme_id, portfolio_id = create_scheme(app, renewal_by_portfolio=True, renewal_jp_per_year=10)
    _scheme_id, exam_id = create_scheme(app, validity_years=3)
    session_id = create_exam_session(app, [portfolio_id, exam_id])
    page = client.get(f"/uji-kompetensi/{session_id}").get_data(as_text=True)
    rules = {
        version: _rule(page[page.index(f'data-version="{version}"') :]) for version in (portfolio_id, exam_id)
    }
    assert "10 JP per tahun masa berlaku (50 JP selama 5 tahun)" in rules[portfolio_id]
    assert "Dinilai dari portofolio saja, tanpa uji dan tanpa hadir di tempat uji." in rules[portfolio_id]
    default = app.config["CERTIFICATE_RENEWAL_JP_PER_YEAR"]
    assert f"{default} JP per tahun masa berlaku ({default * 3} JP selama 3 tahun)" in rules[exam_id]
    assert "Melalui uji kompetensi ulang." in rules[exam_id]
