"""chorusflow: from a French supplier's accounting export to invoices paid through Chorus Pro."""

__version__ = "0.1.0"
