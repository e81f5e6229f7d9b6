"""Error text fit for the ledger: every kind of credential masked, whatever surrounds it."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from chorusflow.ledger.values import safe_error_text

SECRET = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789%!$'()*+=~-_.", min_size=6, max_size=30)
USER = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=12)
SCHEME = st.sampled_from(["https", "http", "postgresql+psycopg", "redis", "smtp", "sqlite"])


@given(scheme=SCHEME, user=USER, secret=SECRET)
def test_a_password_inside_a_url_is_masked(scheme: str, user: str, secret: str) -> None:
    template = "could not reach {scheme}://{user}:{secret}@db.example:5432/ledger: refused"
    assume(secret not in template.format(scheme=scheme, user=user, secret=""))  # only the secret holds it
    shown = safe_error_text(template.format(scheme=scheme, user=user, secret=secret))
    assert shown is not None and secret not in shown
    assert f"{scheme}://{user}:***@db.example:5432/ledger" in shown


def test_a_url_without_a_password_is_left_alone() -> None:
    text = "GET https://host.example/path:8080@x failed; see https://user@host.example/"
    assert safe_error_text(text) == text
