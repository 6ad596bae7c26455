"""The catalogues of domain brief §3, §4 and §6 as data, and an idempotent seeder.

Codes are stable identifiers stored by other tables; change a name here and re-run
`flask reference seed`, never a code.
"""

from __future__ import annotations

from sqlalchemy import select

from app.core.numbering import seed_default_patterns
from app.extensions import db
from app.reference.models import (
    Category,
    CategoryOption,
    CertificationBody,
    EducationLevel,
    ProviderKind,
    Religion,
    TrainingProvider,
)

TKS, PEKSOS, RELAWAN, PENYULUH = "TKS", "PEKSOS", "RELAWAN", "PENYULUH"

CATEGORIES = [
    (TKS, "Tenaga Kesejahteraan Sosial", "Social Welfare Worker"),
    (PEKSOS, "Pekerja Sosial", "Social Worker"),
    (RELAWAN, "Relawan Sosial", "Social Volunteer"),
    (PENYULUH, "Penyuluh Sosial", "Social Extension Worker"),
]

# Option groups per category: (category, group, [(code, name, name_en), ...])
TKS_ORIGIN = "origin"
PENDAMPING_KIND = "pendamping_kind"
PEKSOS_LEVEL = "level"
PEKSOS_SPECIALISATION = "specialisation"
RELAWAN_KIND = "relawan_kind"
RELAWAN_REGISTRATION_LEVEL = "registration_level"
PENYULUH_MODE = "mode"

OPTIONS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        TKS,
        TKS_ORIGIN,
        [
            ("ASN", "Aparatur Sipil Negara (PNS/PPPK)", "Civil servant (PNS/PPPK)"),
            ("MASYARAKAT", "Masyarakat (Pendamping Sosial)", "Community (Social Companion)"),
        ],
    ),
    (
        TKS,
        PENDAMPING_KIND,
        [
            ("KUBE", "Pendamping Sosial Kelompok Usaha Bersama (KUBE)", "Joint Business Group"),
            ("PKH", "Pendamping Sosial Program Keluarga Harapan (PKH)", "Family Hope Programme"),
            ("LANSIA", "Pendamping Sosial Asistensi Lanjut Usia", "Elderly Assistance"),
            ("ANAK", "Pendamping Sosial Anak", "Children"),
            ("ODHA", "Pendamping Sosial Orang dengan HIV-AIDS", "People living with HIV-AIDS"),
            ("KPO", "Pendamping Sosial Korban Perdagangan Orang", "Victims of Trafficking"),
            ("DISABILITAS_BERAT", "Pendamping Sosial Disabilitas Berat", "Severe Disability"),
            ("NAPZA", "Pendamping Sosial NAPZA", "Drug Abuse (NAPZA)"),
            (
                "KAT",
                "Pendamping Sosial Komunitas Adat Terpencil (KAT)",
                "Remote Indigenous Communities",
            ),
            ("EKS_NAPI", "Pendamping Sosial Eks Narapidana", "Former Prisoners"),
            ("EKS_WTS", "Pendamping Sosial Eks Wanita Tuna Susila", "Former Sex Workers"),
            (
                "RUTILAHU",
                "Pendamping Sosial Sarana dan Prasarana Lingkungan dan Rumah Tidak Layak Huni",
                "Environmental Facilities and Unfit Housing",
            ),
            ("UEP", "Pendamping Sosial Usaha Ekonomi Produktif", "Productive Economic Enterprise"),
        ],
    ),
    (
        PEKSOS,
        PEKSOS_LEVEL,
        [
            ("ASISTEN", "Asisten Pekerja Sosial", "Assistant Social Worker"),
            ("GENERALIS", "Pekerja Sosial Generalis", "Generalist Social Worker"),
            ("SPESIALIS", "Pekerja Sosial Spesialis", "Specialist Social Worker"),
        ],
    ),
    (
        PEKSOS,
        PEKSOS_SPECIALISATION,
        [
            ("KEBENCANAAN", "Kebencanaan", "Disaster"),
            ("DISABILITAS", "Disabilitas", "Disability"),
            ("NAPZA", "Narkotika, Psikotropika dan Zat Adiktif (NAPZA)", "Narcotics and Drugs"),
            ("LANSIA", "Lanjut Usia", "Elderly"),
            ("ODHA", "Orang dengan HIV-AIDS", "People living with HIV-AIDS"),
            ("KEMISKINAN", "Kemiskinan", "Poverty"),
            ("KPO", "Korban Perdagangan Orang", "Victims of Trafficking"),
            ("KTK", "Korban Tindak Kekerasan", "Victims of Violence"),
            ("TUNA_SOSIAL", "Tuna Sosial", "Social Deviance"),
            ("MEDIS", "Medis", "Medical"),
        ],
    ),
    (
        RELAWAN,
        RELAWAN_KIND,
        [
            ("PSM", "Pekerja Sosial Masyarakat (PSM)", "Community Social Worker"),
            ("KARANG_TARUNA", "Karang Taruna", "Karang Taruna (youth organisation)"),
            ("PELOPOR_PERDAMAIAN", "Tenaga Pelopor Perdamaian", "Peace Pioneer"),
            ("TAGANA", "Taruna Siaga Bencana (Tagana)", "Disaster Preparedness Youth"),
            (
                "TKSK",
                "Tenaga Kesejahteraan Sosial Kecamatan (TKSK)",
                "District Social Welfare Worker",
            ),
            (
                "WKSBM",
                "Wahana Kesejahteraan Sosial Berbasis Masyarakat (WKSBM)",
                "Community-based Social Welfare Network",
            ),
            ("WPKS", "Wanita Pemimpin Kesejahteraan Sosial", "Women Social Welfare Leader"),
            (
                "KADER_RBM",
                "Kader Rehabilitasi Berbasis Masyarakat",
                "Community-based Rehabilitation",
            ),
            ("KADER_RBK", "Kader Rehabilitasi Berbasis Keluarga", "Family-based Rehabilitation"),
            ("PENYULUH_MASYARAKAT", "Penyuluh Sosial Masyarakat", "Community Social Extension"),
            (
                "LK3",
                "Lembaga Konsultasi Kesejahteraan Keluarga (LK3)",
                "Family Welfare Consultation",
            ),
            ("LPK", "Lembaga Peduli Keluarga", "Family Care Institution"),
            ("LKS", "Lembaga Kesejahteraan Sosial (LKS)", "Social Welfare Institution"),
        ],
    ),
    (
        RELAWAN,
        RELAWAN_REGISTRATION_LEVEL,
        [
            ("KEMENSOS", "Kementerian Sosial", "Ministry of Social Affairs"),
            ("PROVINSI", "Dinas Sosial Provinsi", "Provincial Social Agency"),
            ("KABKOTA", "Dinas Sosial Kabupaten/Kota", "Regency/City Social Agency"),
        ],
    ),
    (
        PENYULUH,
        PENYULUH_MODE,
        [
            ("ASN", "ASN yang ditugaskan", "Civil servant on assignment"),
            ("MANDIRI", "Mandiri", "Independent"),
        ],
    ),
]

