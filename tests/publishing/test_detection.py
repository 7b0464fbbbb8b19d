"""Our own patterns for Dutch personal data (used alone when the detector is not running)."""

from __future__ import annotations

import pytest

from reflectie.publishing.detection import Finding, elfproef, iban_valid, merge, pattern_findings


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in pattern_findings(text)]


@pytest.mark.parametrize("bsn", ["123456782", "111222333", "999999990"])
def test_valid_bsn_pass_the_elfproef(bsn):
    assert elfproef(bsn)


@pytest.mark.parametrize("bsn", ["123456789", "000000000", "12345678", "12345678a"])
def test_invalid_bsn_fail_the_elfproef(bsn):
    assert not elfproef(bsn)


def test_bsn_is_found_only_when_the_elfproef_holds():
    assert ("bsn", "123456782") in kinds("Haar BSN is 123456782.")
    assert ("bsn", "123.456.782") in kinds("BSN 123.456.782 staat op de brief.")
    assert not [k for k in kinds("Dossiernummer 123456789.") if k[0] == "bsn"]


@pytest.mark.parametrize(
    "iban", ["NL91ABNA0417164300", "NL91 ABNA 0417 1643 00", "DE89370400440532013000"]
)
def test_valid_iban(iban):
    assert iban_valid(iban)
    assert ("iban", iban) in kinds(f"Rekening {iban} graag.")


def test_iban_with_a_wrong_checksum_is_not_found():
    assert not iban_valid("NL92ABNA0417164300")
    assert not [k for k in kinds("Rekening NL92ABNA0417164300.") if k[0] == "iban"]


@pytest.mark.parametrize("postcode", ["3511 AB", "1234AB", "9999 ZZ"])
def test_postcodes(postcode):
    assert ("postcode", postcode) in kinds(f"Het adres is in {postcode} ergens.")


def test_postcode_lookalikes_are_not_found():
    assert not [
        k for k in kinds("In 2024 SS was er niets; 0123 AB ook niet.") if k[0] == "postcode"
    ]


@pytest.mark.parametrize(
    "phone",
    ["06-12345678", "0612345678", "06 1234 5678", "+31 6 12345678", "020-1234567", "0031612345678"],
)
def test_phone_numbers(phone):
    assert ("telefoon", phone) in kinds(f"Bel {phone} vandaag.")


def test_short_numbers_are_not_phone_numbers():
    assert not [k for k in kinds("Er waren 0612 gesprekken en 112 belde.") if k[0] == "telefoon"]


@pytest.mark.parametrize("date", ["12 maart 2024", "3-11-2025", "2024-03-12", "1 jan.", "4/5/60"])
def test_exact_dates(date):
    assert ("datum", date) in kinds(f"Op {date} was het gesprek.")


def test_dates_of_birth_are_their_own_kind():
    assert ("geboortedatum", "4-5-1960") in kinds("Hij is geboren op 4-5-1960 in een dorp.")
    assert ("geboortedatum", "4-5-1960") in kinds("geb. 4-5-1960")


@pytest.mark.parametrize(
    ("text", "age"),
    [("Zij is 84 jaar oud.", "84"), ("Jan (45) belde.", "45"), ("De 17-jarige zoon.", "17-jarige")],
)
def test_ages(text, age):
    assert ("leeftijd", age) in kinds(text)


@pytest.mark.parametrize("plate", ["12-ABC-3", "AB-12-CD", "1-ABC-23", "XX-999-X", "99-XX-99"])
def test_licence_plates(plate):
    assert ("kenteken", plate) in kinds(f"De auto met kenteken {plate} stond er.")


def test_email_addresses():
    assert ("email", "p.devries@example.nl") in kinds("Mail p.devries@example.nl maar.")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Mevrouw Fatima el Amrani belde.", "Mevrouw Fatima el Amrani"),
        ("Haar zoon Pieter de Vries kwam.", "Pieter de Vries"),
        ("Toen zei dhr. Jansen iets.", "dhr. Jansen"),
        ("Met J. de Boer gesproken.", "J. de Boer"),
        ("Oma Truus komt.", "Oma Truus"),
    ],
)
def test_names(text, name):
    assert ("naam", name) in kinds(text)


def test_an_initial_alone_is_already_anonymous():
    assert not [k for k in kinds("Mevrouw B. woont alleen.") if k[0] == "naam"]


def test_addresses_places_and_organisations():
    found = kinds(
        "Ze woont aan de Dorpsstraat 12a in Zwolle. Haar zoon zit op basisschool De Regenboog "
        "en haar dochter op het Stedelijk Gymnasium."
    )
    assert ("adres", "Dorpsstraat 12a") in found
    assert ("plaats", "Zwolle") in found
    assert ("organisatie", "basisschool De Regenboog") in found
    assert ("organisatie", "Stedelijk Gymnasium") in found


def test_a_plain_sentence_has_no_findings():
    text = (
        "De moeder wil geen hulp. Het team twijfelt of de school moet worden ingelicht. "
        "In de intervisie bespraken we drie opties en de waarde autonomie."
    )
    assert pattern_findings(text) == []


def test_offsets_point_at_the_text():
    text = "Bel Jan Bakker op 06-12345678."
    for f in pattern_findings(text):
        assert text[f.start : f.end] == f.text


def test_merge_keeps_the_longest_of_overlapping_findings():
    merged = merge(
        [
            Finding(0, 7, "plaats", "Utrecht"),
            Finding(0, 18, "adres", "Utrecht Dorpsstr 1"),
            Finding(20, 25, "naam", "Jan B"),
        ]
    )
    assert [(f.kind, f.start) for f in merged] == [("adres", 0), ("naam", 20)]


def test_a_titled_initial_before_a_new_sentence_is_no_name():
    assert kinds("Ik help mevrouw R. Ik merk dat het lastig is.") == []
