"""Developer commands of ``chorusflow``, one module each, declared in the entry-point group
``chorusflow.commands`` (devtools/pyproject.toml). Light at import, like chorusflow's own: ``--help``
loads them all."""
