"""Chorus Pro API client: configuration, typed models, typed errors and one request path.

Nothing here imports Airflow; ``chorusflow.airflow.hook`` adapts it to an Airflow connection.
"""

from chorusflow.platforms.chorus_pro.client import ChorusProClient, Operation
from chorusflow.platforms.chorus_pro.config import ChorusProConfig
from chorusflow.platforms.chorus_pro.errors import (
    AuthenticationError,
    BadRequestError,
    ChorusProError,
    ChorusProTimeoutError,
    ConfigurationError,
    ConnectionLostError,
    DuplicateInvoiceError,
    ForbiddenError,
    FunctionalError,
    InvalidClientError,
    InvalidResponseError,
    RateLimitedError,
    ServerError,
    TechnicalAccountError,
)

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ChorusProClient",
    "ChorusProConfig",
    "ChorusProError",
    "ChorusProTimeoutError",
    "ConfigurationError",
    "ConnectionLostError",
    "DuplicateInvoiceError",
    "ForbiddenError",
    "FunctionalError",
    "InvalidClientError",
    "InvalidResponseError",
    "Operation",
    "RateLimitedError",
    "ServerError",
    "TechnicalAccountError",
]
