"""Documents chorusflow produces from a validated invoice: the invoice PDF (``documents.pdf``).

The package itself imports nothing heavy, so ``chorusflow --help`` can register the ``render``
command (``documents.cli``) without loading reportlab; ``docs/invoice-pdf.md`` describes the PDF.
"""
