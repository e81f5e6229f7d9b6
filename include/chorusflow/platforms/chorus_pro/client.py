"""The Chorus Pro API client.

Every API call goes through one private method, ``_request``: it takes a token, paces the call,
sends it with connect and read timeouts, reads ``codeRetour`` (on 200 and on 400) and turns every
failure into one typed error of ``chorusflow.platforms.chorus_pro.errors``. Public methods only build a
request
model, call ``_request`` and parse the answer. One client may be shared by several threads.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ValidationError
from urllib3.exceptions import NewConnectionError

from chorusflow import __version__
from chorusflow.platforms.chorus_pro.config import ChorusProConfig
from chorusflow.platforms.chorus_pro.errors import (
    AuthenticationError,
    BadRequestError,
    ChorusProError,
    ChorusProTimeoutError,
    ConnectionLostError,
    DuplicateInvoiceError,
    ForbiddenError,
    FunctionalError,
    InvalidClientError,
    InvalidResponseError,
    RateLimitedError,
    ServerError,
    TechnicalAccountError,
    is_duplicate_invoice,
    is_no_result,
)
from chorusflow.platforms.chorus_pro.models import (
    AttachmentUploadAnswer,
    AttachmentUploadRequest,
    BankAccount,
    BankAccountsAnswer,
    BankAccountsRequest,
    CompleteInvoiceRequest,
    CompleteInvoiceResponse,
    CompletionAttachment,
    DepositFluxRequest,
    DepositFluxResponse,
    EmptyRequest,
    FluxReport,
    FluxReportRequest,
    HandleRejectionRequest,
    HandleRejectionResponse,
    InvoiceDetails,
    InvoiceHistory,
    InvoiceHistoryRequest,
    InvoiceLookupRequest,
    InvoiceRecipient,
    Page,
    RecycleInvoiceRequest,
    RecycleInvoiceResponse,
    RecycleReferences,
    RejectedPaymentRequest,
    RequestModel,
    Service,
    ServiceDetails,
    ServiceLookupRequest,
    ServicePaging,
    ServiceSearchRequest,
    SiretInformation,
    SiretInformationRequest,
    SortColumn,
    SortDirection,
    Structure,
    StructureCriteria,
    StructureDetails,
    StructureLookupRequest,
    StructurePaging,
    StructureSearchRequest,
    SubmitInvoiceRequest,
    SubmitInvoiceResponse,
    SupplierInvoicePage,
    SupplierInvoicePaging,
    SupplierInvoiceRow,
    SupplierInvoiceSearch,
    SupplierInvoiceSearchRequest,
    SupplierStructure,
    SupplierStructuresAnswer,
)
from chorusflow.platforms.chorus_pro.ratelimit import LocalPacer, Pacer
from chorusflow.settings import settings

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json;charset=utf-8"
MAX_PAGES = 1000  # a safety net: no real search of a supplier has that many pages
MAX_CONNECT_TIMEOUT = 10.0
FIRST_FUNCTIONAL_CODE = 20000  # below, a codeRetour merely echoes the HTTP status (400, 401...)
MAX_429_WAIT_SECONDS = 60.0  # total wait for one call, whatever Retry-After says


class Operation:
    """Paths of the Chorus Pro operations the client calls."""

    STRUCTURE_SEARCH = "/cpro/structures/v1/rechercher"
    STRUCTURE_LOOKUP = "/cpro/structures/v1/consulter"
    SERVICE_SEARCH = "/cpro/structures/v1/rechercher/services"
    SERVICE_LOOKUP = "/cpro/structures/v1/consulter/service"
    SUPPLIER_STRUCTURES = "/cpro/transverses/v1/recuperer/structures/actives/fournisseur"
    BANK_ACCOUNTS = "/cpro/transverses/v1/recuperer/coordbanc/valides"
    ATTACHMENT_UPLOAD = "/cpro/transverses/v1/ajouter/fichier"
    FLUX_REPORT = "/cpro/transverses/v1/consulterCRDetaille"
    SIRET_INFORMATION = "/cpro/transverses/v1/consulter/information/siret"
    SUBMIT_INVOICE = "/cpro/factures/v1/soumettre"
    DEPOSIT_FLUX = "/cpro/factures/v1/deposer/flux"
    SUPPLIER_INVOICE_SEARCH = "/cpro/factures/v1/rechercher/fournisseur"
    INVOICE_LOOKUP = "/cpro/factures/v1/consulter/fournisseur"
    INVOICE_HISTORY = "/cpro/factures/v1/consulter/historique"
    COMPLETE_INVOICE = "/cpro/factures/v1/completer"
    RECYCLE_INVOICE = "/cpro/factures/v1/recycler"
    HANDLE_REJECTION = "/cpro/factures/v1/traiterRejet"


TOKEN_OPERATION = "PISTE token"

#: Operations that only read. A passing error on one of them is resent at once (a few times, with a
#: short backoff): nothing changed on Chorus Pro, so this is safe, and it spares a whole task retry.
#: Deposits and other writes are never resent here; the submission protocol decides for them.
READ_ONLY_OPERATIONS = frozenset(
    {
        Operation.STRUCTURE_SEARCH,
        Operation.STRUCTURE_LOOKUP,
        Operation.SERVICE_SEARCH,
        Operation.SERVICE_LOOKUP,
        Operation.SUPPLIER_STRUCTURES,
        Operation.BANK_ACCOUNTS,
        Operation.FLUX_REPORT,
        Operation.SIRET_INFORMATION,
        Operation.SUPPLIER_INVOICE_SEARCH,
        Operation.INVOICE_LOOKUP,
        Operation.INVOICE_HISTORY,
    }
)
MAX_READ_RETRY_PAUSE_SECONDS = 5.0
AnswerT = TypeVar("AnswerT", bound=BaseModel)


class ChorusProClient:
    """Typed access to the Chorus Pro operations a supplier needs (structures, invoices, statuses).

    ``on_new_token`` is called with each new bearer token (the Airflow hook masks it in logs).
    ``pacer`` paces every HTTP request and is told of every 429; without one, the client paces its
    own threads at :func:`api_rate` (the fallback when no shared quota store is given).
    """

    def __init__(
        self,
        config: ChorusProConfig,
        session: requests.Session | None = None,
        on_new_token: Callable[[str], None] | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.config = config
        self._session = session if session is not None else requests.Session()
        self._owns_session = session is None
        self._on_new_token = on_new_token
        self._cpro_account = config.cpro_account_header()
        self._timeouts = (min(config.timeout, MAX_CONNECT_TIMEOUT), config.timeout)
        self._pacer = pacer if pacer is not None else LocalPacer(api_rate(config))
        # How many times a call answered 429 (never processed, so safe to resend) is sent again.
        self._rate_limit_retries = settings().api_429_retries
        self._read_retries = settings().api_read_retries
        self._token_lock = threading.Lock()
        self._token: str | None = None
        self._token_refresh_at = 0.0

    def __repr__(self) -> str:
        return f"ChorusProClient(base_url={self.config.base_url!r}, login={self.config.login!r})"

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> ChorusProClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------------
    # Structures

    def find_structure(self, siret: str) -> Structure | None:
        """The structure registered under this SIRET, or ``None`` when Chorus Pro does not know it."""
        wanted = siret.replace(" ", "")
        matches = [
            structure
            for structure in self.search_structures(
                identifiant_structure=wanted, type_identifiant_structure="SIRET"
            )
            if (structure.identifiant_structure or "").replace(" ", "") == wanted
        ]
        matches.sort(key=lambda structure: not structure.is_active)  # an active one first
        return matches[0] if matches else None

    def search_structures(self, page_size: int = 100, **filters: Any) -> list[Structure]:
        """Every structure matching the filters (snake_case names of ``StructureCriteria``), all pages.

        ``restreindre_structures_privees`` is accepted too.
        """
        restrict = filters.pop("restreindre_structures_privees", None)
        unknown = sorted(set(filters) - set(StructureCriteria.model_fields))
        if unknown:
            raise TypeError(f"unknown structure filter(s): {', '.join(unknown)}")
        criteria = StructureCriteria(**filters)

        def request_for(page: int) -> RequestModel:
            return StructureSearchRequest(
                structure=criteria,
                parametres=StructurePaging(page_size=page_size, page=page),
                restreindre_structures_privees=restrict,
            )

        found: list[Structure] = []
        for _page, _pages, _total, rows in self._pages(
            Operation.STRUCTURE_SEARCH, request_for, "listeStructures", page_size
        ):
            found.extend(_parse_rows(Structure, rows, Operation.STRUCTURE_SEARCH)[0])
        return found

    def get_structure(self, id_structure_cpp: int) -> StructureDetails:
        """Details of a structure, above all what it requires (service code, engagement number)."""
        request = StructureLookupRequest(id_structure_cpp=id_structure_cpp)
        return self._call(Operation.STRUCTURE_LOOKUP, request, StructureDetails)

    def list_services(self, id_structure: int, page_size: int = 100) -> list[Service]:
        """Every service of a structure (active or not), all pages."""

        def request_for(page: int) -> RequestModel:
            return ServiceSearchRequest(
                id_structure=id_structure, paging=ServicePaging(page_size=page_size, page=page)
            )

        services: list[Service] = []
        for _page, _pages, _total, rows in self._pages(
            Operation.SERVICE_SEARCH, request_for, "listeServices", page_size
        ):
            services.extend(_parse_rows(Service, rows, Operation.SERVICE_SEARCH)[0])
        return services

    def get_service(self, id_structure: int, id_service: int) -> ServiceDetails:
        """Details of one service, e.g. whether it requires an engagement number."""
        request = ServiceLookupRequest(id_structure=id_structure, id_service=id_service)
        return self._call(Operation.SERVICE_LOOKUP, request, ServiceDetails)

    # ----------------------------------------------------------------------------------------------
    # Transverses

    def list_supplier_structures(self) -> list[SupplierStructure]:
        """Structures our technical account may invoice for (gives our own ``idStructureCPP``)."""
        answer = self._call(Operation.SUPPLIER_STRUCTURES, EmptyRequest(), SupplierStructuresAnswer)
        return list(answer.liste_structures)

    def list_bank_accounts(self, id_structure: int) -> list[BankAccount]:
        """Bank accounts registered on Chorus Pro for the supplier structure ``id_structure``."""
        request = BankAccountsRequest(id_structure=id_structure)
        answer = self._call(Operation.BANK_ACCOUNTS, request, BankAccountsAnswer)
        return list(answer.liste_coordonnee_bancaire)

    def siret_information(self, siret: str) -> SiretInformation:
        """INSEE's data on ``siret`` as Chorus Pro relays them (its legal category); not on qualification."""
        request = SiretInformationRequest(siret_structure=siret)
        return self._call(Operation.SIRET_INFORMATION, request, SiretInformation)

    def upload_attachment(self, filename: str, content: bytes, mime_type: str = "application/pdf") -> int:
        """Upload a file (≤ 10 MB, name ≤ 50 characters with an extension); return its ``pieceJointeId``."""
        extension = PurePosixPath(filename).suffix.lstrip(".").lower()
        if not extension:
            raise ValueError(f"attachment name {filename!r} needs an extension (e.g. .pdf)")
        request = AttachmentUploadRequest(
            piece_jointe_fichier=base64.b64encode(content).decode("ascii"),
            piece_jointe_nom=filename,
            piece_jointe_type_mime=mime_type,
            piece_jointe_extension=extension,
        )
        return self._call(Operation.ATTACHMENT_UPLOAD, request, AttachmentUploadAnswer).piece_jointe_id

    def get_flux_report(self, numero_flux_depot: str) -> FluxReport:
        """Processing report of a deposited flux (``consulterCRDetaille``)."""
        return self._call(
            Operation.FLUX_REPORT, FluxReportRequest(numero_flux_depot=numero_flux_depot), FluxReport
        )

    # ----------------------------------------------------------------------------------------------
    # Factures

    def submit_invoice(self, request: SubmitInvoiceRequest) -> SubmitInvoiceResponse:
        """Deposit one structured invoice (``soumettre``). Not idempotent: see ``outcome_unknown``."""
        return self._call(Operation.SUBMIT_INVOICE, request, SubmitInvoiceResponse)

    def deposit_flux(self, filename: str, content: bytes, syntaxe_flux: str) -> DepositFluxResponse:
        """Deposit an invoice file (UBL, CII, Factur-X...) as a flux; follow it with ``get_flux_report``."""
        request = DepositFluxRequest.model_validate(
            {
                "fichier_flux": base64.b64encode(content).decode("ascii"),
                "nom_fichier": filename,
                "syntaxe_flux": syntaxe_flux,
            }
        )
        return self._call(Operation.DEPOSIT_FLUX, request, DepositFluxResponse)

    def iter_supplier_invoice_pages(
        self, criteria: SupplierInvoiceSearch | None = None, page_size: int = 100
    ) -> Iterator[SupplierInvoicePage]:
        """Our invoices matching the criteria, one page at a time, up to the last page.

        Rows that do not parse are returned raw in ``malformed_rows`` instead of stopping the search.
        """
        filters = (criteria or SupplierInvoiceSearch()).model_dump(exclude_none=True)

        def request_for(page: int) -> RequestModel:
            return SupplierInvoiceSearchRequest(
                **filters, paging=SupplierInvoicePaging(page=page, page_size=page_size)
            )

        for page, pages, total, rows in self._pages(
            Operation.SUPPLIER_INVOICE_SEARCH, request_for, "listeFactures", page_size
        ):
            parsed, malformed = _parse_rows(SupplierInvoiceRow, rows, Operation.SUPPLIER_INVOICE_SEARCH)
            yield SupplierInvoicePage(
                page=page, pages=pages, total=total, rows=parsed, malformed_rows=malformed
            )

    def get_supplier_invoice_page(
        self,
        criteria: SupplierInvoiceSearch | None = None,
        page: int = 1,
        page_size: int = 100,
        sort: tuple[SortColumn, SortDirection] | None = None,
    ) -> SupplierInvoicePage:
        """One page of the supplier search, for callers that retry or skip a failing page themselves.

        ``sort`` is (``triColonne``, ``triSens``); the platform's default is the deposit date, newest first.
        """
        filters = (criteria or SupplierInvoiceSearch()).model_dump(exclude_none=True)
        column, direction = sort or (None, None)
        wanted = SupplierInvoicePaging(
            page=page, page_size=page_size, sort_column=column, sort_direction=direction
        )
        request = SupplierInvoiceSearchRequest(**filters, paging=wanted)
        try:
            payload = self._request(Operation.SUPPLIER_INVOICE_SEARCH, request.to_body())
        except FunctionalError as error:
            if is_no_result(error.code_retour, error.libelle):
                return SupplierInvoicePage(page=page, pages=0, total=0)
            raise
        raw_rows = payload.get("listeFactures")
        rows: list[Any] = [raw_rows] if isinstance(raw_rows, dict) else list(raw_rows or [])
        paging = _parse_paging(payload)
        pages = paging.pages if paging.pages is not None else (page if len(rows) < page_size else page + 1)
        parsed, malformed = _parse_rows(SupplierInvoiceRow, rows, Operation.SUPPLIER_INVOICE_SEARCH)
        return SupplierInvoicePage(
            page=page,
            pages=max(pages, page if rows else 0),
            total=paging.total if paging.total is not None else len(rows),
            rows=parsed,
            malformed_rows=malformed,
        )

    def search_supplier_invoices(
        self, criteria: SupplierInvoiceSearch | None = None, page_size: int = 100
    ) -> list[SupplierInvoiceRow]:
        """Every invoice matching the criteria (all pages; malformed rows are logged and skipped)."""
        return [row for page in self.iter_supplier_invoice_pages(criteria, page_size) for row in page.rows]

    def find_invoice_by_number(
        self, numero_facture: str, year: int | None = None
    ) -> SupplierInvoiceRow | None:
        """Our invoice with exactly this number, or ``None`` (the first one if several answer).

        Numbers are unique per supplier and per year of the invoice date, so ``year`` narrows the
        search to invoices dated that year. Raises ``InvalidResponseError`` (outcome unknown) if a
        matching row cannot be parsed, so a caller never concludes "absent" from an answer it could
        not read. Callers that must tell one match from several use :meth:`find_invoices_by_number`.
        """
        rows = self.find_invoices_by_number(numero_facture, year)
        return rows[0] if rows else None

    def find_invoices_by_number(
        self, numero_facture: str, year: int | None = None
    ) -> list[SupplierInvoiceRow]:
        """Every invoice of ours with exactly this number (within ``year`` when given), all pages."""
        criteria = SupplierInvoiceSearch(numero_facture=numero_facture)
        if year is not None:
            criteria = SupplierInvoiceSearch(
                numero_facture=numero_facture,
                invoice_date_from=date(year, 1, 1),
                invoice_date_to=date(year, 12, 31),
            )
        found: list[SupplierInvoiceRow] = []
        for page in self.iter_supplier_invoice_pages(criteria):
            found.extend(row for row in page.rows if row.numero_facture == numero_facture)
            if any(str(raw.get("numeroFacture")) == numero_facture for raw in page.malformed_rows):
                raise InvalidResponseError(
                    f"{Operation.SUPPLIER_INVOICE_SEARCH}: the row of invoice {numero_facture} is unreadable",
                    operation=Operation.SUPPLIER_INVOICE_SEARCH,
                )
        return found

    def get_invoice(self, identifiant_facture_cpp: int) -> InvoiceDetails:
        """One of our invoices as Chorus Pro holds it (``consulter/fournisseur``)."""
        request = InvoiceLookupRequest(identifiant_facture_cpp=identifiant_facture_cpp)
        payload = self._request(Operation.INVOICE_LOOKUP, request.to_body())
        invoice = payload.get("facture", payload)
        return _parse_answer(
            InvoiceDetails, invoice if isinstance(invoice, dict) else {}, Operation.INVOICE_LOOKUP
        )

    def get_invoice_history(self, identifiant_facture_cpp: int) -> InvoiceHistory:
        """Current status of an invoice and its status changes, newest first."""
        request = InvoiceHistoryRequest(id_facture=identifiant_facture_cpp)
        return self._call(Operation.INVOICE_HISTORY, request, InvoiceHistory)

    def complete_invoice(
        self, identifiant_facture_cpp: int, comment: str, attachment_ids: Sequence[int] = ()
    ) -> CompleteInvoiceResponse:
        """Answer a SUSPENDUE invoice with a comment and supporting documents (``completer``)."""
        attachments = [
            CompletionAttachment(designation=f"Complément {index}", id=attachment_id)
            for index, attachment_id in enumerate(attachment_ids, start=1)
        ]
        request = CompleteInvoiceRequest(
            identifiant_facture_cpp=identifiant_facture_cpp,
            commentaire=comment,
            piece_jointe_complementaire=attachments or None,
        )
        return self._call(Operation.COMPLETE_INVOICE, request, CompleteInvoiceResponse)

    def recycle_invoice(
        self,
        identifiant_facture_cpp: int,
        code_destinataire: str,
        code_service_executant: str | None,
        numero_bon_commande: str | None,
        comment: str | None = None,
    ) -> RecycleInvoiceResponse:
        """Re-route an A_RECYCLER invoice (recipient SIRET, service code, engagement number)."""
        request = RecycleInvoiceRequest(
            identifiant_facture_cpp=identifiant_facture_cpp,
            destinataire=InvoiceRecipient(
                code_destinataire=code_destinataire, code_service_executant=code_service_executant
            ),
            reference=RecycleReferences(numero_bon_commande=numero_bon_commande)
            if numero_bon_commande
            else None,
            commentaire=comment,
        )
        return self._call(Operation.RECYCLE_INVOICE, request, RecycleInvoiceResponse)

    def acknowledge_rejection(self, identifiant_facture_cpp: int) -> HandleRejectionResponse:
        """Mark a REJETEE invoice's rejection as handled by the supplier (``traiterRejet``)."""
        request = HandleRejectionRequest(
            liste_demande_paiement=[RejectedPaymentRequest(id_demande_paiement=identifiant_facture_cpp)]
        )
        return self._call(Operation.HANDLE_REJECTION, request, HandleRejectionResponse)

    # ----------------------------------------------------------------------------------------------
    # The request path

    def _call(self, operation: str, request: RequestModel, answer_type: type[AnswerT]) -> AnswerT:
        """Send a request model and parse the answer into ``answer_type``."""
        return _parse_answer(answer_type, self._request(operation, request.to_body()), operation)

    def _request(self, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """The one path of every API call: token, pacing, send, codeRetour check, error mapping.

        A call is resent here only when that cannot deposit anything twice: a read-only operation that
        met a passing error, or any call whose token could not be fetched (it never left).
        """
        for resend in range(self._read_retries + 1):
            try:
                return self._request_once(operation, body)
            except ChorusProError as error:
                if resend == self._read_retries or not _safe_to_resend(operation, error):
                    raise
                pause = min(0.2 * 2**resend, MAX_READ_RETRY_PAUSE_SECONDS) + random.uniform(0, 0.1)
                logger.info(
                    "Chorus Pro %s: %s, sending again in %.1f s", operation, type(error).__name__, pause
                )
                time.sleep(pause)
        raise AssertionError("unreachable")  # the last resend returns or raises

    def _request_once(self, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """One call: token, pacing, send, codeRetour check, error mapping."""
        url = f"{self.config.base_url}{operation}"
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        refused_token: str | None = None
        while True:
            token = self._access_token(refused=refused_token)
            headers = {
                "Authorization": f"Bearer {token}",
                "cpro-account": self._cpro_account,
                "Content-Type": JSON_CONTENT_TYPE,
                "Accept": JSON_CONTENT_TYPE,
                "User-Agent": f"chorusflow/{__version__}",
            }
            response, elapsed = self._send(operation, url, data, headers, reaches_api=True)
            if response.status_code == 401 and refused_token is None:
                # The token may have expired early: one refresh, one retry (a 401 is never processed).
                _log_call(operation, response.status_code, None, elapsed, "token refused, retrying once")
                refused_token = token
                continue
            return self._interpret(operation, response, elapsed)

    def _send(
        self,
        operation: str,
        url: str,
        data: bytes | dict[str, str],
        headers: dict[str, str],
        *,
        reaches_api: bool,
    ) -> tuple[requests.Response, float]:
        """Pace, send and read one HTTP request; map transport failures to typed errors.

        An HTTP 429 was not processed, so the same request is sent again after ``Retry-After`` (or a
        short backoff), at most ``CHORUSFLOW_API_429_RETRIES`` times; the last 429 is returned. The
        wait is a hold on the pacer: everyone sharing the quota waits, not just this call.
        """
        waited = 0.0
        for resend in range(self._rate_limit_retries + 1):
            response, elapsed = self._send_once(operation, url, data, headers, reaches_api=reaches_api)
            if response.status_code != 429 or resend == self._rate_limit_retries:
                break
            pause = _retry_after(response)
            pause = min(pause if pause is not None else 0.25 * 2**resend, 10.0) + random.uniform(0, 0.1)
            if waited + pause > MAX_429_WAIT_SECONDS:
                break
            _log_call(operation, 429, None, elapsed, f"rate limited, sending again in {pause:.1f} s")
            self._pacer.hold_off(pause)
            waited += pause
        return response, elapsed

    def _send_once(
        self,
        operation: str,
        url: str,
        data: bytes | dict[str, str],
        headers: dict[str, str],
        *,
        reaches_api: bool,
    ) -> tuple[requests.Response, float]:
        """Pace, send and read one HTTP request once."""
        self._pacer.acquire()
        started = time.monotonic()
        try:
            response = self._session.post(
                url, data=data, headers=headers, timeout=self._timeouts, allow_redirects=False
            )
            _ = response.content  # read the body here: a dropped connection surfaces now
        except requests.exceptions.RequestException as error:
            failure = self._transport_error(operation, url, error, reaches_api)
            logger.warning(
                "Chorus Pro %s: %s after %.0f ms (outcome %s)",
                operation,
                type(failure).__name__,
                (time.monotonic() - started) * 1000,
                "unknown" if failure.outcome_unknown else "known",
            )
            raise failure from None
        return response, time.monotonic() - started

    def _transport_error(
        self, operation: str, url: str, error: requests.exceptions.RequestException, reaches_api: bool
    ) -> ChorusProError:
        """The typed error for a request that got no complete HTTP answer."""
        if isinstance(error, requests.exceptions.ConnectTimeout):
            return ConnectionLostError(
                f"{operation}: could not connect to {_host(url)} (connection timeout)",
                operation=operation,
                outcome_unknown=False,
            )
        if isinstance(error, requests.exceptions.ReadTimeout):
            return ChorusProTimeoutError(
                f"{operation}: no answer within {self.config.timeout:g} s",
                operation=operation,
                outcome_unknown=reaches_api,
            )
        if isinstance(error, requests.exceptions.ConnectionError):
            sent = not _never_connected(error)
            what = "connection lost after the request was sent" if sent else "connection refused"
            return ConnectionLostError(
                f"{operation}: {what} ({_host(url)})",
                operation=operation,
                outcome_unknown=sent and reaches_api,
            )
        # ChunkedEncodingError, ContentDecodingError...: the answer broke while being read.
        return ConnectionLostError(
            f"{operation}: the answer could not be read ({type(error).__name__})",
            operation=operation,
            outcome_unknown=reaches_api,
        )

    def _interpret(self, operation: str, response: requests.Response, elapsed: float) -> dict[str, Any]:
        """Turn an HTTP answer into its JSON payload, or raise the matching typed error."""
        status = response.status_code
        payload = _json_body(response)
        code_retour, libelle = _envelope(payload)
        _log_call(operation, status, code_retour, elapsed)
        context: dict[str, Any] = {
            "operation": operation,
            "http_status": status,
            "code_retour": code_retour,
            "libelle": libelle,
        }
        if 200 <= status < 300:
            if not isinstance(payload, dict):
                raise InvalidResponseError(
                    f"{operation}: HTTP {status} without a JSON object body", **context
                )
            if code_retour:
                raise _functional_error(operation, code_retour, libelle, context)
            return payload
        if status == 400 and code_retour and code_retour >= FIRST_FUNCTIONAL_CODE:
            # Some gateways answer business refusals with HTTP 400 and a codeRetour body.
            raise _functional_error(operation, code_retour, libelle, context)
        detail = f": {libelle}" if libelle else ""
        if status == 401:
            raise self._authentication_error(operation, response, context)
        if status == 403:
            raise ForbiddenError(
                f"{operation}: access refused (HTTP 403): is the PISTE application subscribed to this API?",
                **context,
            )
        if status == 429:
            raise RateLimitedError(
                f"{operation}: too many requests (HTTP 429)", retry_after=_retry_after(response), **context
            )
        if status >= 500:
            raise ServerError(f"{operation}: Chorus Pro server error (HTTP {status}){detail}", **context)
        if 400 <= status < 500:
            raise BadRequestError(f"{operation}: request refused (HTTP {status}){detail}", **context)
        raise InvalidResponseError(f"{operation}: unexpected HTTP {status}", **context)

    @staticmethod
    def _authentication_error(
        operation: str, response: requests.Response, context: dict[str, Any]
    ) -> AuthenticationError:
        challenge = response.headers.get("WWW-Authenticate", "")
        lowered = challenge.lower()
        if "login" in lowered or "password" in lowered or "mot de passe" in lowered:
            return TechnicalAccountError(
                f"{operation}: Chorus Pro refused the technical account (login or password incorrect)",
                **context,
            )
        return AuthenticationError(f"{operation}: the access token was refused twice (HTTP 401)", **context)

    # ----------------------------------------------------------------------------------------------
    # OAuth token

    def _access_token(self, refused: str | None = None) -> str:
        """A valid bearer token, fetched once and shared; ``refused`` forces a new one unless another
        thread already replaced it."""
        with self._token_lock:
            fresh = self._token is not None and time.monotonic() < self._token_refresh_at
            if fresh and self._token != refused and self._token is not None:
                return self._token
            token, lifetime = self._fetch_token()
            margin = min(self.config.token_refresh_margin_seconds, lifetime / 10)
            self._token = token
            self._token_refresh_at = time.monotonic() + lifetime - margin
            if self._on_new_token is not None:
                self._on_new_token(token)
            return token

    def _fetch_token(self) -> tuple[str, float]:
        """POST the client credentials to the PISTE token URL; return the token and its lifetime."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret.get_secret_value(),
            "scope": "openid",
        }
        headers = {"Accept": "application/json", "User-Agent": f"chorusflow/{__version__}"}
        response, elapsed = self._send(
            TOKEN_OPERATION, self.config.token_url, form, headers, reaches_api=False
        )
        status = response.status_code
        _log_call(TOKEN_OPERATION, status, None, elapsed)
        payload = _json_body(response)
        context: dict[str, Any] = {
            "operation": TOKEN_OPERATION,
            "http_status": status,
            "outcome_unknown": False,
        }
        error_code = str(payload.get("error", "")) if isinstance(payload, dict) else ""
        if status == 200 and isinstance(payload, dict) and payload.get("access_token"):
            try:
                lifetime = float(payload.get("expires_in") or 3600)
            except (TypeError, ValueError):
                lifetime = 3600.0
            return str(payload["access_token"]), max(lifetime, 1.0)
        if status == 200:
            raise InvalidResponseError(f"{TOKEN_OPERATION}: HTTP 200 without an access_token", **context)
        if error_code == "invalid_client":
            raise InvalidClientError(
                f"{TOKEN_OPERATION}: PISTE refused the OAuth client id or secret (invalid_client)", **context
            )
        if status == 429:
            raise RateLimitedError(
                f"{TOKEN_OPERATION}: too many requests (HTTP 429)",
                retry_after=_retry_after(response),
                **context,
            )
        if status >= 500:
            raise ServerError(f"{TOKEN_OPERATION}: PISTE server error (HTTP {status})", **context)
        reason = f" ({error_code})" if error_code else ""
        raise AuthenticationError(
            f"{TOKEN_OPERATION}: token request refused (HTTP {status}){reason}", **context
        )

    def _pages(
        self, operation: str, request_for: Callable[[int], RequestModel], list_key: str, page_size: int
    ) -> Iterator[tuple[int, int, int, list[Any]]]:
        """Yield ``(page, pages, total, raw rows)`` from page 1 to the last one, never forever.

        Stops on an empty page, on the announced last page, on a page repeating the previous one,
        or after ``MAX_PAGES``. A "no result" functional code counts as an empty search.
        """
        previous: list[Any] | None = None
        for page in range(1, MAX_PAGES + 1):
            try:
                payload = self._request(operation, request_for(page).to_body())
            except FunctionalError as error:
                if is_no_result(error.code_retour, error.libelle):
                    yield page, 0, 0, []
                    return
                raise
            raw_rows = payload.get(list_key)
            rows: list[Any] = [raw_rows] if isinstance(raw_rows, dict) else list(raw_rows or [])
            paging = _parse_paging(payload)
            pages = (
                paging.pages if paging.pages is not None else (page if len(rows) < page_size else page + 1)
            )
            total = paging.total if paging.total is not None else len(rows)
            yield page, max(pages, page if rows else 0), total, rows
            if not rows or page >= pages or rows == previous:
                return
            previous = rows
        logger.warning("%s: stopped after %d pages", operation, MAX_PAGES)


def api_rate(config: ChorusProConfig) -> float | None:
    """Requests per second allowed to this PISTE application: the connection's
    ``rate_limit_per_second``, else ``CHORUSFLOW_API_RATE_LIMIT``, else no pacing (429s still held)."""
    return config.rate_limit_per_second or settings().api_rate_limit


def _functional_error(
    operation: str, code_retour: int, libelle: str | None, context: dict[str, Any]
) -> FunctionalError:
    """The typed error for a ``codeRetour`` ≠ 0, chosen from the code alone (never the libellé)."""
    text = (
        f"{operation}: Chorus Pro refused the request (codeRetour {code_retour}: {libelle or 'no libellé'})"
    )
    if is_duplicate_invoice(code_retour, operation):
        return DuplicateInvoiceError(text, **context)
    return FunctionalError(text, **context)


def _json_body(response: requests.Response) -> Any:
    """The decoded JSON body, or ``None`` when the body is empty or not JSON."""
    if not response.content:
        return None
    try:
        return json.loads(response.content.decode(response.encoding or "utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _envelope(payload: Any) -> tuple[int | None, str | None]:
    """``codeRetour`` (as an int, even when sent as a string) and ``libelle`` of a body."""
    if not isinstance(payload, dict):
        return None, None
    raw_code = payload.get("codeRetour")
    try:
        code = int(raw_code) if raw_code not in (None, "") else None
    except (TypeError, ValueError):
        code = None
    libelle = payload.get("libelle")
    return code, str(libelle) if libelle is not None else None


def _parse_paging(payload: dict[str, Any]) -> Page:
    """``parametresRetour``, or the same keys at the top level of the answer."""
    source = payload.get("parametresRetour")
    try:
        return Page.model_validate(source if isinstance(source, dict) else payload)
    except ValidationError:
        return Page()


def _parse_answer(answer_type: type[AnswerT], payload: dict[str, Any], operation: str) -> AnswerT:
    try:
        return answer_type.model_validate(payload)
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in item["loc"]) for item in error.errors()})
        raise InvalidResponseError(
            f"{operation}: unexpected answer (fields: {', '.join(fields)})",
            operation=operation,
            http_status=200,
        ) from None


RowT = TypeVar("RowT", bound=BaseModel)


def _parse_rows(
    row_type: type[RowT], rows: list[Any], operation: str
) -> tuple[list[RowT], list[dict[str, Any]]]:
    """Parse each row on its own: one bad row is set aside, never stops the others."""
    parsed: list[RowT] = []
    malformed: list[dict[str, Any]] = []
    for raw in rows:
        try:
            parsed.append(row_type.model_validate(raw))
        except ValidationError:
            malformed.append(raw if isinstance(raw, dict) else {"value": raw})
    if malformed:
        logger.warning("%s: %d row(s) could not be read and were set aside", operation, len(malformed))
    return parsed, malformed


def _safe_to_resend(operation: str, error: ChorusProError) -> bool:
    """Whether ``error`` on ``operation`` may be resent at once without any risk of a double deposit."""
    if not error.retryable:
        return False
    return operation in READ_ONLY_OPERATIONS or error.operation == TOKEN_OPERATION


def _retry_after(response: requests.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _never_connected(error: BaseException) -> bool:
    """Whether a connection error happened before any byte of the request could be sent."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, ConnectionRefusedError)):
            return True
        linked = [getattr(current, "reason", None), current.__cause__, current.__context__, *current.args]
        pending.extend(item for item in linked if isinstance(item, BaseException))
    return False


def _host(url: str) -> str:
    return urlsplit(url).netloc


def _log_call(operation: str, status: int, code_retour: int | None, elapsed: float, note: str = "") -> None:
    """One INFO line per HTTP exchange; never headers or bodies."""
    suffix = f" ({note})" if note else ""
    code = "-" if code_retour is None else code_retour
    logger.info(
        "Chorus Pro %s: HTTP %s, codeRetour %s, %.0f ms%s", operation, status, code, elapsed * 1000, suffix
    )


__all__ = ["ChorusProClient", "ChorusProError", "Operation", "api_rate"]
