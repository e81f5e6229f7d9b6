"""The PA sandbox over HTTP: OAuth2 token endpoint, Flow and Directory services, admin endpoints.

Paths: ``/oauth/token``; ``/flow-service/v1/...`` and ``/directory-service/v1/...`` (the annexes'
server URLs end in ``/flow-service`` and ``/directory-service``); ``/sandbox/...`` for the admin
endpoints, outside both annexes and unauthenticated. Pipeline of an annex request: quota (429),
latency, injected error, Bearer token (401), the annex's request check (400/404/405/415), the
operation under the lock, then the answer or, for commit-then-drop, a closed socket. Logs carry
method, path, status and duration only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chorusflow_dev.pa_sandbox.annexes import load_interface
from chorusflow_dev.pa_sandbox.directory import (
    PaDirectory,
    Supplier,
    facility_payload,
    legal_unit,
    line_payload,
    load_pa_directory,
    routing_code_payload,
)
from chorusflow_dev.pa_sandbox.openapi import CheckedRequest, OpenApi, RequestRefused
from chorusflow_dev.pa_sandbox.platform import (
    MAX_FILE_BYTES,
    SEARCH_LIMIT_DEFAULT,
    AdminRefused,
    PaPlatform,
    iso,
)
from chorusflow_dev.pa_sandbox.settings import PaFaults, profile_faults, rate_for
from chorusflow_dev.pa_sandbox.state import StateFile
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

logger = logging.getLogger("chorusflow_dev.pa_sandbox")

TOKEN_PATH = "/oauth/token"
FLOW_MOUNT = "/flow-service"
DIRECTORY_MOUNT = "/directory-service"
#: Named buyer actions of ``POST /sandbox/flows/{flowId}/lifecycle`` (``action``), or a ``status`` code.
BUYER_ACTIONS = {
    "take_over": 204,
    "approve": 205,
    "approve_partially": 206,
    "dispute": 207,
    "suspend": 208,
    "refuse": 210,
    "mark_paid": 211,
}
_LIFECYCLE_RE = re.compile(r"^/sandbox/flows/([^/]+)/lifecycle$")


def flow_error(status: int, code: str, message: str | None) -> Reply:
    """The Flow Service's ``Error`` object."""
    return status, {"errorCode": code, "errorMessage": message}, {}


def directory_error(status: int, message: str, details: str = "") -> Reply:
    """A Directory Service error: every status Annex B declares (400 to 503) is declared without a
    body, so none is sent (its ``default`` problem+json answer covers only undeclared statuses).
    ``message`` and ``details`` go to the sandbox's log, never to the client."""
    logger.info("directory service %d: %s %s", status, message, details)
    return status, None, {}


