"""``make demo``: the whole pipeline on the bundled sample export, against the local sandbox.

1. starts the Chorus Pro sandbox and shows what IFPEN requires, read through the client;
2. runs ``chorus_submit_invoices`` on ``examples/sample-export.csv`` (about 30 invoices to several
   public buyers, some invalid on purpose);
3. shows how the invoices reached Chorus Pro: ``DEPOT_PDF_API`` under the supplier's own numbers,
   each with the PDF chorusflow rendered (one of them saved under ``.chorusflow/demo/pdf/``);
   then plays the buyers on the sandbox: one invoice rejected, one suspended, one paid;
4. runs ``chorus_sync_statuses``;
5. prints the ledger, where the run report is, and what to try next.

It is the one-supplier run (the repository's ``supplier.yaml``, the sandbox's default technical
account) whatever the shell's supplier settings; ``examples/several-suppliers/`` and
``tests/e2e/test_several_suppliers.py`` show several suppliers.

Everything happens under ``.chorusflow/demo/`` (wiped at each start); Airflow's own output goes to
``.chorusflow/demo/demo.log``. Airflow itself runs in child processes, so this module imports none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from chorusflow_dev.airflow.local import DEFAULT_PASSWORD, ui_logins
from chorusflow_dev.sandbox import SandboxServer

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "examples" / "sample-export.csv"
IFPEN = "77572915500017"
BUYER_ACTIONS = (
    ("REJETEE", "Numéro d'engagement inconnu dans notre système"),
    ("SUSPENDUE", "Merci de joindre le bon de livraison signé"),
    ("MISE_EN_PAIEMENT", None),
)


def _step(number: int, text: str) -> None:
    print(f"\n\033[1m[{number}] {text}\033[0m", flush=True)


def _run(command: list[str], env: dict[str, str], log: Path, *, show: bool = False) -> int:
    """Run a command; its output goes to the screen when ``show``, else to the demo log."""
    if show:
        return subprocess.run(command, env=env, check=False).returncode
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"\n$ {' '.join(command)}\n")
        handle.flush()
        return subprocess.run(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, check=False
        ).returncode


#: What the demo does not inherit from the shell: connections, variables, and the settings that
#: would make it a several-suppliers run (the example's CHORUSFLOW_CONFIG_DIR, as the README exports it).
NOT_INHERITED = ("AIRFLOW_CONN_", "AIRFLOW_VAR_", "CHORUSFLOW_CONFIG_DIR", "CHORUSFLOW_SUPPLIERS_DIR")


def _demo_environment(workdir: Path, sandbox: SandboxServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
    env.update(
        {
            "AIRFLOW_HOME": str(workdir / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW_CONN_CHORUS_PRO": sandbox.connection_json(),
            "CHORUSFLOW_HOME": str(workdir),
            "CHORUSFLOW_SUBMIT_RETRY_DELAY": "1",
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env


def _play_buyers(sandbox: SandboxServer) -> list[tuple[str, str, str | None]]:
    invoices: list[dict[str, Any]] = requests.get(f"{sandbox.url}/sandbox/invoices", timeout=10).json()[
        "invoices"
    ]
    done: list[tuple[str, str, str | None]] = []
    for invoice, (status, comment) in zip(invoices, BUYER_ACTIONS, strict=False):
        body: dict[str, Any] = {"statut": status}
        if comment:
            body["commentaire"] = comment
        requests.post(
            f"{sandbox.url}/sandbox/invoices/{invoice['id']}/status", json=body, timeout=10
        ).raise_for_status()
        done.append((invoice["number"], status, comment))
    return done


def _show_deposits(sandbox: SandboxServer, workdir: Path) -> None:
    """Count the deposits per mode and save the PDF of the first one, as Chorus Pro received it."""
    invoices: list[dict[str, Any]] = requests.get(f"{sandbox.url}/sandbox/invoices", timeout=10).json()[
        "invoices"
    ]
    modes: dict[str, int] = {}
    for invoice in invoices:
        modes[invoice.get("mode", "?")] = modes.get(invoice.get("mode", "?"), 0) + 1
    print("  " + ", ".join(f"{count} invoice(s) in {mode}" for mode, count in sorted(modes.items())))
    with_pdf = next((invoice for invoice in invoices if invoice.get("attachment_id")), None)
    if with_pdf is None:
        return
    response = requests.get(f"{sandbox.url}/sandbox/attachments/{with_pdf['attachment_id']}", timeout=10)
    response.raise_for_status()
    target = workdir / "pdf" / f"{with_pdf['number'].replace('/', '-')}.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(response.content)
    print(
        f"  {with_pdf['number']} dated {with_pdf.get('invoice_date')}: "
        f"the PDF Chorus Pro received is {target}"
    )


def _next_steps(workdir: Path, chorusflow: Path) -> None:
    """The exact commands to look further: the demo's ledger lives in its own folder."""
    home = os.path.relpath(workdir, Path.cwd())
    command = os.path.relpath(chorusflow, Path.cwd())
    print("\nNext:")
    print(f"  CHORUSFLOW_HOME={home} {command} ledger list              # the demo's ledger")
    print(f"  CHORUSFLOW_HOME={home} {command} ledger show F2026-0104   # one invoice, its history")
    password = os.environ.get("CHORUSFLOW_AIRFLOW_PASSWORD", DEFAULT_PASSWORD)
    print("  make airflow    # the same DAGs in the Airflow UI, with a sandbox")
    print(f"                  # logins: {ui_logins(password)}")


