"""The sandbox HTTP server: PISTE token endpoint, Chorus Pro operations, faults, stats, admin.

Request pipeline for non-admin paths: read the body, quota (429), latency, injected error, auth
(401), JSON + Swagger validation (400), the operation (under the state lock), then either the
answer or, for commit-then-drop, a closed socket. Logs carry method, path, status and duration
only: never headers, bodies, secrets or tokens.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import random
import re
import secrets
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chorusflow_dev.sandbox.directory import Directory, StructureEntry, load_directory
from chorusflow_dev.sandbox.flux_files import flux_document_number
from chorusflow_dev.sandbox.operations import FunctionalError, Operations, counted_number
from chorusflow_dev.sandbox.settings import (
    DEFAULT_PROFILE,
    Faults,
    SandboxCredentials,
    profile_faults,
    rate_for,
)
from chorusflow_dev.sandbox.state import StateStore
from chorusflow_dev.sandbox.validation import has_schema, validate_request_body
from chorusflow_dev.serving.http import (
    DroppedAfterCommit,
    LocalServer,
    Reply,
    RequestQuota,
    SandboxRequestHandler,
    admin_body,
    decode_basic_auth,
    invalid_faults_reply,
)

logger = logging.getLogger("chorusflow_dev.sandbox")

TOKEN_PATH = "/api/oauth/token"
HEALTH_PATH = "/cpro/transverses/v1/health-check"
WWW_AUTH_ACCOUNT = (
    'Bearer realm="PISTE",error="Unauthorized",error_description="login or password incorrects"'
)
WWW_AUTH_TOKEN = (
    'Bearer realm="PISTE",error="invalid_token",error_description="access token absent, unknown or expired"'
)
_STATUS_PATH_RE = re.compile(r"^/sandbox/invoices/(\d+)/status$")
_ATTACHMENT_PATH_RE = re.compile(r"^/sandbox/attachments/(\d+)$")
#: Content-Type of every JSON answer (and of PISTE's empty 403).
JSON_CONTENT_TYPE = "application/json;charset=utf-8"


class Sandbox:
    """Everything behind the HTTP layer: tokens, faults, stats, state and operations."""

    def __init__(
        self,
        directory: Directory,
        store: StateStore,
        credentials: SandboxCredentials,
        profile: str = DEFAULT_PROFILE,
        clock_speed: float = 1.0,
    ) -> None:
        self.directory = directory
        self.store = store
        self.credentials = credentials
        self.profile = profile
        self.clock_speed = clock_speed
        self.faults = profile_faults(profile, clock_speed=clock_speed)
        self.random = random.Random()
        self.tokens: dict[str, float] = {}
        self.issued_tokens: list[str] = []  # every token ever issued, for GET /sandbox/tokens (tests)
        self.quota = RequestQuota()
        self.calls: Counter[str] = Counter()
        self.statuses: dict[str, Counter[str]] = {}
        self.drops: Counter[str] = Counter()
        self.operations = Operations(directory, store, lambda: self.faults)

    # ------------------------------------------------------------ stats

    def record(self, path: str, status: int | str) -> None:
        """Count one call to ``path`` answered with ``status`` (or "dropped")."""
        with self.store.lock:
            self.calls[path] += 1
            self.statuses.setdefault(path, Counter())[str(status)] += 1
            if status == "dropped":
                self.drops[path] += 1

    def stats(self) -> dict[str, Any]:
        """Calls per endpoint and per HTTP status, 429s and drops included."""
        with self.store.lock:
            by_status: Counter[str] = Counter()
            for counter in self.statuses.values():
                by_status.update(counter)
            return {
                "total": sum(self.calls.values()),
                "calls": dict(self.calls),
                "statuses": {path: dict(counter) for path, counter in self.statuses.items()},
                "by_status": dict(by_status),
                "drops": dict(self.drops),
                "rate_limited": by_status.get("429", 0),
            }

    # ------------------------------------------------------------ faults

    def over_quota(self) -> bool:
        """Sliding one-second window over every non-admin request."""
        with self.store.lock:
            return self.quota.exceeded(self.faults.quota_per_second)

    def roll(self, mapping: dict[str, float], path: str) -> bool:
        """Draw against the per-endpoint probability (seeded generator)."""
        rate = rate_for(mapping, path)
        if rate <= 0:
            return False
        with self.store.lock:
            return self.random.random() < rate

    def set_faults(self, changes: dict[str, Any]) -> Faults:
        """Replace the given top-level fault settings, keep the others."""
        with self.store.lock:
            merged = {**self.faults.model_dump(), **changes}
            faults = Faults.model_validate(merged)
            self.faults = faults
            if "seed" in changes:
                self.random = random.Random(faults.seed)
            return faults

    def reset(self) -> None:
        """Invoices, flux, attachments, stats, faults and tokens back to empty/default."""
        with self.store.lock:
            self.store.reset()
            self.faults = profile_faults(self.profile, clock_speed=self.clock_speed)
            self.random = random.Random()
            self.tokens.clear()
            self.issued_tokens.clear()
            self.quota.clear()
            self.calls.clear()
            self.statuses.clear()
            self.drops.clear()

    # ------------------------------------------------------------ auth

    def issue_token(self, form: dict[str, list[str]], basic_auth: str | None = None) -> Reply:
        """PISTE client_credentials grant; client credentials in the form or in HTTP Basic auth."""

        def first(key: str) -> str:
            return form.get(key, [""])[0]

        grant_type = first("grant_type")
        if not grant_type:
            return 400, {"error": "invalid_request", "error_description": "grant_type is required"}, {}
        if grant_type != "client_credentials":
            body = {
                "error": "unsupported_grant_type",
                "error_description": "grant_type must be client_credentials",
            }
            return 400, body, {}
        client_id, client_secret = first("client_id"), first("client_secret")
        if basic_auth and not client_secret:
            client_id, client_secret = decode_basic_auth(basic_auth)
        if not (
            secrets.compare_digest(client_id.encode(), self.credentials.client_id.encode())
            and secrets.compare_digest(client_secret.encode(), self.credentials.client_secret.encode())
        ):
            return 400, {"error": "invalid_client", "error_description": "Client authentication failed"}, {}
        token = secrets.token_urlsafe(32)
        lifetime = self.faults.token_lifetime_seconds
        with self.store.lock:
            now = time.time()
            self.tokens = {t: exp for t, exp in self.tokens.items() if exp > now}
            self.tokens[token] = now + lifetime
            self.issued_tokens.append(token)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": "openid"}
        return 200, answer, {"Cache-Control": "no-store"}

    def check_auth(self, headers: Any) -> Reply | None:
        """None when the bearer token and the cpro-account header are both valid, else the 401 reply."""
        refusal, _ = self.authenticate(headers)
        return refusal

    def authenticate(self, headers: Any) -> tuple[Reply | None, StructureEntry | None]:
        """The 401 reply, or None and the supplier structure whose technical account is calling.

        The sandbox's own credentials act for the directory's ``supplier``; every other supplier of
        the directory has a technical account of its own. One PISTE client serves them all, as one
        PISTE application serves every supplier of an editor ("concentrateur").
        """
        authorization = headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        with self.store.lock:
            expiry = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if expiry is None or expiry <= time.time():
            body = {"codeRetour": 401, "libelle": "Jeton d'accès absent, inconnu ou expiré (invalid_token)"}
            return (401, body, {"WWW-Authenticate": WWW_AUTH_TOKEN}), None
        account = headers.get("cpro-account", "")
        try:
            decoded = base64.b64decode(account.encode("ascii"), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            decoded = ""
        login, _, _ = decoded.partition(":")
        supplier = self.directory.supplier_of_login(login)
        if supplier is not None and supplier.technical_account is not None:
            expected = f"{supplier.technical_account.login}:{supplier.technical_account.password}"
        else:
            supplier = self.directory.supplier
            expected = f"{self.credentials.login}:{self.credentials.password}"
        if not account or not secrets.compare_digest(decoded.encode(), expected.encode()):
            body = {"codeRetour": 401, "libelle": "login or password incorrects (cpro-account)"}
            return (401, body, {"WWW-Authenticate": WWW_AUTH_ACCOUNT}), None
        return None, supplier

    # ------------------------------------------------------------ dispatch

    def chorus_call(
        self,
        method: str,
        path: str,
        raw_body: bytes,
        content_type: str,
        supplier: StructureEntry | None = None,
    ) -> Reply:
        """Run one authenticated Chorus Pro operation (auth already checked) as ``supplier``'s account."""
        if path == HEALTH_PATH:
            if method != "GET":
                return 405, {"codeRetour": 405, "libelle": "Méthode non autorisée"}, {}
            health: dict[str, Any] = {
                "codeRetour": 0,
                "libelle": "TRA_MSG_00.000",
                "body": "L'API CPRO est actuellement disponible et fonctionnel.",
                "statusCodeValue": 200,
                "statusCode": "OK",
            }
            return 200, health, {}
        handler = self.operations.routes.get(path)
        if handler is None:
            return 404, {"codeRetour": 404, "libelle": f"API non trouvée : {path}"}, {}
        if method != "POST":
            return 405, {"codeRetour": 405, "libelle": "Méthode non autorisée : POST attendu"}, {}
        if content_type and "json" not in content_type.lower():
            return 415, {"codeRetour": 415, "libelle": "Format de la requête non supporté : JSON attendu"}, {}
        try:
            parsed = json.loads(raw_body.decode("utf-8")) if raw_body else None
        except (UnicodeDecodeError, ValueError):
            return 400, {"codeRetour": 400, "libelle": "Requête mal formulée : corps JSON illisible"}, {}
        body = parsed
        if not isinstance(body, dict):
            return 400, {"codeRetour": 400, "libelle": "Requête mal formulée : un objet JSON est attendu"}, {}
        if has_schema(path):
            errors = validate_request_body(path, body)
            if errors:
                return 400, {"codeRetour": 400, "libelle": "Requête mal formulée : " + "; ".join(errors)}, {}
        with self.store.lock, self.operations.acting_as(supplier or self.directory.supplier):
            try:
                self.operations.advance_flux_by_time()
                status, answer = handler(body)
            except FunctionalError as error:
                status, answer = error.http_status, {"codeRetour": error.code, "libelle": error.libelle}
        return status, answer, {}

    def admin_call(self, method: str, path: str, raw_body: bytes) -> Reply:
        """Admin endpoints under /sandbox (no auth; never echo secrets)."""
        try:
            body = admin_body(raw_body)
        except ValueError as error:
            return 400, {"error": str(error)}, {}
        with self.store.lock:
            if (method, path) == ("GET", "/sandbox/invoices"):
                self.operations.advance_flux_by_time()
                invoices = sorted(self.store.invoices.values(), key=lambda inv: inv["id"])
                answer = {
                    "invoices": [self.admin_view(inv) for inv in invoices],
                    "submission_counts": self.store.submission_totals(),
                    "submission_counts_by_year": {
                        year: dict(counts) for year, counts in self.store.submission_counts.items()
                    },
                }
                return 200, answer, {}
            if (method, path) == ("GET", "/sandbox/flux"):
                self.operations.advance_flux_by_time()
                flux = [
                    {
                        **{
                            k: v
                            for k, v in f.items()
                            if k not in ("documents", "deposited_epoch", "deposited_simulated")
                        },
                        "numbers": [flux_document_number(document) for document in f["documents"]],
                    }
                    for f in self.store.flux.values()
                ]
                return 200, {"flux": flux}, {}
            if (method, path) == ("GET", "/sandbox/faults"):
                return 200, self.faults.model_dump(), {}
            if (method, path) == ("POST", "/sandbox/faults"):
                try:
                    return 200, self.set_faults(body).model_dump(), {}
                except ValidationError as error:
                    return invalid_faults_reply(error)
            if (method, path) == ("GET", "/sandbox/tokens"):
                # Test-only: lets the reliability suite search logs for every token ever issued.
                return 200, {"tokens": list(self.issued_tokens)}, {}
            if (method, path) == ("GET", "/sandbox/stats"):
                return 200, self.stats(), {}
            if (method, path) == ("POST", "/sandbox/clock"):
                seconds = body.get("advance_seconds", 0)
                if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
                    return 400, {"error": "advance_seconds must be a number >= 0"}, {}
                simulated = self.operations.clock.advance(float(seconds), self.faults.clock_speed)
                self.operations.advance_flux_by_time()
                return 200, {"simulated_now": simulated}, {}
            if (method, path) == ("POST", "/sandbox/reset"):
                self.reset()
                return 200, {"reset": True}, {}
            attachment = _ATTACHMENT_PATH_RE.match(path)
            if attachment and method == "GET":
                return self.attachment_download(attachment.group(1))
            match = _STATUS_PATH_RE.match(path)
            if match and method == "POST":
                statut, commentaire, when = body.get("statut"), body.get("commentaire"), body.get("date")
                if not isinstance(statut, str) or not isinstance(commentaire, (str, type(None))):
                    return 400, {"error": "statut (string) is required; commentaire must be a string"}, {}
                try:
                    invoice = self.operations.set_status(match.group(1), statut, commentaire, when)
                except LookupError as error:
                    return 404, {"error": str(error)}, {}
                except ValueError as error:
                    return 400, {"error": str(error)}, {}
                return 200, self.admin_view(invoice), {}
        return 404, {"error": f"unknown admin endpoint {method} {path}"}, {}

    def attachment_download(self, attachment_id: str) -> Reply:
        """The bytes uploaded through ajouter/fichier, so tests can read the PDF that was deposited."""
        metadata = self.store.attachments.get(attachment_id)
        content = self.store.attachment_content(attachment_id) if metadata else None
        if metadata is None or content is None:
            return 404, {"error": f"attachment {attachment_id} not found"}, {}
        return 200, content, {"Content-Type": metadata.get("mime") or "application/pdf"}

    def admin_view(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """What /sandbox/invoices shows for one invoice."""
        buyer = self.directory.by_id(invoice["buyer_id"])
        supplier_id = invoice.get("supplier_id", self.directory.supplier.id)
        supplier = self.directory.by_id(supplier_id)
        return {
            "id": invoice["id"],
            "number": invoice["number"],
            "supplier_id": supplier_id,
            "supplier_identifier": supplier.siret if supplier else None,
            "status": invoice["status"],
            "status_at": invoice["status_at"],
            "status_comment": invoice["status_comment"],
            "buyer_siret": invoice["buyer_siret"],
            "buyer_name": buyer.name if buyer else None,
            "service_code": invoice["service_code"],
            "engagement": invoice["engagement"],
            "amounts": invoice["amounts"],
            "invoice_type": invoice["invoice_type"],
            "invoice_date": invoice["invoice_date"],
            "deposit_date": invoice["deposit_date"],
            "mode": invoice["mode"],
            "attachment_id": invoice["attachment_id"],
            "flux_number": invoice["flux_number"],
            "rejet_traite": invoice["rejet_traite"],
            # Deposits of this number for the year of this invoice's date (refused duplicates included).
            "submission_count": self.store.submission_count(
                str(invoice["invoice_date"])[:4],
                counted_number(self.directory, supplier_id, invoice["number"]),
            ),
            "history": invoice["history"],
        }


class _Handler(SandboxRequestHandler[Sandbox]):
    """The Chorus Pro pipeline over the shared handler; the logic lives in ``Sandbox``."""

    server_version = "ChorusProSandbox/1.0"
    logger = logger
    json_content_type = JSON_CONTENT_TYPE

    def admin(self, method: str, path: str, raw_body: bytes) -> Reply:
        return self.app.admin_call(method, path, raw_body)

    def record(self, path: str, status: int | str) -> None:
        self.app.record(path, status)

    def bad_length_reply(self) -> Reply:
        return 400, {"codeRetour": 400, "libelle": "Requête mal formulée : Content-Length invalide"}, {}

    def internal_error_reply(self) -> Reply:
        return 500, {"codeRetour": 500, "libelle": "Erreur interne du bac à sable"}, {}

    def serve(self, method: str, path: str, query: str, raw_body: bytes) -> Reply:
        sandbox = self.app
        faults = sandbox.faults
        if sandbox.over_quota():
            return 429, {"codeRetour": 429, "libelle": "Quota de requêtes dépassé"}, {"Retry-After": "1"}
        latency = rate_for(faults.latency_ms, path)
        if latency > 0 and (
            not _has_rate(faults.latency_rate, path) or sandbox.roll(faults.latency_rate, path)
        ):
            time.sleep(latency / 1000.0)
        if sandbox.roll(faults.error_rate, path):
            status = faults.error_status
            return (
                status,
                {"codeRetour": status, "libelle": "Erreur technique simulée par le bac à sable"},
                {},
            )
        if path in faults.failing_pages and _requested_page(raw_body) in faults.failing_pages[path]:
            status = faults.error_status
            return status, {"codeRetour": status, "libelle": "Erreur technique simulée (page)"}, {}
        if path == TOKEN_PATH:
            reply = self.token_reply(method, raw_body, sandbox.issue_token)
        elif path.startswith("/cpro/"):
            refusal, supplier = sandbox.authenticate(self.headers)
            if refusal is not None:
                return refusal
            if path in faults.forbidden_paths or "*" in faults.forbidden_paths:
                # PISTE answers an unsubscribed API with an empty 403
                return 403, None, {"Content-Type": JSON_CONTENT_TYPE}
            reply = sandbox.chorus_call(
                method, path, raw_body, self.headers.get("Content-Type", ""), supplier
            )
        else:
            return 404, {"codeRetour": 404, "libelle": f"API non trouvée : {path}"}, {}
        if sandbox.roll(faults.commit_then_drop_rate, path):
            raise DroppedAfterCommit()
        answer_delay = rate_for(faults.answer_delay_ms, path)
        if answer_delay > 0:
            time.sleep(answer_delay / 1000.0)  # committed; the client waits (or dies) before the answer
        return reply


def _has_rate(mapping: dict[str, float], path: str) -> bool:
    """Whether a per-endpoint probability map says anything about ``path``."""
    return path in mapping or "*" in mapping


def _requested_page(raw_body: bytes) -> int | None:
    """``pageResultatDemandee`` of the request's paging object, if any (for the ``failing_pages`` fault)."""
    try:
        body = json.loads(raw_body or b"{}")
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for value in body.values():
        if isinstance(value, dict) and isinstance(value.get("pageResultatDemandee"), int):
            return int(value["pageResultatDemandee"])
    return None


class SandboxServer(LocalServer[Sandbox]):
    """A local Chorus Pro served over real HTTP; see docs/sandbox.md.

    ``port=0`` picks a free port (read it back from ``url``). ``start()`` serves in a daemon thread
    and returns once listening; ``stop()`` closes the listener and every open connection.
    """

    handler_class = _Handler
    thread_name = "chorus-sandbox"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        directory: Path | None = None,
        state_file: Path | None = None,
        credentials: SandboxCredentials | None = None,
        profile: str = DEFAULT_PROFILE,
        clock_speed: float = 1.0,
    ) -> None:
        self.credentials = credentials or SandboxCredentials()
        sandbox = Sandbox(
            load_directory(Path(directory) if directory else None),
            StateStore(Path(state_file) if state_file else None),
            self.credentials,
            profile=profile,
            clock_speed=clock_speed,
        )
        super().__init__(host, port, sandbox)

    @property
    def sandbox(self) -> Sandbox:
        """Everything behind the HTTP layer."""
        return self.app

    def flush_state(self) -> None:
        """The state file is already up to date but for the last coalesced write."""
        self.sandbox.store.flush()

    def connection(self, supplier: str | None = None) -> dict[str, Any]:
        """The Airflow connection (``AIRFLOW_CONN_CHORUS_PRO`` JSON form) that reaches this sandbox,
        with the technical account of the supplier whose identifier is ``supplier`` (default: the
        sandbox's own credentials, the directory's first supplier)."""
        login, password = self.credentials.login, self.credentials.password
        if supplier is not None:
            structure = self.sandbox.directory.by_siret(supplier)
            if structure is None or structure.technical_account is None:
                raise KeyError(f"no other supplier {supplier} with a technical account in the directory")
            login, password = structure.technical_account.login, structure.technical_account.password
        return {
            "conn_type": "http",
            "host": self.url,
            "login": login,
            "password": password,
            "extra": {
                "token_url": f"{self.url}{TOKEN_PATH}",
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret,
            },
        }

    def connection_json(self, supplier: str | None = None) -> str:
        """``connection(supplier)`` as one JSON line."""
        return json.dumps(self.connection(supplier), ensure_ascii=False)