class PaSandbox:
    """Everything behind the HTTP layer."""

    def __init__(
        self,
        directory: PaDirectory,
        profile: str = "realistic",
        clock_speed: float = 1.0,
        state_file: Path | None = None,
    ) -> None:
        self.directory = directory
        self.profile = profile
        self.clock_speed = clock_speed
        flow, directory_service = load_interface("flow"), load_interface("directory")
        #: Which document each service checks requests against ("annex" or "digest").
        self.interfaces = {"flow": flow.source, "directory": directory_service.source}
        for interface in (flow, directory_service):
            logger.info("PA sandbox checks %s requests against the %s", interface.key, interface.describe())
        self.flow_api = OpenApi(flow.document, FLOW_MOUNT)
        self.directory_api = OpenApi(directory_service.document, DIRECTORY_MOUNT)
        self.platform = PaPlatform(directory, profile_faults(profile, clock_speed=clock_speed))
        self.state = StateFile(state_file) if state_file is not None else None
        if self.state is not None:
            self.state.load_into(self.platform)
        self.tokens: dict[str, tuple[float, str]] = {}
        self.issued_tokens: list[str] = []
        self.quota = RequestQuota()
        self.statuses: dict[str, Counter[str]] = {}

    @property
    def faults(self) -> PaFaults:
        """The platform's current fault settings."""
        return self.platform.faults

    def save(self) -> None:
        """Write the state file (coalesced) when there is one."""
        if self.state is not None:
            self.state.save()

    def record(self, path: str, status: int | str) -> None:
        """Count one answer (or a drop) per path."""
        with self.platform.lock:
            self.statuses.setdefault(path, Counter())[str(status)] += 1

    def stats(self) -> dict[str, Any]:
        """Answers per path and status."""
        with self.platform.lock:
            by_status: Counter[str] = Counter()
            for counter in self.statuses.values():
                by_status.update(counter)
            return {
                "statuses": {p: dict(c) for p, c in self.statuses.items()},
                "by_status": dict(by_status),
                "rate_limited": by_status.get("429", 0),
                "dropped": by_status.get("dropped", 0),
                "interfaces": dict(self.interfaces),
            }

    def over_quota(self) -> bool:
        """Sliding one-second window over every annex and token request."""
        with self.platform.lock:
            return self.quota.exceeded(self.faults.quota_per_second)

    def roll(self, mapping: dict[str, float], path: str) -> bool:
        """Draw against a per-path probability (seeded generator)."""
        rate = rate_for(mapping, path)
        with self.platform.lock:
            return rate > 0 and self.platform.random.random() < rate

    # ------------------------------------------------------------ auth

    def issue_token(self, form: dict[str, list[str]], basic: str | None) -> Reply:
        """OAuth2 client-credentials grant (RFC 6749 4.4); client in the form or HTTP Basic."""
        grant = form.get("grant_type", [""])[0]
        if grant != "client_credentials":
            error = "invalid_request" if not grant else "unsupported_grant_type"
            return 400, {"error": error, "error_description": "grant_type must be client_credentials"}, {}
        client_id, client_secret = form.get("client_id", [""])[0], form.get("client_secret", [""])[0]
        if basic and not client_secret:
            client_id, client_secret = decode_basic_auth(basic)
        supplier = self.directory.supplier_of_client(client_id)
        if supplier is None or not secrets.compare_digest(
            client_secret.encode(), supplier.client_secret.encode()
        ):
            return 401, {"error": "invalid_client", "error_description": "client authentication failed"}, {}
        token = secrets.token_urlsafe(32)
        lifetime = self.faults.token_lifetime_seconds
        with self.platform.lock:
            now = time.time()
            self.tokens = {t: v for t, v in self.tokens.items() if v[0] > now}
            self.tokens[token] = (now + lifetime, supplier.siren)
            self.issued_tokens.append(token)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}
        return 200, answer, {"Cache-Control": "no-store"}

    def caller(self, headers: Any) -> Supplier | None:
        """The supplier whose valid Bearer token the request carries, else None."""
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self.platform.lock:
            entry = self.tokens.get(token.strip())
        if entry is None or entry[0] <= time.time():
            return None
        return next(s for s in self.directory.suppliers if s.siren == entry[1])

    # ------------------------------------------------------------ Flow Service

    def flow_call(self, supplier: Supplier, checked: CheckedRequest) -> Reply:
        """One checked Flow Service operation for ``supplier``."""
        platform = self.platform
        with platform.lock:
            platform.advance()
            platform.touch(supplier.siren)
            if checked.template == "/v1/healthcheck":
                return 200, None, {}
            if checked.template == "/v1/flows":
                name, content = checked.files["file"]
                if len(content) > MAX_FILE_BYTES:
                    return flow_error(413, "FILE_SIZE_EXCEEDED", f"the file exceeds {MAX_FILE_BYTES} bytes")
                info = checked.body["flowInfo"]
                record = platform.deposit(supplier, info, name, content)
                answer: dict[str, Any] = {
                    "flowId": record.flow_id,
                    "submittedAt": iso(record.submitted_at),
                    **info,
                }
                if "sha256" not in answer:
                    answer["sha256"] = hashlib.sha256(content).hexdigest()
                return 202, answer, {}
            if checked.template == "/v1/flows/search":
                where = checked.body.get("where", {})
                if not where:
                    return flow_error(400, "MISSING_REQUIRED_FIELD", "where: at least one filter is required")
                limit = checked.body.get("limit", SEARCH_LIMIT_DEFAULT)
                if limit < 1:
                    return flow_error(400, "INVALID_FIELD", "limit must be at least 1")
                found = platform.search(supplier.siren, where, limit)
                return 200, {"limit": limit, "filters": where, "results": [r.flow() for r in found]}, {}
            target = platform.flows.get(checked.path_params["flowId"])
            if target is None or target.owner != supplier.siren:
                return flow_error(404, "MISSING_RESOURCE", "Requested resource is Not Found")
            record = target
            doc_type = checked.query.get("docType", "Metadata")
            if doc_type == "Metadata":
                return 200, record.flow(), {}
            if doc_type != "Original":
                return flow_error(404, "MISSING_RESOURCE", f"no {doc_type} document for this flow")
            # Annex A FlowGetResponse declares application/octet-stream for the file, whatever it is.
            headers = {
                "Content-Type": "application/octet-stream",
                "Content-Disposition": f"attachment;filename={record.name}",
            }
            return 200, record.content, headers

    # ------------------------------------------------------------ Directory Service

    def directory_call(self, checked: CheckedRequest) -> Reply:
        """One checked Directory Service lookup."""
        template, params = checked.template, checked.path_params
        directory = self.directory
        if template == "/v1/healthcheck":
            return 200, None, {}
        if template == "/v1/siren/code-insee:{siren}":
            entity = directory.entity(params["siren"])
            if entity is None:
                return directory_error(404, "SIREN not found", params["siren"])
            return 200, legal_unit(entity), {}
        if template == "/v1/siret/code-insee:{siret}":
            found = directory.facility(params["siret"])
            if found is None:
                return directory_error(404, "SIRET not found", params["siret"])
            return (
                200,
                facility_payload(*found, include_legal_unit="siren" in checked.query.get("include", [])),
                {},
            )
        if template == "/v1/directory-line/code:{addressing-identifier}":
            wanted = params["addressing-identifier"]
            line = next(((e, li) for e, li in directory.lines() if li.addressing_identifier == wanted), None)
            if line is None:
                return directory_error(404, "directory line not found", wanted)
            return 200, line_payload(*line), {}
        if template == "/v1/routing-code/siret:{siret}/code:{routing-identifier}":
            for entity in directory.entities:
                for code in entity.routing_codes:
                    if (code.siret, code.routing_identifier) == (
                        params["siret"],
                        params["routing-identifier"],
                    ):
                        return 200, routing_code_payload(entity, code), {}
            return directory_error(404, "routing code not found", params["routing-identifier"])
        if template == "/v1/directory-line/search":
            return self._search_lines(checked.body or {})
        if template == "/v1/routing-code/search":
            return self._search_routing_codes(checked.body or {})
        return directory_error(501, "not implemented by the PA sandbox", template)

    def _search_lines(self, body: dict[str, Any]) -> Reply:
        filters = body.get("filters", {})

        def keep(entity: Any, line: Any) -> bool:
            values = {
                "siren": entity.siren,
                "siret": line.siret or "",
                "addressingIdentifier": line.addressing_identifier,
                "routingIdentifier": line.routing_code or "",
            }
            return all(
                (values.get(name, "") == f.get("value"))
                if f.get("op") == "strict"
                else f.get("value", "") in values.get(name, "")
                for name, f in filters.items()
            )

        lines = [line_payload(e, li) for e, li in self.directory.lines() if keep(e, li)]
        return self._page(body, lines)

    def _search_routing_codes(self, body: dict[str, Any]) -> Reply:
        filters = body.get("filters", {})
        codes = []
        for entity in self.directory.entities:
            for code in entity.routing_codes:
                values = {
                    "routingIdentifier": code.routing_identifier,
                    "siret": code.siret,
                    "routingCodeName": code.name,
                }
                if all(
                    f.get("value", "") in str(values.get(name, ""))
                    for name, f in filters.items()
                    if isinstance(f, dict)
                ):
                    codes.append(routing_code_payload(entity, code))
        return self._page(body, codes)

    def _page(self, body: dict[str, Any], results: list[dict[str, Any]]) -> Reply:
        ignore, limit = int(body.get("ignore", 0)), int(body.get("limit", 50))
        if ignore < 0 or limit < 1:
            return directory_error(400, "limit must be at least 1 and ignore at least 0")
        page = results[ignore : ignore + limit]
        return 200, {"search": body, "totalNumberOfResults": len(results), "results": page}, {}

    # ------------------------------------------------------------ admin

    def admin_call(self, method: str, path: str, raw_body: bytes) -> Reply:
        """``/sandbox/...``: play the buyer, read the state, set faults."""
        try:
            body = admin_body(raw_body)
        except ValueError as error:
            return 400, {"error": str(error)}, {}
        platform = self.platform
        with platform.lock:
            platform.advance()
            lifecycle = _LIFECYCLE_RE.match(path)
            if method == "POST" and lifecycle:
                try:
                    named = BUYER_ACTIONS.get(str(body.get("action")))
                    code = named if named is not None else int(body.get("status", 0))
                    record = platform.buyer_action(
                        lifecycle.group(1), code, body.get("reasonCode"), body.get("reason")
                    )
                except (AdminRefused, ValueError, TypeError) as error:
                    return getattr(error, "status", 400), {"error": str(error)}, {}
                return 200, record.flow(), {}
            if (method, path) == ("GET", "/sandbox/flows"):
                flows = [
                    {**r.flow(), "owner": r.owner, "invoice": r.invoice_key} for r in platform.flows.values()
                ]
                return 200, {"flows": flows}, {}
            if (method, path) == ("GET", "/sandbox/invoices"):
                invoices = [
                    {
                        "key": i.key,
                        "flowId": i.flow_id,
                        "number": i.facts.number,
                        "seller": i.facts.seller_siren,
                        "buyer": i.facts.buyer_siren,
                        "status": i.status,
                        "paid": str(i.paid),
                        "history": i.history,
                    }
                    for i in platform.invoices.values()
                ]
                return 200, {"invoices": invoices}, {}
            if (method, path) == ("GET", "/sandbox/faults"):
                return 200, self.faults.model_dump(), {}
            if (method, path) == ("POST", "/sandbox/faults"):
                try:
                    faults = PaFaults.model_validate({**self.faults.model_dump(), **body})
                except ValidationError as error:
                    return invalid_faults_reply(error)
                platform.faults = faults
                if "seed" in body:
                    platform.random.seed(faults.seed)
                if "clock_speed" in body:
                    platform.set_clock_speed(faults.clock_speed)
                return 200, faults.model_dump(), {}
            if (method, path) == ("GET", "/sandbox/stats"):
                return 200, self.stats(), {}
            if (method, path) == ("GET", "/sandbox/tokens"):
                return 200, {"tokens": list(self.issued_tokens)}, {}
            if (method, path) == ("POST", "/sandbox/reset"):
                self.platform = PaPlatform(
                    self.directory, profile_faults(self.profile, clock_speed=self.clock_speed)
                )
                self.tokens.clear()
                self.issued_tokens.clear()
                self.quota.clear()
                self.statuses.clear()
                return 200, {"reset": True}, {}
        return 404, {"error": f"no admin endpoint {method} {path}"}, {}


