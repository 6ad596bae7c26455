"""The Indonesian wording follows the rules in the README ("Glossary / Glosarium" → "Wording rules"):
no chatty words, KBBI spelling, and one term per concept. Every Indonesian msgid the code and templates
mark for translation (extracted afresh, as `make translations-update` does) and the literal text of every
template is checked against a short deny-list; each entry names what to write instead."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent

# (pattern, what to write instead). Patterns are case-insensitive unless they say otherwise; they are
# matched after placeholders such as %(email)s and {seq} are removed.
DENY = [
    (r"\bsilahkan\b", "silakan"),
    (r"\bpraktek\b", "praktik"),
    (r"\bnomer\b", "nomor"),
    (r"\bantri(an)?\b", "antre / antrean"),
    (r"\b(kadaluarsa|kadaluwarsa|kedaluarsa)\b", "kedaluwarsa"),
    (r"\bdulu\b", "terlebih dahulu, or nothing"),
    (r"\bkami kabari\b", "kami beri tahu / akan dikirim ke surel Anda"),
    (r"\bjuga boleh\b", "dapat juga / tidak wajib"),
    (r"\b(yuk|nih|kok|gimana|aja|nggak|gak|enggak|banget)\b", "formal wording"),
    (r",\s*ya\b|\bya\s*[.!?]\s*$", "no 'ya' as a tag (a leading 'Ya, …' answer is fine)"),
    (r"\b(kamu|kau)\b", "Anda"),
    (r"(?-i:\banda\b)", "Anda, with a capital A"),
    (r"\bpunya\b", "memiliki"),
    (r"\blewat\b", "melalui"),
    (r"\bbila\b", "jika"),
    (r"\bhalo\b", "Yth. <nama>, in e-mails"),
    (r"\be-?mail\b", "surel / alamat surel"),
    (r"\bpassword\b", "kata sandi"),
    (r"\b(log-?in|log-?out|sign-?in|sign-?up)\b", "masuk / keluar / membuat akun"),
    (r"\b(upload|download|preview)\b", "unggah / unduh / pratinjau"),
    (r"\bcek\b", "periksa"),
    (r"\binput\b", "isian / pendaftaran langsung"),
    (r"\boperator\b", "petugas"),
    (r"\bdinsos\b", "Dinas Sosial"),
    (r"\b(nomor ponsel|seluler)\b", "nomor HP"),
    (r"\btanda terima\b", "tanda bukti pendaftaran"),
    (r"\bdata orang\b", "data diri"),
    (r"(?<!nomor )\bregistrasi\b", "pendaftaran (only 'nomor registrasi' keeps the word)"),
]
_COMPILED = [(re.compile(pattern, re.IGNORECASE), instead) for pattern, instead in DENY]
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{[^{}]*\}")


def problems(text: str) -> list[str]:
    """The deny-list entries `text` breaks, as 'found → instead' lines."""
    bare = _PLACEHOLDER.sub(" ", text)
    found = []
    for pattern, instead in _COMPILED:
        match = pattern.search(bare)
        if match:
            found.append(f"{match.group(0)!r} → {instead}")
    return found


def extracted_msgids(tmp_path) -> dict[str, list[str]]:
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).with_name("pybabel"),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            template,
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with template.open("rb") as handle:
        catalog = read_po(handle)
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): sorted({path for path, _ in m.locations})
        for m in catalog
        if m.id
    }


_TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<script.*?</script>|<style.*?</style>", re.S)
_TEMPLATE_ATTRIBUTE = re.compile(r'\b(?:placeholder|title|alt|aria-label)="([^"{]*)"')


def template_text(source: str) -> str:
    """The literal text a template shows outside its Jinja code: element text and the visible attributes
    (the strings inside _() are checked through the catalogue)."""
    attributes = " ".join(_TEMPLATE_ATTRIBUTE.findall(source))
    text = re.sub(r"<[^>]+>", "\n", _TEMPLATE_CODE.sub("", source))
    return text + "\n" + attributes


def test_no_indonesian_msgid_breaks_the_wording_rules(tmp_path):
    broken = [
        f"{msgid!r} ({', '.join(paths[:2])}): {'; '.join(found)}"
        for msgid, paths in extracted_msgids(tmp_path).items()
        if (found := problems(msgid))
    ]
    assert broken == [], "wording rules (README, Glossary / Glosarium):\n" + "\n".join(broken)


def test_no_template_text_breaks_the_wording_rules():
    broken = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        for line in template_text(path.read_text(encoding="utf-8")).splitlines():
            if found := problems(line):
                broken.append(f"{path.relative_to(ROOT)}: {line.strip()!r}: {'; '.join(found)}")
    assert broken == [], "wording rules (README, Glossary / Glosarium):\n" + "\n".join(broken)


# The deny-list catches the wording this review replaced, and leaves the legitimate uses alone.
@pytest.mark.parametrize(
    "old",
    [
        "Silahkan masuk.",
        "Izin praktek",
        "Nomer HP",
        "Lengkapi profil dulu.",
        "Hasilnya kami kabari lewat e-mail.",
        "Foto juga boleh.",
        "Halo %(name)s,",
        "E-mail atau kata sandi salah.",
        "Kirim ulang e-mail verifikasi",
        "Lupa password?",
        "Upload berkas",
        "Cek NIK",
        "Input pendaftaran langsung",
        "Belum punya akun?",
        "Kosongkan bila masih bekerja di sana.",
        "Pemohon diberi tahu lewat e-mail.",
        "Periksa tanda terima Anda.",
        "Nomor seluler, contoh: 0812-3456-7890",
        "Data orang disimpan.",
        "Udah dikirim ya.",
        "Silakan cek email kamu",
        "Masukkan NIK anda.",
        "Nomor antrian",
        "Tautan sudah kadaluarsa.",
    ],
)
def test_the_deny_list_catches_the_old_wording(old):
    assert problems(old), old


@pytest.mark.parametrize(
    "fine",
    [
        "Yth. %(name)s,",
        "Ya, cabut peran",
        "Ya, hubungkan ke akun saya",
        "Silakan lengkapi profil Anda terlebih dahulu.",
        "Kami telah mengirimkan surel ke %(email)s.",
        "Akun %(email)s diaktifkan.",
        "Nomor registrasi: %(number)s",
        "Kata sandi tidak boleh sama dengan alamat surel atau nama Anda.",
        "Antrean verifikasi",
        "Tautan ini sudah kedaluwarsa.",
        "Tulis {seq:06d} untuk nomor urut enam digit.",
        "Apabila perlu, hubungi Dinas Sosial.",
        "Izin praktik",
    ],
)
def test_the_deny_list_leaves_legitimate_wording_alone(fine):
    assert problems(fine) == [], fine


def test_every_email_opens_with_yth_and_closes_formally():
    for path in sorted((ROOT / "templates" / "email").glob("*.txt")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert lines[0].startswith('{{ _("Yth. %(name)s,"'), path.name
        assert '{{ _("Hormat kami,") }}' in lines[-2], path.name
