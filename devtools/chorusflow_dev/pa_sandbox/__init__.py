"""A local approved platform (PA): the AFNOR Flow and Directory services (XP Z12-013 annexes A and B).

Every request is checked against the annexes; the buyer side is played through ``/sandbox/``
admin endpoints that emit CDAR lifecycle flows. See docs/pa-sandbox.md.
"""

from chorusflow_dev.pa_sandbox.server import PaSandboxServer

__all__ = ["PaSandboxServer"]