class _Handler(SandboxRequestHandler[PaSandbox]):
    """The PA pipeline over the shared handler; the logic lives in ``PaSandbox``."""

    server_version = "PaSandbox/1.0"
    logger = logger

    def do_PATCH(self) -> None:
        """Handle PATCH."""
        self.handle_method("PATCH")

    def admin(self, method: str, path: str, raw_body: bytes) -> Reply:
        return self.app.admin_call(method, path, raw_body)

    def record(self, path: str, status: int | str) -> None:
        self.app.record(path, status)

    def after_request(self) -> None:
        self.app.save()

    def bad_length_reply(self) -> Reply:
        return flow_error(400, "INVALID_REQUEST", "invalid Content-Length")

    def internal_error_reply(self) -> Reply:
        return flow_error(500, "INTERNAL_ERROR", None)

    def serve(self, method: str, path: str, query: str, raw_body: bytes) -> Reply:
        sandbox = self.app
        faults = sandbox.faults
        directory_side = path.startswith(DIRECTORY_MOUNT)
        error = directory_error if directory_side else None
        if sandbox.over_quota():
            headers = {"Retry-After": str(faults.retry_after_seconds)}
            if directory_side:
                return 429, None, headers
            return (
                429,
                {"errorCode": "TOO_MANY_REQUESTS", "errorMessage": "The client emitted too many requests"},
                headers,
            )
        latency = rate_for(faults.latency_ms, path)
        if latency > 0:
            time.sleep(latency / 1000.0)
        if sandbox.roll(faults.error_rate, path):
            status = faults.error_status
            return (
                directory_error(status, "simulated error")
                if error
                else flow_error(status, "INTERNAL_ERROR", None)
            )
        if path == TOKEN_PATH:
            reply = self.token_reply(method, raw_body, sandbox.issue_token)
        elif sandbox.flow_api.owns(path) or sandbox.directory_api.owns(path):
            api = sandbox.directory_api if directory_side else sandbox.flow_api
            supplier = sandbox.caller(self.headers)
            if supplier is None:
                missing = not self.headers.get("Authorization")
                message = "access token absent" if missing else "access token unknown or expired"
                challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                if directory_side:
                    status, body, headers = directory_error(401, message)
                    return status, body, {**headers, **challenge}
                return (
                    401,
                    {"errorCode": "MISSING_TOKEN" if missing else "INVALID_TOKEN", "errorMessage": message},
                    challenge,
                )
            try:
                checked = api.check(
                    method, path, query, self.headers, self.headers.get("Content-Type", ""), raw_body
                )
            except RequestRefused as refusal:
                text = "; ".join(refusal.errors)
                if directory_side:
                    return directory_error(refusal.status, "request does not conform to the annex", text)
                code = {
                    404: "MISSING_RESOURCE",
                    405: "METHOD_NOT_ALLOWED",
                    415: "UNSUPPORTED_MEDIA_TYPE",
                }.get(
                    refusal.status, "MISSING_REQUIRED_FIELD" if refusal.missing_field else "INVALID_REQUEST"
                )
                return flow_error(refusal.status, code, text)
            reply = (
                sandbox.directory_call(checked) if directory_side else sandbox.flow_call(supplier, checked)
            )
        else:
            return flow_error(404, "MISSING_RESOURCE", f"no API at {path}")
        if sandbox.roll(faults.commit_then_drop_rate, path):
            raise DroppedAfterCommit()
        delay = rate_for(faults.answer_delay_ms, path)
        if delay > 0:
            time.sleep(delay / 1000.0)
        return reply


