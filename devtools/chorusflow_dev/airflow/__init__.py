"""Running chorusflow's DAGs on this machine: ``make airflow`` (``local``) and one ``dag.test()`` run."""
