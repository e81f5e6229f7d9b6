"""Prepare Airflow's metadata database for a local start: migrate it, then set the Chorus Pro pool.

``python -m chorusflow_dev.airflow.prepare POOL SLOTS DESCRIPTION`` does what ``airflow db migrate``
then ``airflow pools set`` did, in one process: each start of Airflow's command line imports all of
Airflow (15-30 s on two busy cores), and :class:`~chorusflow_dev.airflow.local.LocalAirflow` starts
before every real-scheduler test module. The migration is Airflow's own ``initdb`` (what
``airflow standalone`` runs at its start): it creates a new database or upgrades an existing one.
"""

from __future__ import annotations

import sys


def prepare(pool: str, slots: int, description: str) -> None:
    """Migrate the metadata database of the environment's ``AIRFLOW_HOME`` and create or resize ``pool``."""
    from airflow.models.pool import Pool
    from airflow.utils.db import initdb

    initdb()
    Pool.create_or_update_pool(pool, slots, description, include_deferred=False)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: exit 0 once the database and the pool are ready."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    prepare(args[0], int(args[1]), args[2])
    print(f"Pool {args[0]} set to {args[1]} slots", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
