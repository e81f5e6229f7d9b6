"""The legal payment clock of a public buyer: when an invoice must be paid, and how late it is.

One computation for the desk, the payment-overdue alerts and the daily digest (docs/sources.md,
"Payment deadlines of public buyers"):

- the period runs from receipt, which is the deposit on Chorus Pro, and depends on the buyer's
  category (art. R2192-10 and R2192-11 of the Code de la commande publique): 30 days for the State
  and local authorities, 50 for public hospitals, 60 for public companies; a buyer profile sets the
  category or the period, and buyers without one get the fallback period (``CHORUSFLOW_PAYMENT_DAYS``);
- the buyer may interrupt the clock ONCE (R2192-27), Chorus Pro's ``SUSPENDUE``; while suspended
  there is no due date; when the missing documents are received (``COMPLETEE``, or any later status)
  a new period opens: 30 days, or what was left at the interruption when that is longer (R2192-29).
  A second suspension does not stop the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

CENT = Decimal("0.01")
#: Chorus Pro's status for an interrupted payment clock.
SUSPENDED = "SUSPENDUE"
#: The new period after an interruption is at least this long (R2192-29).
RESTART_DAYS = 30


class BuyerCategory(StrEnum):
    """The buyer categories the Code de la commande publique gives a payment period."""

    STATE = "state"  # the State and its public bodies other than industrial and commercial ones
    LOCAL_AUTHORITY = "local_authority"  # local authorities and their public bodies
    PUBLIC_HOSPITAL = "public_hospital"  # public health establishments, armed forces health service
    PUBLIC_COMPANY = "public_company"  # public undertakings (ordonnance 2004-503), not local bodies


#: The period of each category, in days (R2192-10, R2192-11): also the longest a contract may set.
CATEGORY_DAYS: dict[BuyerCategory, int] = {
    BuyerCategory.STATE: 30,
    BuyerCategory.LOCAL_AUTHORITY: 30,
    BuyerCategory.PUBLIC_HOSPITAL: 50,
    BuyerCategory.PUBLIC_COMPANY: 60,
}


class PaymentClock(BaseModel):
    """Where an invoice's payment clock stands."""

    model_config = ConfigDict(frozen=True)

    received_on: date
    period_days: int
    suspended_on: date | None = None
    resumed_on: date | None = None
    #: None while the clock is interrupted (suspended, documents not received yet).
    due_on: date | None

    @property
    def running(self) -> bool:
        """False while the buyer waits for the missing documents."""
        return self.due_on is not None

    def days_late(self, today: date) -> int:
        """Whole days past the due date (0 when not due yet or interrupted)."""
        return 0 if self.due_on is None else max(0, (today - self.due_on).days)


def payment_clock(received_on: date, period_days: int, statuses: Iterable[tuple[str, date]]) -> PaymentClock:
    """The clock of an invoice received on ``received_on`` with a ``period_days`` period.

    ``statuses`` is its Chorus Pro status history, oldest first, as (status, day it changed).
    """
    due = received_on + timedelta(days=period_days)
    suspended_on: date | None = None
    for status, changed_on in statuses:
        if suspended_on is None:
            # Once the deadline has passed there is no clock left to interrupt.
            if status == SUSPENDED and changed_on <= due:
                suspended_on = changed_on
            continue
        if status != SUSPENDED:
            left = (due - suspended_on).days
            period = max(RESTART_DAYS, left)
            return PaymentClock(
                received_on=received_on,
                period_days=period,
                suspended_on=suspended_on,
                resumed_on=changed_on,
                due_on=changed_on + timedelta(days=period),
            )
    if suspended_on is not None:
        return PaymentClock(
            received_on=received_on, period_days=period_days, suspended_on=suspended_on, due_on=None
        )
    return PaymentClock(received_on=received_on, period_days=period_days, due_on=due)


def late_payment_interest(amount_ttc: Decimal, days_late: int, annual_rate_percent: Decimal) -> Decimal:
    """Late-payment interest, pro rata temporis on the TTC amount (365-day year), rounded to the cent."""
    if days_late <= 0:
        return Decimal("0.00")
    interest = amount_ttc * annual_rate_percent / Decimal(100) * Decimal(days_late) / Decimal(365)
    return interest.quantize(CENT, rounding=ROUND_HALF_UP)
