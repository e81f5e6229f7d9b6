"""Directory Service lookups (annex B): companies, a public entity, absent and closed entries."""

from __future__ import annotations

from tests.pa_sandbox.conftest import PaApi


def test_a_company_by_siren_siret_and_directory_line(api: PaApi) -> None:
    siren = api.directory("siren/code-insee:732829320").json()
    assert siren == {
        "siren": "732829320",
        "businessName": "Boulangerie Martin SAS",
        "entityType": "PrivateVatRegistered",
        "administrativeStatus": "A",
    }
    siret = api.directory("siret/code-insee:73282932000074", params={"include": "siren"}).json()
    assert (siret["siren"], siret["facilityType"], siret["legalUnit"]["businessName"]) == (
        "732829320",
        "P",
        "Boulangerie Martin SAS",
    )
    line = api.directory("directory-line/code:732829320").json()
    assert line["platform"] == {"platformType": "WK", "platformStatus": "Enabled"}


def test_lines_by_siren_with_a_routing_code(api: PaApi) -> None:
    answer = api.directory(
        "directory-line/search", json={"filters": {"siren": {"op": "contains", "value": "383474814"}}}
    ).json()
    assert answer["totalNumberOfResults"] == 2
    routed = [r for r in answer["results"] if "routingCode" in r]
    assert routed[0]["routingCode"]["routingIdentifier"] == "ATELIER-NORD"
    strict = api.directory(
        "directory-line/search",
        json={"filters": {"addressingSuffix": {"op": "strict", "value": "nothing"}}},
    ).json()
    assert strict["totalNumberOfResults"] == 0
    paged = api.directory(
        "directory-line/search",
        json={"filters": {"siren": {"op": "contains", "value": "3"}}, "limit": 1, "ignore": 1},
    ).json()
    assert len(paged["results"]) == 1 and paged["totalNumberOfResults"] >= 2


def test_a_public_entity_and_its_routing_codes(api: PaApi) -> None:
    assert api.directory("siren/code-insee:217500016").json()["entityType"] == "Public"
    facility = api.directory("siret/code-insee:21750001600019").json()
    assert facility["b2gAdditionalData"] == {"managesLegalCommitmentCode": True, "serviceCodeStatus": True}
    codes = api.directory(
        "routing-code/search", json={"filters": {"siret": {"op": "contains", "value": "21750001600019"}}}
    ).json()
    assert [c["routingIdentifier"] for c in codes["results"]] == ["SERVICE-TECH"]
    one = api.directory("routing-code/siret:21750001600019/code:SERVICE-TECH")
    assert (one.status_code, one.json()["routingCodeName"]) == (200, "Services techniques")
    assert api.directory("routing-code/siret:21750001600019/code:OTHER").status_code == 404


def test_absent_and_closed_entries(api: PaApi) -> None:
    for path in (
        "siren/code-insee:552100554",
        "siret/code-insee:55210055400013",
        "directory-line/code:404404404",
    ):
        answer = api.directory(path)
        assert answer.status_code == 404, path
        assert answer.content == b""  # Annex B declares its 404 without a body
    closed = api.directory("siren/code-insee:490210125").json()
    assert closed["administrativeStatus"] == "C"
    lines = api.directory(
        "directory-line/search", json={"filters": {"siren": {"op": "contains", "value": "490210125"}}}
    )
    assert lines.json()["totalNumberOfResults"] == 0
