"""The English catalogue is complete and its committed .mo matches the .po.

`make run` does not compile messages: the .mo is committed, so it must be rebuilt
(`manage.py compilemessages --ignore=.venv`) whenever the .po changes.
"""

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

LC_MESSAGES = Path(__file__).resolve().parents[3] / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def parse_po(path: Path) -> list[dict]:
    """Tiny .po parser: one dict per entry, with its flags and decoded fields.

    Keys: "flags" (set), "msgctxt", "msgid", "msgid_plural", "msgstr" or "msgstr[N]".
    Obsolete entries (#~) are ignored.
    """
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None

    def flush():
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {"flags": set()}

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            flush()
            key = None
        elif line.startswith("#,"):
            if "msgid" in entry:
                flush()
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            if key in ("msgctxt", "msgid") and "msgid" in entry:  # a new entry without a blank line
                flush()
            entry[key] = ast.literal_eval(value)
    flush()
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@pytest.fixture(scope="module")
def entries():
    return [entry for entry in parse_po(PO) if entry["msgid"]]  # the "" entry is the header


def test_the_catalogue_has_messages(entries):
    assert len(entries) > 100
    assert any("msgid_plural" in entry for entry in entries)


def test_every_message_is_translated_and_none_is_fuzzy(entries):
    untranslated = [entry["msgid"] for entry in entries if not all(translations(entry))]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    assert not untranslated, f"untranslated in {PO}: {untranslated}"
    assert not fuzzy, f"fuzzy in {PO}: {fuzzy}"


def test_plural_entries_have_both_forms(entries):
    for entry in entries:
        if "msgid_plural" in entry:
            assert {"msgstr[0]", "msgstr[1]"} <= entry.keys(), entry["msgid"]


def test_translations_keep_the_placeholders(entries):
    for entry in entries:
        expected = set(PLACEHOLDER.findall(entry["msgid"] + entry.get("msgid_plural", "")))
        for text in translations(entry):
            assert set(PLACEHOLDER.findall(text)) == expected, (entry["msgid"], text)


def test_the_committed_mo_matches_the_po(entries):
    """Run `manage.py compilemessages --ignore=.venv` if this fails."""
    with MO.open("rb") as fp:
        catalogue = gettext.GNUTranslations(fp)
    stale = []
    for entry in entries:
        msgid = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if "msgid_plural" in entry:
            got = [catalogue.ngettext(msgid, entry["msgid_plural"], n) for n in (1, 2)]
            want = [entry["msgstr[0]"], entry["msgstr[1]"]]
        else:
            got, want = catalogue.gettext(msgid), entry["msgstr"]
        if got != want:
            stale.append((entry["msgid"], got, want))
    assert not stale, f"{MO} is out of date with {PO}: {stale[:5]}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext tools are not installed")
def test_msgfmt_accepts_the_po_and_counts_the_same_messages(tmp_path, entries):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(PO)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(entries)} translated message" in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


def test_django_serves_the_english_catalogue():
    with translation.override("en"):
        assert translation.gettext("Tableau de bord") == "Dashboard"
        assert translation.ngettext("%(counter)s demande", "%(counter)s demandes", 2) == "%(counter)s requests"
    with translation.override("fr"):
        assert translation.gettext("Tableau de bord") == "Tableau de bord"
