"""The approved-platform client: AFNOR Flow Service (Annex A) and Directory Service (Annex B).

One request path, ``_request``: it takes an OAuth2 client-credentials token (cached until shortly
before it expires), sends with connect and read timeouts, and turns every failure into one typed
error of ``approved_platform.errors``, decided from the HTTP status and the annex's ``errorCode``,
never from ``errorMessage``. What may be resent at once is decided there too: a 429 or a 401 (the
request was not processed) always; other passing failures only for reads. A deposit is never resent
here: ``deposit.deposit_once`` searches by ``trackingId`` first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from pydantic import ValidationError
from urllib3.exceptions import NewConnectionError

from chorusflow.platforms.approved_platform.config import ApprovedPlatformConfig
from chorusflow.platforms.approved_platform.errors import (
    ApprovedPlatformError,
    AuthenticationError,
    BadRequestError,
    ConnectionLostError,
    FileTooLargeError,
    ForbiddenError,
    InvalidResponseError,
    NotFoundError,
    NotInDirectoryError,
    PlatformTimeoutError,
    RateLimitedError,
    ServerError,
)
from chorusflow.platforms.approved_platform.models import (
    AckStatus,
    DirectoryLine,
    Facility,
    Flow,
    FlowProfile,
    FlowSyntax,
    LegalUnit,
    SearchPage,
)

logger = logging.getLogger(__name__)

TOKEN_OPERATION = "PA token"
MAX_CONNECT_TIMEOUT = 10.0
RATE_LIMIT_RETRIES = 3  # a 429 was not processed: resent after Retry-After, this many times
MAX_429_WAIT_SECONDS = 60.0
READ_RETRIES = 2  # a passing failure of a read is resent at once, this many times
SEARCH_LIMIT = 100  # Annex A SearchFlowParams.limit maximum
MAX_PAGES = 1000
DIRECTORY_PAGE = 100


class ApprovedPlatformClient:
    """Typed access to a supplier's PA. ``on_new_token`` sees each new token (the hook masks it)."""

    def __init__(
        self,
        config: ApprovedPlatformConfig,
        session: requests.Session | None = None,
        on_new_token: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._session = session if session is not None else requests.Session()
        self._owns_session = session is None
        self._on_new_token = on_new_token
        self._sleep = sleep
        self._timeouts = (min(config.timeout, MAX_CONNECT_TIMEOUT), config.timeout)
        self._token_lock = threading.Lock()
        self._token: str | None = None
        self._token_refresh_at = 0.0

    def __repr__(self) -> str:
        return (
            f"ApprovedPlatformClient(flow_url={self.config.flow_url!r}, client_id={self.config.client_id!r})"
        )

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> ApprovedPlatformClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- Flow Service -------------------------------------------------------------------------------

    def submit_flow(
        self,
        tracking_id: str,
        name: str,
        syntax: FlowSyntax | str,
        profile: FlowProfile | str | None,
        file_bytes: bytes,
        *,
        processing_rule: str | None = None,
    ) -> Flow:
        """``POST /v1/flows``: one flow (``flowInfo`` + ``file``, with its ``sha256``); the 202's flow.

        Never resent here: on an error whose ``outcome_unknown`` is true, search by ``trackingId``.
        """
        info: dict[str, Any] = {
            "trackingId": tracking_id,
            "name": name,
            "flowSyntax": str(syntax),
            "sha256": hashlib.sha256(file_bytes).hexdigest(),
        }
        if profile is not None:
            info["flowProfile"] = str(profile)
        if processing_rule is not None:
            info["processingRule"] = processing_rule
        file_type = "application/pdf" if file_bytes.startswith(b"%PDF") else "application/xml"
        files = {
            "flowInfo": (None, json.dumps(info), "application/json"),
            "file": (name, file_bytes, file_type),
        }
        answer = self._request("POST /v1/flows", "POST", self._flow("/v1/flows"), files=files)
        return self._parse(Flow, answer, "POST /v1/flows")

    def search_flows(
        self,
        *,
        updated_after: datetime | None = None,
        flow_types: Sequence[str] | None = None,
        flow_directions: Sequence[str] | None = None,
        tracking_id: str | None = None,
        ack_status: AckStatus | str | None = None,
        limit: int = SEARCH_LIMIT,
    ) -> list[Flow]:
        """``POST /v1/flows/search``: one page of flows matching every filter given (one is required)."""
        where: dict[str, Any] = {}
        if updated_after is not None:
            where["updatedAfter"] = updated_after.isoformat()
        if flow_types:
            where["flowType"] = list(flow_types)
        if flow_directions:
            where["flowDirection"] = list(flow_directions)
        if tracking_id is not None:
            where["trackingId"] = tracking_id
        if ack_status is not None:
            where["ackStatus"] = str(ack_status)
        if not where:
            raise ValueError("search_flows needs at least one filter (Annex A SearchFlowFilters)")
        operation = "POST /v1/flows/search"
        body = {"where": where, "limit": limit}
        answer = self._request(operation, "POST", self._flow("/v1/flows/search"), json_body=body, read=True)
        return list(self._parse(SearchPage, answer, operation).results)

    def iter_flows(
        self, *, updated_after: datetime, page_size: int = SEARCH_LIMIT, **filters: Any
    ) -> Iterator[Flow]:
        """Every flow updated after ``updated_after``, paging by ``updatedAfter`` (Annex A 1.1.0 has
        no offset): the next page starts after the latest ``updatedAt`` of the previous one."""
        since = updated_after
        for _ in range(MAX_PAGES):
            page = self.search_flows(updated_after=since, limit=page_size, **filters)
            yield from page
            stamps = [flow.updated_at for flow in page if flow.updated_at is not None]
            if len(page) < page_size or not stamps or max(stamps) <= since:
                return
            since = max(stamps)

    def get_flow(self, flow_id: str) -> Flow:
        """``GET /v1/flows/{flowId}``: the flow's metadata, acknowledgement included."""
        operation = "GET /v1/flows/{flowId}"
        answer = self._request(operation, "GET", self._flow(f"/v1/flows/{flow_id}"), read=True)
        return self._parse(Flow, answer, operation)

    def get_flow_file(self, flow_id: str, doc_type: str = "Original") -> bytes:
        """``GET /v1/flows/{flowId}?docType=...``: the flow's file (``Original``, ``Converted``...)."""
        operation = "GET /v1/flows/{flowId}"
        params = {"docType": doc_type}
        answer = self._request(operation, "GET", self._flow(f"/v1/flows/{flow_id}"), params=params, read=True)
        return answer.content

    # -- Directory Service --------------------------------------------------------------------------

    def legal_unit(self, siren: str) -> LegalUnit:
        """``GET /v1/siren/code-insee:{siren}``; :class:`NotInDirectoryError` when absent."""
        operation = "GET /v1/siren/code-insee:{siren}"
        answer = self._directory_get(operation, f"/v1/siren/code-insee:{siren}")
        return self._parse(LegalUnit, answer, operation)

    def facility(self, siret: str) -> Facility:
        """``GET /v1/siret/code-insee:{siret}``; :class:`NotInDirectoryError` when absent."""
        operation = "GET /v1/siret/code-insee:{siret}"
        answer = self._directory_get(operation, f"/v1/siret/code-insee:{siret}")
        return self._parse(Facility, answer, operation)

    def directory_lines(self, siren: str) -> list[DirectoryLine]:
        """Every directory line of a SIREN (``POST /v1/directory-line/search``, paged). Annex B's SIREN
        filter only has ``contains``: lines of another SIREN containing this one are left out."""
        operation = "POST /v1/directory-line/search"
        lines: list[DirectoryLine] = []
        for page in range(MAX_PAGES):
            body = {
                "filters": {"siren": {"op": "contains", "value": siren}},
                "limit": DIRECTORY_PAGE,
                "ignore": page * DIRECTORY_PAGE,
            }
            url = self._directory("/v1/directory-line/search")
            answer = self._request(operation, "POST", url, json_body=body, read=True)
            payload = self._json(answer, operation)
            try:
                found = [DirectoryLine.model_validate(item) for item in payload.get("results", [])]
                total = int(payload.get("totalNumberOfResults", len(found)))
            except (ValidationError, TypeError, ValueError, AttributeError):
                raise self._invalid(operation, answer) from None
            lines += found
            if not found or len(lines) >= total:
                break
        return [line for line in lines if line.siren == siren]

    def electronic_address(self, siren: str, siret: str | None = None) -> DirectoryLine:
        """The directory line invoices to ``siren`` (and ``siret``) go to: the facility's own line when
        it has one, else the SIREN's line (no SIRET, no routing code). Never a guess: no such line is
        :class:`NotInDirectoryError` (rule code ``PA-DIRECTORY-ABSENT``)."""
        lines = self.directory_lines(siren)
        plain = [line for line in lines if line.routing_code is None]
        chosen = next((line for line in plain if siret is not None and line.siret == siret), None)
        chosen = chosen or next((line for line in plain if line.siret is None), None)
        if chosen is None:
            where = f"SIREN {siren}" + (f", SIRET {siret}" if siret else "")
            raise NotInDirectoryError(
                f"the directory has no line receiving invoices for {where}",
                operation="POST /v1/directory-line/search",
                outcome_unknown=False,
            )
        return chosen

    # -- the one request path -----------------------------------------------------------------------

    def _flow(self, path: str) -> str:
        return self.config.flow_url + path

    def _directory(self, path: str) -> str:
        return self.config.directory_url + path

    def _directory_get(self, operation: str, path: str) -> requests.Response:
        try:
            return self._request(operation, "GET", self._directory(path), read=True)
        except NotFoundError as error:
            # Annex B's 404 has no body: the status alone says the entry is absent.
            raise NotInDirectoryError(
                f"{operation}: absent from the directory (HTTP 404)",
                operation=operation,
                http_status=404,
                outcome_unknown=False,
            ) from error

    def _request(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        files: Any = None,
        params: dict[str, str] | None = None,
        read: bool = False,
    ) -> requests.Response:
        """Send one annex call; a 2xx answer, or one typed error. ``read``: changes nothing."""
        rate_limited = passing = 0
        token_refreshed = False
        while True:
            try:
                return self._send_once(operation, method, url, json_body, files, params, read)
            except _TokenRefused:
                if token_refreshed:
                    raise AuthenticationError(
                        f"{operation}: HTTP 401 with a fresh token", operation=operation, http_status=401
                    ) from None
                token_refreshed = True
                self._forget_token()
            except RateLimitedError as error:
                rate_limited += 1
                if rate_limited > RATE_LIMIT_RETRIES:
                    raise
                self._sleep(min(error.retry_after or 1.0, MAX_429_WAIT_SECONDS))
            except ApprovedPlatformError as error:
                passing += 1
                if not (read and error.retryable) or passing > READ_RETRIES:
                    raise
                self._sleep(0.2 * 2**passing)

    def _send_once(
        self,
        operation: str,
        method: str,
        url: str,
        json_body: Any,
        files: Any,
        params: dict[str, str] | None,
        read: bool,
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._bearer()}", "Accept": "application/json"}
        if params and params.get("docType", "Metadata") != "Metadata":
            headers["Accept"] = "*/*"
        try:
            answer = self._session.request(
                method,
                url,
                headers=headers,
                json=json_body,
                files=files,
                params=params,
                timeout=self._timeouts,
            )
        except requests.ConnectTimeout:
            raise ConnectionLostError(
                f"{operation}: connection timed out before sending",
                operation=operation,
                outcome_unknown=False,
            ) from None
        except requests.Timeout:
            raise PlatformTimeoutError(
                f"{operation}: no answer within {self.config.timeout:g} s",
                operation=operation,
                outcome_unknown=not read,
            ) from None
        except requests.ConnectionError as error:
            refused = _never_sent(error)
            raise ConnectionLostError(
                f"{operation}: connection {'refused' if refused else 'lost'}",
                operation=operation,
                outcome_unknown=not (read or refused),
            ) from None
        if answer.status_code < 300:
            return answer
        raise self._error_for(operation, answer, read)

    def _error_for(self, operation: str, answer: requests.Response, read: bool) -> Exception:
        status = answer.status_code
        code, message = _error_body(answer)
        details = {
            "operation": operation,
            "http_status": status,
            "error_code": code,
            "error_message": message,
        }
        text = f"{operation}: HTTP {status}" + (f" {code}" if code else "")
        if status == 401:
            return _TokenRefused()
        if status == 429:
            return RateLimitedError(text, retry_after=_retry_after(answer), **details)
        if status >= 500:
            return ServerError(text, outcome_unknown=not read, **details)  # type: ignore[arg-type]
        if status == 403:
            return ForbiddenError(text, **details)  # type: ignore[arg-type]
        if status == 404:
            return NotFoundError(text, **details)  # type: ignore[arg-type]
        if status == 413:
            return FileTooLargeError(text, **details)  # type: ignore[arg-type]
        return BadRequestError(text, **details)  # type: ignore[arg-type]

    def _bearer(self) -> str:
        with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_refresh_at:
                self._token, lifetime = self._new_token()
                margin = min(self.config.token_refresh_margin_seconds, lifetime / 2)
                self._token_refresh_at = time.monotonic() + lifetime - margin
                if self._on_new_token is not None:
                    self._on_new_token(self._token)
            return self._token

    def _forget_token(self) -> None:
        with self._token_lock:
            self._token = None

    def _new_token(self) -> tuple[str, float]:
        """OAuth2 client-credentials grant (RFC 6749 4.4); the token and its lifetime in seconds."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret.get_secret_value(),
        }
        try:
            answer = self._session.post(self.config.token_url, data=form, timeout=self._timeouts)
        except requests.RequestException as error:
            # The token endpoint changes nothing on the platform: the outcome is never unknown.
            raise ConnectionLostError(
                f"{TOKEN_OPERATION}: {type(error).__name__}", operation=TOKEN_OPERATION, outcome_unknown=False
            ) from None
        if answer.status_code in (400, 401):
            raise AuthenticationError(
                f"{TOKEN_OPERATION}: client refused (HTTP {answer.status_code})",
                operation=TOKEN_OPERATION,
                http_status=answer.status_code,
            )
        if answer.status_code != 200:
            raise self._error_for(TOKEN_OPERATION, answer, read=True)
        payload = self._json(answer, TOKEN_OPERATION)
        token, lifetime = payload.get("access_token"), payload.get("expires_in", 3600)
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise self._invalid(TOKEN_OPERATION, answer)
        return token, float(lifetime)

    def _json(self, answer: requests.Response, operation: str) -> dict[str, Any]:
        try:
            payload = answer.json()
        except ValueError:
            raise self._invalid(operation, answer) from None
        if not isinstance(payload, dict):
            raise self._invalid(operation, answer)
        return payload

    def _parse(self, model: type[Any], answer: requests.Response, operation: str) -> Any:
        try:
            return model.model_validate(self._json(answer, operation))
        except ValidationError:
            raise self._invalid(operation, answer) from None

    @staticmethod
    def _invalid(operation: str, answer: requests.Response) -> InvalidResponseError:
        return InvalidResponseError(
            f"{operation}: HTTP {answer.status_code} with an unexpected body",
            operation=operation,
            http_status=answer.status_code,
        )


class _TokenRefused(Exception):
    """HTTP 401 from an annex call: the token expired or was revoked; one new token is tried."""


def _never_sent(error: requests.ConnectionError) -> bool:
    """Whether the connection failed before the request was sent (refused, unknown host)."""
    cause: object = error
    for _ in range(10):  # requests wraps urllib3's MaxRetryError, whose reason is the real cause
        if isinstance(cause, NewConnectionError):
            return True
        if not isinstance(cause, BaseException):
            return False
        cause = getattr(cause, "reason", None) or cause.__cause__ or cause.__context__
    return False


def _error_body(answer: requests.Response) -> tuple[str | None, str | None]:
    """Annex A's ``Error`` (``errorCode``, ``errorMessage``), when the answer carries one."""
    try:
        payload = answer.json()
    except ValueError:
        return None, None
    if not isinstance(payload, dict):
        return None, None
    code, message = payload.get("errorCode"), payload.get("errorMessage")
    return (code if isinstance(code, str) else None), (message if isinstance(message, str) else None)


def _retry_after(answer: requests.Response) -> float | None:
    """``Retry-After`` in seconds (RFC 9110: delta-seconds or an HTTP date), if given."""
    raw = answer.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
