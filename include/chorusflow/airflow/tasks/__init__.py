"""Task bodies, one module (or package, one module per step) per DAG: each translates the Airflow
context into domain calls and back.

- :mod:`.submit`: ``chorus_submit_invoices`` (prepare: extract, validate and plan; submit; report);
- :mod:`.sync`: ``chorus_sync_statuses`` (follow the flux, sync, alert, announce, report);
- :mod:`.resolve`: ``chorus_resolve_invoices``;
- :mod:`.digest`: ``chorus_daily_digest``.

What they hand each other through XCom are the typed models of :mod:`chorusflow.submission.intake`,
:mod:`chorusflow.submission.plan` and :mod:`chorusflow.submission.submitter`, dumped as plain JSON.
"""