class PaSandboxServer(LocalServer[PaSandbox]):
    """The local approved platform over real HTTP (``port=0``: a free port; read ``url``)."""

    handler_class = _Handler
    thread_name = "pa-sandbox"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        directory: Path | None = None,
        profile: str = "realistic",
        clock_speed: float = 1.0,
        state_file: Path | None = None,
    ) -> None:
        sandbox = PaSandbox(
            load_pa_directory(directory), profile=profile, clock_speed=clock_speed, state_file=state_file
        )
        super().__init__(host, port, sandbox)

    @property
    def sandbox(self) -> PaSandbox:
        """Everything behind the HTTP layer."""
        return self.app

    def flush_state(self) -> None:
        """Write the state file's pending change, when there is a state file."""
        if self.sandbox.state is not None:
            self.sandbox.state.flush()

    def connection(self, supplier_siren: str | None = None) -> dict[str, Any]:
        """The Airflow connection (``pa_<id>``, JSON form) reaching this sandbox as a supplier."""
        suppliers = self.sandbox.directory.suppliers
        supplier = (
            next((s for s in suppliers if s.siren == supplier_siren), None)
            if supplier_siren
            else suppliers[0]
        )
        if supplier is None:
            raise KeyError(f"no supplier {supplier_siren} in the PA sandbox directory")
        return {
            "conn_type": "http",
            "host": f"{self.url}{FLOW_MOUNT}",
            "login": supplier.client_id,
            "password": supplier.client_secret,
            "extra": {
                "token_url": f"{self.url}{TOKEN_PATH}",
                "directory_url": f"{self.url}{DIRECTORY_MOUNT}",
            },
        }

    def connection_json(self, supplier_siren: str | None = None) -> str:
        """``connection()`` as one JSON line."""
        return json.dumps(self.connection(supplier_siren), ensure_ascii=False)
