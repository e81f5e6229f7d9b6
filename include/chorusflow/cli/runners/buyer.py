"""What ``chorusflow buyer`` does once its arguments are parsed (:mod:`chorusflow.cli.buyer`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from chorusflow.messages import text
from chorusflow.platforms.chorus_pro.client import ChorusProClient
from chorusflow.platforms.chorus_pro.config import ChorusProConfig
from chorusflow.platforms.chorus_pro.errors import (
    ChorusProError,
    ChorusProTimeoutError,
    ConfigurationError,
    ConnectionLostError,
    ServerError,
)

REQUIREMENT_KEYS = (
    "active",
    "service_code_required",
    "engagement_required",
    "service_or_engagement_required",
    "payment_status_not_reported",
)


def _text(key: str, **values: object) -> str:
    return text(f"cli.buyer.{key}", **values)


def describe_buyer(siret: str) -> dict[str, Any] | None:
    """Look the buyer up through the client: its requirements and services, or ``None`` if unknown."""
    with ChorusProClient(ChorusProConfig.from_env()) as client:
        structure = client.find_structure(siret)
        if structure is None:
            return None
        details = client.get_structure(structure.id_structure_cpp)
        services = []
        for service in client.list_services(structure.id_structure_cpp):
            service_details = client.get_service(structure.id_structure_cpp, service.id_service)
            services.append(
                {
                    "code": service.code_service,
                    "label": service.libelle_service,
                    "active": service.est_actif,
                    "engagement_required": service_details.engagement_required,
                }
            )
    return {
        "siret": structure.identifiant_structure or siret,
        "id_structure_cpp": structure.id_structure_cpp,
        "name": structure.designation_structure or details.information_generales.raison_sociale_structure,
        "active": structure.is_active,
        "service_code_required": details.service_code_required,
        "engagement_required": details.engagement_required,
        "service_or_engagement_required": details.service_or_engagement_required,
        "payment_status_not_reported": details.payment_status_not_reported,
        "services": services,
    }


def render_buyer(buyer: dict[str, Any]) -> str:
    """The buyer's requirements as text, in the configured language."""

    def yes_no(flag: bool) -> str:
        return _text("yes") if flag else _text("no")

    lines = [_text("title", siret=buyer["siret"], name=buyer["name"], id=buyer["id_structure_cpp"])]
    width = max(len(_text(key)) for key in REQUIREMENT_KEYS)
    lines += [f"  {_text(key).ljust(width)} : {yes_no(buyer[key])}" for key in REQUIREMENT_KEYS]
    lines.append(_text("services", count=len(buyer["services"])))
    if not buyer["services"]:
        lines.append("  " + _text("no_services"))
    for service in buyer["services"]:
        lines.append(
            _text(
                "service_line",
                code=service["code"],
                label=service["label"] or "",
                active=_text("service_active" if service["active"] else "service_inactive"),
                engagement=_text(
                    "engagement_mandatory" if service["engagement_required"] else "engagement_optional"
                ),
            )
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Handler of ``chorusflow buyer``: print the buyer's requirements; one-line errors, no traceback."""
    siret = str(args.siret).replace(" ", "")
    try:
        buyer = describe_buyer(siret)
    except ConfigurationError as error:
        return _fail(_text("config", detail=error))
    except (ConnectionLostError, ChorusProTimeoutError, ServerError) as error:
        return _fail(_text("unreachable", detail=error))
    except ChorusProError as error:
        return _fail(_text("refused", detail=error))
    if buyer is None:
        print(_text("not_found", siret=siret), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(buyer, ensure_ascii=False, indent=2))
    else:
        print(render_buyer(buyer))
    return 0


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2
