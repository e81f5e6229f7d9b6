"""The invoice desk inside Airflow's own API server app (``create_app``), with Airflow's real login.

The plugin is mounted by Airflow's plugin manager from ``plugins/``; tokens come from ``POST
/auth/token`` of the simple auth manager; the ledger is reached through the ``chorusflow_ledger``
connection, as the DAGs reach it (SQLite and PostgreSQL).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pytest

from chorusflow.documents.invoice_pdf import invoice_pdf
from chorusflow.invoice import Invoice
from chorusflow.ledger import Ledger
from tests.desk.story import REJECTION_COMMENT, RUN_ID, SUSPENSION_COMMENT, Story, build_story
from tests.fixtures.ledger import airflow_conn_uri

PASSWORD = "desk-test-password"
DESK = "/chorusflow"
#: Secrets of a deployment: none may appear in a page or an answer of the desk.
CLIENT_SECRET = "piste-client-secret-4f9a"
TECHNICAL_PASSWORD = "cpro-technical-pw-77b1"
LEDGER_PASSWORD = "ledger-db-pw-5c3e"

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def airflow_app(tmp_path_factory: pytest.TempPathFactory, airflow_db: None) -> Iterator[TestClient]:
    """Airflow's API server app (core API, UI routes and plugins) with a known admin password."""
    from fastapi.testclient import TestClient

    passwords = tmp_path_factory.mktemp("auth") / "passwords.json"
    passwords.write_text(json.dumps({"admin": PASSWORD}), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:viewer")
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(passwords))
        patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "desk-tests-" + "x" * 64)
        from airflow.api_fastapi.app import create_app

        with TestClient(create_app(apps="core")) as client:
            yield client


