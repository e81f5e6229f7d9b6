"""Airflow adapter of the Chorus Pro client: a providers-http ``HttpHook`` reading ``chorus_pro``.

The connection's host is the API base URL, login/password the technical account, and the extras
``token_url``, ``client_id``, ``client_secret`` the PISTE OAuth client. Every secret, and every
bearer token obtained at run time, is registered with Airflow's secret masker.
"""

from __future__ import annotations

from typing import Any

import requests
from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk.log import mask_secret

from chorusflow.platforms.chorus_pro.client import ChorusProClient
from chorusflow.platforms.chorus_pro.config import ChorusProConfig, own_extra_keys
from chorusflow.platforms.chorus_pro.errors import ChorusProError
from chorusflow.platforms.chorus_pro.ratelimit import Pacer


class ChorusProHook(HttpHook):
    """Build a ``ChorusProClient`` from an Airflow connection (default ``chorus_pro``)."""

    conn_name_attr = "chorus_pro_conn_id"
    default_conn_name = "chorus_pro"
    conn_type = "http"
    hook_name = "Chorus Pro"

    def __init__(self, chorus_pro_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(method="POST", http_conn_id=chorus_pro_conn_id, **kwargs)
        self.chorus_pro_conn_id = chorus_pro_conn_id
        self._client: ChorusProClient | None = None

    def get_config(self) -> ChorusProConfig:
        """Chorus Pro settings read from the connection; its secrets are masked in task logs."""
        connection = self.get_connection(self.chorus_pro_conn_id)
        config = ChorusProConfig.from_connection(
            {
                "host": connection.host,
                "schema": connection.schema,
                "port": connection.port,
                "login": connection.login,
                "password": connection.password,
                "extra": connection.extra_dejson,
            },
            source=f"Airflow connection '{self.chorus_pro_conn_id}'",
        )
        for secret in config.secret_values():
            mask_secret(secret)
        return config

    def get_conn(
        self, headers: dict[Any, Any] | None = None, extra_options: dict[str, Any] | None = None
    ) -> requests.Session:
        """The HttpHook session (TCP keep-alive, proxies, TLS settings) without its Basic auth and
        without our OAuth extras, which HttpHook would otherwise send as headers."""
        session = super().get_conn(headers=headers, extra_options=extra_options)
        session.auth = None  # the client sends Bearer + cpro-account itself
        for key in own_extra_keys():
            session.headers.pop(key, None)
        return session

    def get_client(self, pacer: Pacer | None = None) -> ChorusProClient:
        """The Chorus Pro client of this hook, created once and reused.

        ``pacer``: the quota shared by the deployment (tasks pass the ledger's); without it the
        client paces its own threads only.
        """
        if self._client is None:
            self._client = ChorusProClient(
                self.get_config(), session=self.get_conn(), on_new_token=mask_secret, pacer=pacer
            )
        return self._client

    def test_connection(self) -> tuple[bool, str]:
        """Fetch a token and list the supplier structures: proves both credentials work."""

        try:
            structures = self.get_client().list_supplier_structures()
        except ChorusProError as error:
            return False, str(error)
        return True, f"Chorus Pro reachable: {len(structures)} supplier structure(s)"
