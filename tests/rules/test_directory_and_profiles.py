"""Buyer profiles (IFPEN) and directory rules, against a StaticDirectory and against the real sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorusflow.rules import ChorusDirectory, StaticDirectory, validate_export
from chorusflow.rules.categories import category_of_legal_form
from chorusflow.rules.profiles import ProfileError, load_profile, load_profiles, no_profiles_notice
from chorusflow.sync.payment_clock import BuyerCategory
from chorusflow_dev.testing.exports import write_export
from tests.fixtures.sandbox import SandboxAdmin
from tests.rules.builders import (
    COMMUNE,
    HOSPITAL,
    IFPEN,
    MINISTRY,
    SYNDICATE,
    UNKNOWN_VALID_SIRET,
    codes,
    row,
    sandbox_directory,
)

REPOSITORY_BUYERS = Path(__file__).resolve().parents[2] / "include" / "config" / "buyers"

# (case id, row overrides, expected error codes) — each rule fails once and passes once.
DIRECTORY_CASES = [
    ("commune requires nothing", {"buyer_siret": COMMUNE}, set()),
    ("unknown buyer", {"buyer_siret": UNKNOWN_VALID_SIRET}, {"BUYER_UNKNOWN"}),
    ("inactive buyer", {"buyer_siret": SYNDICATE}, {"BUYER_INACTIVE"}),
    ("hospital without engagement", {"buyer_siret": HOSPITAL}, {"ENGAGEMENT_REQUIRED"}),
    ("hospital with engagement", {"buyer_siret": HOSPITAL, "engagement_number": "EJ-2026-1"}, set()),
    ("ministry with neither", {"buyer_siret": MINISTRY}, {"SERVICE_OR_ENGAGEMENT_REQUIRED"}),
    ("ministry with its service", {"buyer_siret": MINISTRY, "service_code": "SERV_FIN"}, set()),
    ("ministry with engagement only", {"buyer_siret": MINISTRY, "engagement_number": "BC-1"}, set()),
    (
        "ministry inactive service",
        {"buyer_siret": MINISTRY, "service_code": "ANCIEN_SERVICE"},
        {"SERVICE_CODE_UNKNOWN"},
    ),
    (
        "reserved FACTURES_PUBLIQUES",
        {"buyer_siret": MINISTRY, "service_code": "FACTURES_PUBLIQUES"},
        {"SERVICE_CODE_UNKNOWN"},
    ),
    ("ministry unknown service", {"buyer_siret": MINISTRY, "service_code": "NOPE"}, {"SERVICE_CODE_UNKNOWN"}),
    (
        "IFPEN order service without engagement",
        {"buyer_siret": IFPEN, "service_code": "Facture_commande"},
        {"ENGAGEMENT_REQUIRED"},
    ),
    (
        "IFPEN order service with engagement",
        {"buyer_siret": IFPEN, "service_code": "Facture_commande", "engagement_number": "4500012345"},
        set(),
    ),
    ("IFPEN filled-in service without engagement", {"buyer_siret": IFPEN}, set()),
    (
        "IFPEN engagement with 9 digits",
        {"buyer_siret": IFPEN, "engagement_number": "450001234"},
        {"ENGAGEMENT_FORMAT"},
    ),
    (
        "IFPEN engagement with letters",
        {"buyer_siret": IFPEN, "engagement_number": "45000123AB"},
        {"ENGAGEMENT_FORMAT"},
    ),
    ("invalid SIRET skips the directory", {"buyer_siret": "12345678901234"}, {"SIRET_INVALID"}),
]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [case[1:] for case in DIRECTORY_CASES],
    ids=[case[0] for case in DIRECTORY_CASES],
)
def test_directory_rules_static(tmp_path: Path, overrides: dict[str, str], expected: set[str]) -> None:
    path = write_export(tmp_path / "e.csv", [row(**overrides)])
    assert codes(path, directory=sandbox_directory()) == {"F2026-0001": expected}


def test_service_code_required_without_profile(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(buyer_siret=IFPEN)])
    assert codes(path, directory=sandbox_directory(), profiles={}) == {
        "F2026-0001": {"SERVICE_CODE_REQUIRED"}
    }


@pytest.mark.parametrize(
    ("engagement", "service"), [("4500012345", "Facture_commande"), ("", "Facture_sans_commande")]
)
def test_ifpen_profile_fills_the_service_code_visibly(tmp_path: Path, engagement: str, service: str) -> None:
    path = write_export(tmp_path / "e.csv", [row(buyer_siret=IFPEN, engagement_number=engagement)])
    verdict = validate_export(path, directory=sandbox_directory()).invoices[0]
    assert verdict.valid and verdict.invoice is not None
    assert verdict.invoice.service_code == service
    assert verdict.invoice.filled_in == {"service_code": service}
    assert verdict.invoice.model_dump(mode="json")["filled_in"] == {"service_code": service}


def test_given_service_code_is_kept(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(buyer_siret=IFPEN, service_code="Facture_sans_commande")])
    invoice = validate_export(path, directory=sandbox_directory()).invoices[0].invoice
    assert invoice is not None and invoice.filled_in == {}


def test_offline_skips_directory_rules_and_says_so(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(buyer_siret=UNKNOWN_VALID_SIRET)])
    report = validate_export(path)
    assert report.summary.offline is True
    assert report.invoices[0].valid


def test_directory_looked_up_once_per_buyer(tmp_path: Path) -> None:
    directory = sandbox_directory()
    rows = [
        row(invoice_number=f"F{index}", buyer_siret=[COMMUNE, HOSPITAL][index % 2]) for index in range(200)
    ]
    validate_export(write_export(tmp_path / "e.csv", rows), directory=directory)
    assert directory.lookups == 2


class _BrokenDirectory:
    def lookup(self, siret: str) -> None:
        from chorusflow.rules import DirectoryUnavailableError

        raise DirectoryUnavailableError("ConnectionError: refused")


def test_directory_failure_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    path = write_export(tmp_path / "e.csv", [row(), row(invoice_number="F2", buyer_siret="12345678901234")])
    result = codes(path, directory=_BrokenDirectory())
    assert result == {"F2026-0001": {"DIRECTORY_UNAVAILABLE"}, "F2": {"SIRET_INVALID"}}


# -- profiles ----------------------------------------------------------------------------------------


def test_shipped_profiles_load() -> None:
    profiles = load_profiles()
    assert profiles[IFPEN].engagement_matches("4500012345")
    assert not profiles[IFPEN].engagement_matches("450001234")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("schema_version: 1\nversion: '1'\nbuyer: {siret: '123', name: X}\n", "buyer.siret"),
        ("schema_version: 2\nversion: '1'\nbuyer: {siret: '77572915500017', name: X}\n", "schema_version"),
        (
            "schema_version: 1\nversion: '1'\nbuyer: {siret: '77572915500017', name: X}\nsurprise: 1\n",
            "surprise",
        ),
        (
            "schema_version: 1\nversion: '1'\nbuyer: {siret: '77572915500017', name: X}\n"
            "engagement_number: {pattern: '[0-9', rule: {fr: a, en: b}}\n",
            "regular expression",
        ),
        ("- just\n- a list\n", "mapping"),
        ("key: [unclosed\n", "YAML"),
    ],
)
def test_broken_profiles_are_explained(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "buyer.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert fragment in caught.value.detail


def test_broken_profile_is_a_file_level_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    (config / "buyers").mkdir(parents=True)
    (config / "buyers" / "bad.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(config))
    report = validate_export(write_export(tmp_path / "e.csv", [row()]), supplier=_supplier())
    assert [item.code for item in report.file_errors] == ["BUYER_PROFILE_INVALID"]
    assert "bad.yaml" in report.file_errors[0].message


def _supplier():  # type: ignore[no-untyped-def]
    from chorusflow.suppliers import SupplierIdentity

    return SupplierIdentity(siret="45218801400016", name="ACME", iban="FR7630006000011234567890189")


# -- the real sandbox through the real client -------------------------------------------------------


def _chorus_directory(server) -> ChorusDirectory:  # type: ignore[no-untyped-def]
    from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig

    return ChorusDirectory(ChorusProClient(ChorusProConfig.from_connection(server.connection())))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [case[1:] for case in DIRECTORY_CASES],
    ids=[case[0] for case in DIRECTORY_CASES],
)
def test_directory_rules_against_the_sandbox(
    sandbox,
    tmp_path: Path,
    overrides: dict[str, str],  # type: ignore[no-untyped-def]
    expected: set[str],
) -> None:
    path = write_export(tmp_path / "e.csv", [row(**overrides)])
    assert codes(path, directory=_chorus_directory(sandbox)) == {"F2026-0001": expected}


def test_sandbox_cache_keeps_calls_to_a_handful(sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = SandboxAdmin(sandbox)
    rows = [
        row(
            invoice_number=f"F{index}",
            buyer_siret=IFPEN,
            engagement_number=f"45{index:08d}" if index % 2 else "",
        )
        for index in range(2000)
    ]
    path = write_export(tmp_path / "e.csv", rows)
    directory = _chorus_directory(sandbox)
    before = admin.stats()["calls"]
    report = validate_export(path, directory=directory)
    report_again = validate_export(path, directory=directory)  # served from the cache
    after = admin.stats()["calls"]
    structure_calls = {key: after.get(key, 0) - before.get(key, 0) for key in after if "/structures/" in key}
    assert all(verdict.valid for verdict in report.invoices + report_again.invoices)
    assert sum(structure_calls.values()) <= 6, structure_calls


def test_sandbox_unreachable_gives_directory_unavailable(sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    directory = _chorus_directory(sandbox)
    sandbox.stop()
    path = write_export(tmp_path / "e.csv", [row(), row(invoice_number="F2")])
    assert codes(path, directory=directory) == {
        "F2026-0001": {"DIRECTORY_UNAVAILABLE"},
        "F2": {"DIRECTORY_UNAVAILABLE"},
    }


def test_static_directory_is_a_buyer_directory() -> None:
    assert StaticDirectory().lookup(COMMUNE) is None


def test_cache_expires_after_its_ttl(sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from chorusflow.platforms.chorus_pro import ChorusProClient, ChorusProConfig

    admin = SandboxAdmin(sandbox)
    path = write_export(tmp_path / "e.csv", [row(buyer_siret=COMMUNE)])
    client = ChorusProClient(ChorusProConfig.from_connection(sandbox.connection()))
    lasting, expiring = ChorusDirectory(client, ttl_seconds=3600), ChorusDirectory(client, ttl_seconds=0)

    def lookups() -> int:
        return sum(
            count
            for key, count in admin.stats()["calls"].items()
            if key.endswith("/structures/v1/rechercher")
        )

    start = lookups()
    for _ in range(3):
        validate_export(path, directory=lasting)
    assert lookups() - start == 1
    for _ in range(3):
        validate_export(path, directory=expiring)
    assert lookups() - start == 4


def test_no_buyer_profile_at_all_is_logged_once_per_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("CHORUSFLOW_LANG", "en")
    with caplog.at_level("WARNING", logger="chorusflow.rules.profiles"):
        assert load_profiles() == {} and load_profiles() == {}
    assert [record.getMessage() for record in caplog.records] == [
        f"No buyer profile is loaded: folder {tmp_path / 'buyers'} holds none. Rules of a particular buyer "
        "(such as IFPEN's 10-digit engagement numbers) do not apply. Add the profiles there (those of "
        "include/config/buyers, for instance) or point CHORUSFLOW_CONFIG_DIR at a folder that has them."
    ]
    assert no_profiles_notice("fr", tmp_path / "buyers") is None  # already said
    (tmp_path / "other").mkdir()
    assert "Aucun profil d'acheteur" in str(no_profiles_notice("fr", tmp_path / "other"))
    assert no_profiles_notice("en", REPOSITORY_BUYERS) is None  # the repository's folder has IFPEN's


def test_the_directory_reads_a_buyers_legal_form(sandbox) -> None:  # type: ignore[no-untyped-def]
    directory = _chorus_directory(sandbox)
    hospital = directory.lookup(HOSPITAL)
    assert hospital is not None and hospital.legal_form == "7364"
    assert category_of_legal_form(hospital.legal_form) is BuyerCategory.PUBLIC_HOSPITAL
    assert directory.legal_forms() == {HOSPITAL: "7364"}


def test_no_legal_form_leaves_the_buyer_valid(sandbox) -> None:  # type: ignore[no-untyped-def]
    # As on the qualification platform, which does not serve INSEE's data: no category, no finding.
    SandboxAdmin(sandbox).set_faults(forbidden_paths=["/cpro/transverses/v1/consulter/information/siret"])
    directory = _chorus_directory(sandbox)
    record = directory.lookup(HOSPITAL)
    assert record is not None and record.legal_form is None and directory.legal_forms() == {}


@pytest.mark.parametrize(
    ("form", "category"),
    [
        ("7364", BuyerCategory.PUBLIC_HOSPITAL),
        ("7113", BuyerCategory.STATE),
        ("7210", BuyerCategory.LOCAL_AUTHORITY),
        ("7230", BuyerCategory.LOCAL_AUTHORITY),
        ("7383", None),  # a university: an établissement public, not mapped
        ("4110", None),  # an EPIC: a public company or not, the form alone does not say
        ("73", None),
        (None, None),
    ],
)
def test_category_of_legal_form(form: str | None, category: BuyerCategory | None) -> None:
    assert category_of_legal_form(form) is category
