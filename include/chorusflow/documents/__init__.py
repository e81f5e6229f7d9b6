"""Documents chorusflow produces from a validated invoice: the invoice PDF (``documents.pdf``).

The ``render`` command is :mod:`chorusflow.cli.render`; ``docs/invoice-pdf.md`` describes the PDF.
"""
