"""Three suppliers for the tests of a deployment with several: French (default), EU, non-EU.

Their identities match the sandbox's default directory (``default_directory.yaml``): each has a
structure and a technical account there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from chorusflow.suppliers import SupplierIdentity, load_supplier

FRENCH_ID = "acme_lyon"
EU_ID = "rheinwerk"
NON_EU_ID = "alpenlicht"
EU_IDENTIFIER = "DE291838473"
NON_EU_IDENTIFIER = "CHE109322002"
COMMUNE_VAT = "FR53219900016"  # the Commune de Démoville's VAT number (key computed from its SIREN)

EU_SUPPLIER: dict[str, Any] = {
    "identifier_type": "UE_HORS_FRANCE",
    "identifier": EU_IDENTIFIER,
    "vat_number": EU_IDENTIFIER,
    "country": "DE",
    "name": "Rheinwerk Analytik GmbH",
    "address": "Rheinallee 5\n40213 Düsseldorf\nAllemagne",
    "registration": "Amtsgericht Düsseldorf HRB 98765",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
    "lang": "en",
    "company_size": "sme",
}
NON_EU_SUPPLIER: dict[str, Any] = {
    "identifier_type": "HORS_UE",
    "identifier": NON_EU_IDENTIFIER,
    "vat_number": "CHE-109.322.002 MWST",
    "country": "CH",
    "name": "Alpenlicht Consulting AG",
    "address": "Bahnhofstrasse 10\n8001 Zürich\nSuisse",
    "iban": "CH9300762011623852957",
    "lang": "en",
}


def french_supplier() -> dict[str, Any]:
    """The repository's supplier.yaml (the sandbox's default technical account), as the default."""
    data = load_supplier().model_dump(mode="json", exclude={"id", "connection_id", "lang", "default"})
    return {key: value for key, value in data.items() if value is not None} | {"default": True}


def write_suppliers(config: Path, suppliers: dict[str, dict[str, Any]]) -> Path:
    """A configuration folder with ``suppliers/<id>.yaml`` and the repository's buyers and mappings."""
    repository_config = Path(__file__).resolve().parents[2] / "include" / "config"
    folder = config / "suppliers"
    folder.mkdir(parents=True, exist_ok=True)
    for supplier_id, data in suppliers.items():
        (folder / f"{supplier_id}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
        )
    for sub in ("buyers", "mappings"):
        target = config / sub
        target.mkdir(exist_ok=True)
        for source in (repository_config / sub).glob("*.yaml"):
            (target / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return config


def three_suppliers(config: Path) -> Path:
    """The French default, the EU and the non-EU supplier."""
    return write_suppliers(
        config, {FRENCH_ID: french_supplier(), EU_ID: EU_SUPPLIER, NON_EU_ID: NON_EU_SUPPLIER}
    )


def eu_supplier() -> SupplierIdentity:
    return SupplierIdentity.model_validate({"id": EU_ID, **EU_SUPPLIER})


def non_eu_supplier() -> SupplierIdentity:
    return SupplierIdentity.model_validate({"id": NON_EU_ID, **NON_EU_SUPPLIER})