@pytest.fixture(scope="module")
def token(airflow_app: TestClient) -> str:
    """A REST API token of the (viewer) admin user."""
    answer = airflow_app.post("/auth/token", json={"username": "admin", "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["access_token"])


@pytest.fixture
def desk(
    airflow_app: TestClient, token: str, ledger: Ledger, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Desk]:
    """The desk on the story ledger, with a Chorus Pro connection full of secrets beside it."""
    story = build_story(ledger)
    monkeypatch.setenv("AIRFLOW_CONN_CHORUSFLOW_LEDGER", airflow_conn_uri(ledger_url))
    monkeypatch.setenv(
        "AIRFLOW_CONN_CHORUS_PRO",
        json.dumps(
            {
                "conn_type": "chorus_pro",
                "login": "piste-client-id",
                "password": CLIENT_SECRET,
                "extra": {"technical_login": "TECH_x", "technical_password": TECHNICAL_PASSWORD},
            }
        ),
    )
    yield Desk(airflow_app, token, story)


class Desk:
    """Calls to the desk as a logged-in user."""

    def __init__(self, client: TestClient, token: str, story: Story) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.story = story

    def get(self, path: str, **params: str) -> Any:
        return self.client.get(f"{DESK}{path}", params=params, headers=self.headers, follow_redirects=False)


ROUTES = (
    "/",
    "/invoices",
    "/invoices.csv",
    "/invoices/1",
    "/invoices/1/pdf",
    "/to-handle",
    "/runs",
    "/icon.svg",
    "/api/invoices",
    "/api/invoices/1",
    "/api/invoices/by-number/F2026-0101",
    "/api/to-handle",
)


def test_no_route_answers_without_a_valid_login(desk: Desk) -> None:
    forged = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJhZG1pbiJ9.bm90LWEtc2lnbmF0dXJl"
    for path in ROUTES:
        anonymous = desk.client.get(f"{DESK}{path}", follow_redirects=False)
        assert "F2026" not in anonymous.text
        if path.startswith("/api/"):
            assert anonymous.status_code == 401, (path, anonymous.status_code)
        else:  # a page sends a logged-out person to Airflow's login page, coming back here after
            assert anonymous.status_code == 303, (path, anonymous.status_code)
            location = unquote(anonymous.headers["location"])
            assert "/login?next=" in location and f"{DESK}{path}" in location
        faked = desk.client.get(
            f"{DESK}{path}", headers={"Authorization": f"Bearer {forged}"}, follow_redirects=False
        )
        assert faked.status_code in (303, 401, 403), (path, faked.status_code)
        assert "F2026" not in faked.text
        cookie = desk.client.get(f"{DESK}{path}", cookies={"_token": forged}, follow_redirects=False)
        assert cookie.status_code in (303, 401, 403) and "F2026" not in cookie.text, path
    assert desk.get("/").status_code == 303


def test_the_navigation_lists_the_desk(desk: Desk) -> None:
    plugins = desk.client.get("/api/v2/plugins", headers=desk.headers).json()["plugins"]
    (plugin,) = [plugin for plugin in plugins if plugin["name"] == "chorusflow_desk"]
    assert plugin["fastapi_apps"][0]["url_prefix"] == DESK
    (view,) = plugin["external_views"]
    assert view["href"] == f"{DESK}/invoices" and view["url_route"] == "invoice-desk"
    assert view["destination"] == "nav" and view["nav_top_level"] is True


def test_the_list_filters_sorts_and_escapes(desk: Desk) -> None:
    page = desk.get("/invoices", chorus_status="SUSPENDUE")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "F2026-0101" in page.text and "F2026-0102" not in page.text
    assert "Bureau des factures" in page.text and SUSPENSION_COMMENT in page.text
    blocked = desk.get("/invoices", state="blocked")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in blocked.text and "<script>" not in blocked.text
    everything = desk.get("/invoices", sort="amount", order="desc")
    assert "30 facture(s), page 1 sur 1" in everything.text
    english = desk.get("/invoices", lang="en", amount_min="abc")
    assert "Invoice desk" in english.text
    assert "Filter “Min. amount incl. VAT” ignored: unreadable value (abc)." in english.text
    assert "30 invoice(s)" in english.text
    assert (
        "1 invoice(s)" in desk.get("/invoices", amount_min="1 148,40", amount_max="1148.40", lang="en").text
    )


def test_the_json_list_pages_and_reports_unreadable_filters(desk: Desk) -> None:
    body = desk.get("/api/invoices", page_size="10", page="3", sort="number").json()
    assert body["total"] == 30 and body["pages"] == 3 and len(body["rows"]) == 10
    assert body["rows"][-1]["invoice_number"] == "F2026-0130"
    bad = desk.get("/api/invoices", period_from="31/12/2026").json()
    assert bad["unreadable_filters"] == ["period_from"] and bad["total"] == 30


def test_the_csv_download_holds_the_current_filter(desk: Desk) -> None:
    answer = desk.get("/invoices.csv", state="blocked", sort="number")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="factures.csv"'
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Numéro", "Acheteur", "SIRET acheteur"]
    assert [row[0] for row in rows[1:]] == ["F2026-0101", "F2026-0102"]
    assert rows[1][8] == "suspendue (SUSPENDUE)" and rows[1][12] == f"l'acheteur : {SUSPENSION_COMMENT}"
    assert "," in rows[1][5]  # French amounts: 1148,40
    everything = desk.get("/invoices.csv", lang="en").content.decode("utf-8")
    assert len(everything.strip().splitlines()) == 31 and "Invoice desk" not in everything


def test_the_detail_shows_attempts_history_alerts_advice_and_pdf(desk: Desk) -> None:
    invoice_id = desk.story.ids["F2026-0101"]
    page = desk.get(f"/invoices/{invoice_id}")
    assert page.status_code == 200
    text = page.text
    assert "Facture F2026-0101" in text and SUSPENSION_COMMENT in text
    assert "Répondre au formulaire de décision (« Compléter »)" in text  # the alerts' own advice
    # No decision open (no Airflow here): the way to the decision page, which can reopen it.
    assert 'id="decision-link"><a href="/chorusflow-decisions/F2026-0101?lang=fr">' in text
    assert f'/dags/chorus_submit_invoices/runs/{RUN_ID}/tasks/submit/mapped/0" data-airflow' in text
    assert "target=" not in text  # Airflow's frame allows neither top navigation nor popups
    assert "issue inconnue" in text and "réussi" in text and "ChorusProTimeout" in text
    assert "déposée (DEPOSEE)" in text and "suspendue (SUSPENDUE)" in text
    assert "Facture bloquée" in text and "courriel, journal des tâches" in text
    assert f"{DESK}/invoices/{invoice_id}/pdf?lang=fr&amp;download=1" in text or "download=1" in text
    english = desk.get(f"/invoices/{invoice_id}", lang="en").text
    assert "Answer the decision form" in english and "Deposit attempts" in english
    rejected = desk.get(f"/invoices/{desk.story.ids['F2026-0102']}").text
    assert REJECTION_COMMENT not in rejected and "&lt;script&gt;" in rejected
    assert desk.get("/invoices/999999").status_code == 404


def test_the_deposited_pdf_is_the_one_the_channel_built(desk: Desk, ledger: Ledger) -> None:
    invoice_id = desk.story.ids["F2026-0101"]
    answer = desk.get(f"/invoices/{invoice_id}/pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    detail = ledger.get_invoice("F2026-0101")
    assert detail is not None and detail.normalized is not None
    assert answer.content == invoice_pdf(Invoice.model_validate(detail.normalized))
    pending = ledger.get_invoice("F2026-0110")
    assert pending is not None
    refused = desk.get(f"/invoices/{pending.id}/pdf")
    assert refused.status_code == 404 and "Pas encore déposée" in refused.text
    saved = desk.get(f"/invoices/{invoice_id}/pdf", download="1")
    assert saved.headers["content-disposition"] == 'attachment; filename="F2026-0101.pdf"'
    assert saved.content == answer.content


def test_the_json_detail_and_queue(desk: Desk) -> None:
    detail = desk.get("/api/invoices/by-number/F2026-0101", lang="en").json()
    assert detail["invoice"]["invoice_number"] == "F2026-0101" and "normalized" not in detail["invoice"]
    assert detail["what_to_do"].startswith("Answer the decision form") and detail["pdf"]["available"] is True
    assert [item["status"] for item in detail["invoice"]["history"]] == ["DEPOSEE", "SUSPENDUE"]
    assert desk.get("/api/invoices/by-number/NOPE").status_code == 404
    queue = desk.get("/api/to-handle").json()
    categories = {item["invoice_number"]: item["category"] for item in queue["items"]}
    assert categories["F2026-0101"] == categories["F2026-0102"] == "blocked"
    assert categories["F2026-0105"] == "failed" and categories["F2026-0106"] == "needs_review"
    suspended = next(item for item in queue["items"] if item["invoice_number"] == "F2026-0101")
    assert SUSPENSION_COMMENT in suspended["reason"] and suspended["what_to_do"]
    page = desk.get("/to-handle").text
    assert "Bloquées sur Chorus Pro" in page and SUSPENSION_COMMENT in page and 'id="summary-blocked"' in page


def test_no_secret_in_any_page_or_answer(desk: Desk) -> None:
    seen = ""
    for path in ROUTES:
        for lang in ("fr", "en"):
            answer = desk.get(path.replace("/1", f"/{desk.story.ids['F2026-0101']}"), lang=lang)
            assert answer.status_code in (200, 303), (path, answer.status_code)
            seen += answer.content.decode("utf-8", "replace")
    for secret in (CLIENT_SECRET, TECHNICAL_PASSWORD, PASSWORD):
        assert secret not in seen


def test_an_unreachable_ledger_says_so_without_its_url(
    airflow_app: TestClient, token: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_CHORUSFLOW_LEDGER", f"postgres://desk:{LEDGER_PASSWORD}@127.0.0.1:9/nowhere"
    )
    headers = {"Authorization": f"Bearer {token}"}
    page = airflow_app.get(f"{DESK}/invoices", headers=headers)
    assert page.status_code == 503 and "Le registre des factures ne répond pas" in page.text
    answer = airflow_app.get(f"{DESK}/api/to-handle", headers=headers)
    assert answer.status_code == 503 and answer.json()["detail"]
    for text in (page.text, answer.text):
        assert LEDGER_PASSWORD not in text and "127.0.0.1" not in text and "Traceback" not in text


def test_a_broken_buyer_profile_is_named_instead_of_guessing_deadlines(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    buyers = tmp_path / "config" / "buyers"
    buyers.mkdir(parents=True)
    (buyers / "chu.yaml").write_text(
        'schema_version: 1\nversion: "1"\nbuyer: {siret: "26750045200011", name: CHU}\ncategory: hospital\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(tmp_path / "config"))
    page = desk.get("/invoices")
    assert page.status_code == 503 and "Le profil acheteur chu.yaml est invalide (category" in page.text
    answer = desk.get("/api/to-handle", lang="en")
    assert answer.status_code == 503 and "The buyer profile chu.yaml is invalid" in answer.json()["detail"]
    assert "Traceback" not in page.text + answer.text


def test_the_runs_page_links_each_stored_report_served_from_shared_storage(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chorusflow.storage import report_folder, store_bytes

    monkeypatch.setenv("CHORUSFLOW_REPORTS", str(tmp_path / "shared"))
    folder = report_folder(tmp_path / "shared", "chorus_submit_invoices", RUN_ID)
    store_bytes(folder / "report.html", b"<html>report of the run</html>", folder)
    store_bytes(folder / "report.csv", b"number;state", folder)
    page = desk.get("/runs")
    assert page.status_code == 200 and "CHORUSFLOW_REPORTS" not in page.text
    links = [part.split('"')[0] for part in page.text.split('href="')[1:] if "/chorusflow-files/" in part]
    assert len(links) == 1 and folder.name in links[0] and links[0].endswith("report.csv")
    served = desk.client.get(links[0], headers=desk.headers)
    assert served.status_code == 200 and "number;state" in served.text
    assert desk.client.get(links[0]).status_code in (401, 403)
    report = desk.get(f"/runs/{folder.name}/report")
    assert report.status_code == 200 and "report of the run" in report.text
    assert 'id="back-to-runs"' in report.text


def test_with_several_suppliers_the_runs_page_links_each_suppliers_own_report(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chorusflow.storage import report_folder, store_bytes
    from tests.suppliers.builders import EU_ID, NON_EU_ID, three_suppliers

    monkeypatch.setenv("CHORUSFLOW_CONFIG_DIR", str(three_suppliers(tmp_path / "config")))
    monkeypatch.setenv("CHORUSFLOW_REPORTS", str(tmp_path / "shared"))
    folder = report_folder(tmp_path / "shared", "chorus_submit_invoices", RUN_ID)
    store_bytes(folder / "report.html", b"<html>the whole run</html>", folder)
    store_bytes(folder / EU_ID / "report.html", b"<html>report of rheinwerk</html>", folder / EU_ID)
    page = desk.get("/runs")
    assert page.status_code == 200
    links = [part.split('"')[0] for part in page.text.split('href="')[1:] if "/report?" in part]
    own = [link for link in links if f"supplier={EU_ID}" in link]
    assert len(own) == 1 and not any(NON_EU_ID in link for link in links)  # no report, no link
    served = desk.client.get(own[0].replace("&amp;", "&"), headers=desk.headers)
    assert served.status_code == 200 and "report of rheinwerk" in served.text
    assert desk.client.get(own[0], follow_redirects=False).status_code in (303, 401, 403)


def test_clean_edges_answer_readable_pages(desk: Desk) -> None:
    by_number = desk.get("/invoices/F2026-0111")
    assert by_number.status_code == 303 and by_number.headers["location"].endswith("?lang=fr")
    followed = desk.client.get(by_number.headers["location"], headers=desk.headers)
    assert followed.status_code == 200 and "Facture F2026-0111" in followed.text
    unknown = desk.get("/invoices/F2099-0001")
    assert unknown.status_code == 404 and "Aucune facture du registre ne porte le numéro" in unknown.text
    assert unknown.headers["content-type"].startswith("text/html")
    for path in ("/invoices/999999", "/invoices/abc/pdf", "/nowhere", "/runs/nowhere/report"):
        answer = desk.get(path)
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html"), path
        assert "detail" not in answer.text and "Bureau des factures" in answer.text, path
    beyond = desk.get("/invoices", page="99")
    assert "page 1 sur 1" in beyond.text and "La page 99 n&#x27;existe pas" in beyond.text
    upside_down = desk.get("/invoices", period_from="2026-12-01", period_to="2026-11-01")
    assert "Filtre « Date de facture au » ignoré : il précède « Date de facture du »." in upside_down.text
    unreadable = desk.get("/invoices", period_from="31/12/2026")
    assert "Filtre « Date de facture du » ignoré : valeur illisible (31/12/2026)." in unreadable.text
    script = desk.get("/desk.js")
    assert script.status_code == 200 and "data-airflow" in script.text
    assert "script-src 'self'" in desk.get("/invoices").headers["content-security-policy"]


@pytest.mark.parametrize(
    ("cookie", "labels"),
    [
        ("Europe%2FParis", {"CET", "CEST"}),  # chosen in the Airflow UI, kept by desk.js
        ("America%2FNew_York", {"EST", "EDT"}),
        ("..%2F..%2Fetc%2Fpasswd", {"UTC"}),  # not a zone: Airflow's default_timezone stays
        ("Mars%2FOlympus", {"UTC"}),
        ("", {"UTC"}),
    ],
)
def test_times_follow_the_zone_chosen_in_the_airflow_ui(desk: Desk, cookie: str, labels: set[str]) -> None:
    invoice_id = desk.story.ids["F2026-0101"]
    headers = {**desk.headers, "Cookie": f"chorusflow_tz={cookie}"}
    for path in (f"/invoices/{invoice_id}", "/invoices"):
        page = desk.client.get(f"{DESK}{path}", headers=headers).text
        shown = set(re.findall(r"\d\d/\d\d/\d{4} \d\d:\d\d ([A-Z]{2,5})\b", page))
        assert shown and shown <= labels, (path, shown)
        # The page says which zone it was rendered in.
        rendered = re.search(r'<html lang="fr" data-zone="([^"]+)"', page)
        assert rendered and (rendered.group(1) == unquote(cookie) or labels == {"UTC"}), rendered


def test_desk_js_reads_the_ui_zone_setting(desk: Desk) -> None:
    script = desk.get("/desk.js").text
    # The Airflow UI keeps its zone under this localStorage key, as JSON (its useLocalStorage hook).
    assert 'localStorage.getItem("timezone")' in script and "JSON.parse" in script
    assert "chorusflow_tz=" in script and "resolvedOptions().timeZone" in script
    # The next page follows the choice; the page on screen is never reloaded (a reload raced with
    # the person's next click, 2026-12-08).
    assert "location.reload" not in script
