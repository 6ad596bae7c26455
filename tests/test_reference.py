"""Reference data: the Kemendagri region codes (import, idempotent re-import, the JSON picker endpoint)
and the catalogues of the domain brief (categories and their options, education, religion, bodies).

The session fixture already imported the regions and seeded the catalogues."""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.core.roles import Role
from app.extensions import db
from app.reference.catalogues import (
    PEKSOS,
    PEKSOS_LEVEL,
    PEKSOS_SPECIALISATION,
    PENDAMPING_KIND,
    RELAWAN,
    RELAWAN_KIND,
    RELAWAN_REGISTRATION_LEVEL,
    TKS,
    seed_catalogues,
)
from app.reference.models import (
    DISTRICT,
    PROVINCE,
    REGENCY,
    VILLAGE,
    Category,
    CategoryOption,
    CertificationBody,
    EducationLevel,
    Region,
    Religion,
)
from app.reference.regions import import_regions, region_counts, region_path


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- Regions --------------------------------------------------------------------------------------


def test_region_counts(ctx):
    counts = region_counts()
    assert counts[PROVINCE] == 38
    assert counts[REGENCY] == 514
    assert counts[DISTRICT] > 7000
    assert counts[VILLAGE] > 83000
    assert db.session.get(Region, "32").name == "JAWA BARAT"
    bandung = db.session.get(Region, "32.04")
    assert (bandung.name, bandung.level, bandung.parent_code) == ("KABUPATEN BANDUNG", REGENCY, "32")
    village = db.session.get(Region, "32.04.12.2002")
    assert village.level == VILLAGE and village.parent_code == "32.04.12"


def test_every_region_sits_under_a_parent_one_level_up(ctx):
    parent = Region.__table__.alias("parent")
    orphans = db.session.scalar(
        select(func.count())
        .select_from(Region)
        .outerjoin(parent, parent.c.code == Region.parent_code)
        .where(Region.level > PROVINCE, (parent.c.code.is_(None)) | (parent.c.level != Region.level - 1))
    )
    assert orphans == 0
    assert count(Region, Region.level == PROVINCE, Region.parent_code.is_not(None)) == 0


def test_reimport_is_idempotent_and_restores_changed_names(ctx):
    total = count(Region)
    db.session.execute(text("UPDATE regions SET name = 'NAMA LAMA' WHERE code = '32.04'"))
    counts = import_regions()
    assert count(Region) == total  # no new rows
    assert sum(counts.values()) == total
    assert db.session.get(Region, "32.04").name == "KABUPATEN BANDUNG"


def test_region_path(ctx):
    assert [r.code for r in region_path("32.04.12.2002")] == ["32", "32.04", "32.04.12", "32.04.12.2002"]
    assert region_path(None) == []


def test_regions_import_cli(app):
    result = app.test_cli_runner().invoke(args=["regions", "import"])
    assert result.exit_code == 0, result.output
    assert "province: 38" in result.output
    assert "regency: 514" in result.output
    with app.app_context():
        assert region_counts()[REGENCY] == 514


def test_children_endpoint_gives_provinces_then_one_level(client, logged_in):
    logged_in(Role.APPLICANT)
    response = client.get("/wilayah/anak/")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.cache_control.private and response.cache_control.max_age == 3600
    provinces = response.get_json()
    assert len(provinces) == 38
    assert all("." not in p["code"] for p in provinces)
    assert {"code": "32", "name": "Jawa Barat"} in provinces
    assert provinces[0]["name"] == "Aceh"  # ordered by name

    regencies = client.get("/wilayah/anak/32").get_json()
    assert {"code": "32.04", "name": "Kabupaten Bandung"} in regencies
    assert len(regencies) == 27  # 18 kabupaten and 9 kota in Jawa Barat
    assert all(r["code"].startswith("32.") and r["code"].count(".") == 1 for r in regencies)


def test_children_endpoint_never_sends_all_villages(client, logged_in):
    logged_in(Role.AGENCY_OFFICER)
    villages = client.get("/wilayah/anak/32.04.12").get_json()
    assert 0 < len(villages) < 100
    assert all(v["code"].startswith("32.04.12.") for v in villages)
    assert client.get("/wilayah/anak/99.99").get_json() == []
    # The root lists provinces only, whatever the query string asks for.
    assert len(client.get("/wilayah/anak/?level=4").get_json()) == 38


def test_children_endpoint_needs_a_signed_in_user(client):
    for url in ("/wilayah/anak/", "/wilayah/anak/32"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/akun/masuk")


# --- Catalogues -----------------------------------------------------------------------------------


def options(category: str, group: str) -> list[CategoryOption]:
    stmt = (
        select(CategoryOption)
        .where(CategoryOption.category_code == category, CategoryOption.group == group)
        .order_by(CategoryOption.sort_order)
    )
    return list(db.session.scalars(stmt))


def test_catalogues_are_seeded(ctx):
    assert {c.code for c in db.session.scalars(select(Category))} == {"TKS", "PEKSOS", "RELAWAN", "PENYULUH"}
    assert len(options(TKS, PENDAMPING_KIND)) == 13
    assert [o.name for o in options(PEKSOS, PEKSOS_LEVEL)] == [
        "Asisten Pekerja Sosial",
        "Pekerja Sosial Generalis",
        "Pekerja Sosial Spesialis",
    ]
    assert len(options(PEKSOS, PEKSOS_SPECIALISATION)) == 10
    assert len(options(RELAWAN, RELAWAN_KIND)) == 13
    assert len(options(RELAWAN, RELAWAN_REGISTRATION_LEVEL)) == 3
    assert count(EducationLevel) == 11
    assert count(Religion) == 7
    assert {b.code for b in db.session.scalars(select(CertificationBody))} == {"LSPS", "LSPENSOS"}


def test_catalogue_names_follow_the_domain_brief(ctx):
    pendamping = {o.name for o in options(TKS, PENDAMPING_KIND)}
    assert "Pendamping Sosial Program Keluarga Harapan (PKH)" in pendamping
    assert "Pendamping Sosial Komunitas Adat Terpencil (KAT)" in pendamping
    relawan = {o.code: o.name for o in options(RELAWAN, RELAWAN_KIND)}
    assert relawan["TAGANA"] == "Taruna Siaga Bencana (Tagana)"
    assert relawan["TKSK"] == "Tenaga Kesejahteraan Sosial Kecamatan (TKSK)"
    education = [
        e.code for e in db.session.scalars(select(EducationLevel).order_by(EducationLevel.sort_order))
    ]
    assert education == ["SD", "SMP", "SMA/SMK", "D1", "D2", "D3", "D4", "S1", "S2", "S3", "Profesi"]
    assert db.session.get(Religion, "KEPERCAYAAN").name == "Kepercayaan terhadap Tuhan YME"
    assert db.session.get(CertificationBody, "LSPENSOS").category_codes == "PENYULUH"


def test_seeding_again_changes_nothing_and_repairs_edits(ctx):
    total = count(CategoryOption)
    assert set(seed_catalogues().values()) == {0}
    assert count(CategoryOption) == total
    db.session.get(Religion, "HINDU").name = "Diubah"
    db.session.flush()
    assert seed_catalogues()["religions"] == 1
    assert db.session.get(Religion, "HINDU").name == "Hindu"


def test_reference_seed_cli(app):
    result = app.test_cli_runner().invoke(args=["reference", "seed"])
    assert result.exit_code == 0, result.output
    assert "category_options: 0 changed" in result.output
