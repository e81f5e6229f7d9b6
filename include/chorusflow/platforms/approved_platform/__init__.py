"""The supplier's approved platform (plateforme agréée, PA) through the AFNOR XP Z12-013 Flow and
Directory services: configuration, client, errors, lifecycle statuses and CDAR messages.

No Airflow here: the Airflow connection ``pa_<supplier id>`` is read by a hook elsewhere and handed
to :meth:`ApprovedPlatformConfig.from_connection` (docs/approved-platform.md).
"""
