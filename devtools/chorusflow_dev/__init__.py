"""chorusflow's developer tooling, kept out of the runtime package and the production image.

- ``sandbox``: the local Chorus Pro (PISTE) stand-in (docs/sandbox.md), and ``cli``: its command
  ``chorusflow sandbox``, found through the entry-point group ``chorusflow.commands``;
- ``testing``: builders of exports, deposits and sample suppliers for the tests and benchmarks;
- ``demo``: ``make demo``, the whole pipeline on the bundled sample against the sandbox;
- ``airflow.local`` and ``airflow.run_dag``: ``make airflow`` and one DAG run in a process of its own.
"""
