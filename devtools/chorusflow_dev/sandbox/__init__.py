"""A local Chorus Pro (PISTE token endpoint + Chorus Pro API) for demos and tests.

``SandboxServer`` serves the real paths and keys over HTTP, validates every request body against
the official Swagger (``validate_request_body``) and offers admin endpoints to play the recipient,
inject faults and read statistics. See docs/sandbox.md.
"""

from chorusflow_dev.sandbox.directory import Directory, load_directory
from chorusflow_dev.sandbox.server import SandboxServer
from chorusflow_dev.sandbox.settings import Faults, SandboxCredentials
from chorusflow_dev.sandbox.validation import validate_request_body

__all__ = [
    "Directory",
    "Faults",
    "SandboxCredentials",
    "SandboxServer",
    "load_directory",
    "validate_request_body",
]
