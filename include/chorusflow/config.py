"""Project settings read from the environment and from ``include/config/``.

Every setting is documented in ``docs/configuration.md``. Nothing here imports Airflow, so the
CLI, the sandbox and the DAGs resolve settings the same way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

Language = Literal["fr", "en"]

PACKAGE_DIR = Path(__file__).resolve().parent


def config_dir() -> Path:
    """Folder holding ``supplier.yaml``, ``buyers/`` and ``mappings/`` (``CHORUSFLOW_CONFIG_DIR``)."""
    configured = os.environ.get("CHORUSFLOW_CONFIG_DIR")
    return Path(configured) if configured else PACKAGE_DIR.parent / "config"


def chorusflow_home() -> Path:
    """Folder for local state: the default SQLite ledger, reports, the inbox (``CHORUSFLOW_HOME``)."""
    configured = os.environ.get("CHORUSFLOW_HOME")
    return Path(configured) if configured else Path.home() / ".chorusflow"


def language() -> Language:
    """Language of user-facing messages: ``fr`` (default) or ``en`` (``CHORUSFLOW_LANG``)."""
    value = os.environ.get("CHORUSFLOW_LANG", "fr").strip().lower()
    return "en" if value.startswith("en") else "fr"


class SupplierIdentity(BaseModel):
    """The invoicing company, as printed on every invoice it issues."""

    model_config = ConfigDict(frozen=True)

    siret: str
    name: str
    iban: str | None = None
    bic: str | None = None
    vat_number: str | None = None


def load_supplier(path: Path | None = None) -> SupplierIdentity:
    """Read the supplier identity from ``CHORUSFLOW_SUPPLIER_FILE`` or ``<config>/supplier.yaml``.

    ``CHORUSFLOW_SUPPLIER_SIRET``, ``_NAME``, ``_IBAN``, ``_BIC`` and ``_VAT_NUMBER`` override the file.
    """
    source = path or Path(os.environ.get("CHORUSFLOW_SUPPLIER_FILE") or config_dir() / "supplier.yaml")
    data: dict[str, str] = {}
    if source.exists():
        data = {k: str(v) for k, v in (yaml.safe_load(source.read_text(encoding="utf-8")) or {}).items()}
    for field in ("siret", "name", "iban", "bic", "vat_number"):
        override = os.environ.get(f"CHORUSFLOW_SUPPLIER_{field.upper()}")
        if override:
            data[field] = override
    return SupplierIdentity.model_validate(data)
