"""The invoice desk: read-only views of the ledger for the people who handle invoices (no Airflow).

- :mod:`~chorusflow.desk.queries`: the filtered, sorted, paginated invoice list, its CSV stream and
  one invoice's detail;
- :mod:`~chorusflow.desk.queue`: what needs a person ("to handle"), with ages, amounts and a summary;
- :mod:`~chorusflow.desk.documents`: the deposited PDF, when it can be read;
- :mod:`~chorusflow.desk.pages`: the HTML pages and the CSV rows;
- :mod:`~chorusflow.desk.texts`: every word the desk shows, in French and English.

The Airflow plugin (``plugins/chorusflow_desk.py``, through :mod:`chorusflow.airflow.desk`) serves it.
"""