def main() -> int:
    """Run the demo; exit 0 when every step worked."""
    started = time.monotonic()
    home = Path(os.environ.get("CHORUSFLOW_HOME") or REPO_ROOT / ".chorusflow")
    workdir = home / "demo"
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "inbox").mkdir(parents=True)
    log = workdir / "demo.log"
    bin_dir = Path(sys.executable).parent
    chorusflow = str(bin_dir / "chorusflow")

    with SandboxServer(port=0) as sandbox:
        env = _demo_environment(workdir, sandbox)
        _step(1, f"Local Chorus Pro sandbox at {sandbox.url}; what IFPEN ({IFPEN}) requires:")
        if _run([chorusflow, "buyer", IFPEN], env, log, show=True) != 0:
            return 1

        _step(2, "Preparing Airflow (metadata database) …")
        if _run([str(bin_dir / "airflow"), "db", "migrate"], env, log) != 0:
            print(f"airflow db migrate failed; see {log}")
            return 1
        shutil.copyfile(SAMPLE, workdir / "inbox" / SAMPLE.name)
        print(f"Running chorus_submit_invoices on {SAMPLE.relative_to(REPO_ROOT)} (Airflow output: {log}) …")
        submit_code = _run(
            [sys.executable, "-m", "chorusflow_dev.airflow.run_dag", "chorus_submit_invoices"], env, log
        )
        print("Run finished:", "success" if submit_code == 0 else f"failed (see {log})")

        _step(3, "What Chorus Pro received (PDF channel), then the buyers act on the sandbox:")
        _show_deposits(sandbox, workdir)
        for number, status, comment in _play_buyers(sandbox):
            print(f"  {number} → {status}" + (f" « {comment} »" if comment else ""))

        _step(4, "Running chorus_sync_statuses …")
        sync_code = _run(
            [sys.executable, "-m", "chorusflow_dev.airflow.run_dag", "chorus_sync_statuses"], env, log
        )
        print("Sync finished:", "success" if sync_code == 0 else f"failed (see {log})")

        _step(5, "The ledger:")
        _run([chorusflow, "ledger", "list"], env, log, show=True)
        reports = sorted((workdir / "reports").rglob("report.html"))
        for report in reports:
            print(f"Report: {report}  (CSV beside it)")
        print(f"\nDemo done in {time.monotonic() - started:.0f} s. Airflow's own output: {log}")
        _next_steps(workdir, Path(chorusflow))
    return 0 if submit_code == 0 and reports else 1


if __name__ == "__main__":
    sys.exit(main())
