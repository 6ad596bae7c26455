"""What each category asks for: its option groups, how the subtype is formed, and its documents.

The subtype is what "the same category and subtype" means for the one-open-registration rule:
TKS — ASN, or the Pendamping Sosial kind; Pekerja Sosial — the level (and specialisation);
Relawan Sosial — the kind; Penyuluh Sosial — ASN or mandiri.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.documents.models import Purpose
from app.reference.catalogues import (
    PEKSOS,
    PEKSOS_LEVEL,
    PEKSOS_SPECIALISATION,
    PENDAMPING_KIND,
    PENYULUH,
    PENYULUH_MODE,
    RELAWAN,
    RELAWAN_KIND,
    RELAWAN_REGISTRATION_LEVEL,
    TKS,
    TKS_ORIGIN,
)

# Document kinds a registration asks for: document purposes (their codes are what the forms post).
KTP, PHOTO, DIPLOMA, ASSIGNMENT_LETTER = (
    Purpose.KTP,
    Purpose.PHOTO,
    Purpose.DIPLOMA,
    Purpose.ASSIGNMENT_LETTER,
)
DOCUMENT_LABELS = {
    KTP: _l("Pindaian KTP"),
    PHOTO: _l("Pas foto"),
    DIPLOMA: _l("Ijazah terakhir"),
    ASSIGNMENT_LETTER: _l("Surat keputusan/surat tugas (SK)"),
}
# One line per category for the chooser: who it is for, in the reader's language.
CATEGORY_DESCRIPTIONS = {
    TKS: _l(
        "Untuk petugas pelayanan sosial di instansi pemerintah (ASN) atau Pendamping Sosial dari "
        "masyarakat, misalnya pendamping PKH atau KUBE."
    ),
    PEKSOS: _l(
        "Untuk pekerja sosial profesional berbekal pendidikan, pelatihan, atau pengalaman "
        "pekerjaan sosial: Asisten, Generalis, atau Spesialis."
    ),
    RELAWAN: _l(
        "Untuk relawan di luar instansi sosial pemerintah, misalnya PSM, Karang Taruna, Tagana, atau TKSK."
    ),
    PENYULUH: _l(
        "Untuk penyuluh sosial yang memberikan informasi, motivasi, dan edukasi kepada "
        "masyarakat, sebagai ASN atau mandiri."
    ),
}
GROUP_LABELS = {
    TKS_ORIGIN: _l("Asal"),
    PENDAMPING_KIND: _l("Jenis Pendamping Sosial"),
    PEKSOS_LEVEL: _l("Jenjang"),
    PEKSOS_SPECIALISATION: _l("Bidang spesialisasi"),
    RELAWAN_KIND: _l("Jenis Relawan Sosial"),
    RELAWAN_REGISTRATION_LEVEL: _l("Terdata di"),
    PENYULUH_MODE: _l("Status penugasan"),
}


@dataclass(frozen=True)
class CategorySpec:
    code: str
    groups: tuple[str, ...]  # option groups the form shows, in order
    subtype_groups: tuple[str, ...]  # the groups whose choices form the subtype
    base_documents: tuple[str, ...] = (KTP, PHOTO, DIPLOMA)
    conditional: dict = field(default_factory=dict)  # group -> {code: [group needed when chosen]}
    hint: object = None  # help text under the option groups (lazy string)

    def required_groups(self, options: dict[str, str]) -> list[str]:
        """Groups that must be filled, given what is chosen so far."""
        needed = []
        for group in self.groups:
            if self._is_needed(group, options):
                needed.append(group)
        return needed

    def _is_needed(self, group: str, options: dict[str, str]) -> bool:
        for parent, rules in self.conditional.items():
            for value, children in rules.items():
                if group in children:
                    return options.get(parent) == value
        return True

    def subtype(self, options: dict[str, str]) -> str | None:
        """E.g. "MASYARAKAT:PKH", "SPESIALIS:MEDIS", "KARANG_TARUNA"; None while not yet chosen."""
        needed = [g for g in self.subtype_groups if self._is_needed(g, options)]
        if not all(options.get(g) for g in needed):
            return None
        return ":".join(options[g] for g in needed)

    def required_documents(self, options: dict[str, str]) -> list[str]:
        documents = list(self.base_documents)
        needs_letter = self.code == TKS or (self.code == PENYULUH and options.get(PENYULUH_MODE) == "ASN")
        if needs_letter:
            documents.append(ASSIGNMENT_LETTER)
        return documents

    def optional_documents(self, options: dict[str, str]) -> list[str]:
        required = self.required_documents(options)
        return [d for d in (ASSIGNMENT_LETTER,) if d not in required]


SPECS = {
    TKS: CategorySpec(
        TKS,
        groups=(TKS_ORIGIN, PENDAMPING_KIND),
        subtype_groups=(TKS_ORIGIN, PENDAMPING_KIND),
        conditional={TKS_ORIGIN: {"MASYARAKAT": [PENDAMPING_KIND]}},
        hint=_l("Jenis Pendamping Sosial wajib diisi jika asal: Masyarakat."),
    ),
    PEKSOS: CategorySpec(
        PEKSOS,
        groups=(PEKSOS_LEVEL, PEKSOS_SPECIALISATION),
        subtype_groups=(PEKSOS_LEVEL, PEKSOS_SPECIALISATION),
        conditional={PEKSOS_LEVEL: {"SPESIALIS": [PEKSOS_SPECIALISATION]}},
        hint=_l("Bidang spesialisasi wajib diisi jika jenjang: Spesialis."),
    ),
    RELAWAN: CategorySpec(
        RELAWAN, groups=(RELAWAN_KIND, RELAWAN_REGISTRATION_LEVEL), subtype_groups=(RELAWAN_KIND,)
    ),
    PENYULUH: CategorySpec(PENYULUH, groups=(PENYULUH_MODE,), subtype_groups=(PENYULUH_MODE,)),
}
