"""The destinations an invoice is deposited on; one package per platform (``chorus_pro``)."""