EDUCATION_LEVELS = ["SD", "SMP", "SMA/SMK", "D1", "D2", "D3", "D4", "S1", "S2", "S3", "Profesi"]

RELIGIONS = [
    ("ISLAM", "Islam"),
    ("KRISTEN", "Kristen"),
    ("KATOLIK", "Katolik"),
    ("HINDU", "Hindu"),
    ("BUDDHA", "Buddha"),
    ("KONGHUCU", "Konghucu"),
    ("KEPERCAYAAN", "Kepercayaan terhadap Tuhan YME"),
]

CERTIFICATION_BODIES = [
    (
        "LSPS",
        "Lembaga Sertifikasi Pekerjaan Sosial",
        "Social Work Certification Body",
        f"{PEKSOS},{TKS},{RELAWAN}",
    ),
    (
        "LSPENSOS",
        "Lembaga Sertifikasi Penyuluh Sosial",
        "Social Extension Certification Body",
        PENYULUH,
    ),
]


# Training providers (penyelenggara diklat): code, name, kind, region (the regency of the campus).
BBPPKS = "Balai Besar Pendidikan dan Pelatihan Kesejahteraan Sosial (BBPPKS)"
TRAINING_PROVIDERS = [
    ("BBPPKS-PADANG", f"{BBPPKS} Padang", ProviderKind.BBPPKS, "13.71"),  # Kota Padang
    ("BBPPKS-JAKARTA", f"{BBPPKS} Jakarta", ProviderKind.BBPPKS, "31.74"),  # Kota Jakarta Selatan
    ("BBPPKS-BANDUNG", f"{BBPPKS} Bandung (Lembang)", ProviderKind.BBPPKS, "32.17"),  # Kab. Bandung Barat
    ("BBPPKS-YOGYAKARTA", f"{BBPPKS} Yogyakarta", ProviderKind.BBPPKS, "34.02"),  # Kab. Bantul
    ("BBPPKS-BANJARMASIN", f"{BBPPKS} Banjarmasin", ProviderKind.BBPPKS, "63.71"),  # Kota Banjarmasin
    ("BBPPKS-MAKASSAR", f"{BBPPKS} Makassar", ProviderKind.BBPPKS, "73.71"),  # Kota Makassar
    (
        "POLTEKESOS-BANDUNG",
        "Politeknik Kesejahteraan Sosial (Poltekesos) Bandung",
        ProviderKind.POLTEKESOS,
        "32.73",  # Kota Bandung
    ),
]


def _upsert(model, key: dict, values: dict) -> bool:
    """Insert or update one row; True when something changed."""
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        db.session.add(model(**key, **values))
        return True
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def seed_catalogues() -> dict[str, int]:
    """Bring every catalogue table in line with this module; returns rows changed per table."""
    changed = {"categories": 0, "category_options": 0, "education_levels": 0, "religions": 0}
    changed["certification_bodies"] = 0
    for order, (code, name, name_en) in enumerate(CATEGORIES):
        changed["categories"] += _upsert(
            Category, {"code": code}, {"name": name, "name_en": name_en, "sort_order": order}
        )
    db.session.flush()
    for category, group, options in OPTIONS:
        for order, (code, name, name_en) in enumerate(options):
            changed["category_options"] += _upsert(
                CategoryOption,
                {"category_code": category, "group": group, "code": code},
                {"name": name, "name_en": name_en, "sort_order": order},
            )
    for order, code in enumerate(EDUCATION_LEVELS):
        changed["education_levels"] += _upsert(
            EducationLevel, {"code": code}, {"name": code, "sort_order": order}
        )
    for order, (code, name) in enumerate(RELIGIONS):
        changed["religions"] += _upsert(Religion, {"code": code}, {"name": name, "sort_order": order})
    for code, name, name_en, categories in CERTIFICATION_BODIES:
        changed["certification_bodies"] += _upsert(
            CertificationBody,
            {"code": code},
            {"name": name, "name_en": name_en, "category_codes": categories},
        )
    changed["training_providers"] = 0
    for code, name, kind, region in TRAINING_PROVIDERS:
        changed["training_providers"] += _upsert(
            TrainingProvider, {"code": code}, {"name": name, "kind": kind, "region_code": region}
        )
    changed["number_patterns"] = seed_default_patterns()
    return changed
