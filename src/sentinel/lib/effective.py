"""When a new version may take effect: today or later, never before the version it follows
(it would rewrite what was in force in the past), and — where the clinics must act on it — at
least ``notice_days`` ahead unless the operator states why it is urgent. One rule for every
published version — data specifications and DPA/consent documents alike."""

from __future__ import annotations

import datetime as dt

from sentinel.lib.dates import format_da
from sentinel.lib.errors import DomainError


def check_effective_date(
    effective: dt.date,
    *,
    today: dt.date,
    previous: dt.date | None,
    what_en: str,
    what_da: str,
    notice_days: int = 0,
    urgent_reason: str = "",
) -> None:
    """Raise ``DomainError`` (``retroactive`` / ``before_previous_version`` /
    ``notice_too_short``) if ``effective`` is not allowed for a new version that follows one in
    force from ``previous``. A first version (``previous`` None) needs no notice: nobody has
    signed anything that it replaces."""
    if effective < today:
        raise DomainError(
            "retroactive",
            f"a new {what_en} takes effect today ({today}) or later, not on {effective}",
            f"En ny {what_da} gælder fra i dag ({format_da(today)}) eller senere, ikke fra "
            f"{format_da(effective)}.",
        )
    if previous is not None and effective < previous:
        raise DomainError(
            "before_previous_version",
            f"a new {what_en} cannot take effect before the current latest version ({previous})",
            f"En ny {what_da} kan ikke gælde fra før den seneste version ({format_da(previous)}).",
        )
    earliest = today + dt.timedelta(days=notice_days)
    if previous is not None and effective < earliest and not urgent_reason.strip():
        raise DomainError(
            "notice_too_short",
            f"a new {what_en} takes effect at least {notice_days} days ahead ({earliest} or "
            f"later), unless you state why it is urgent",
            f"En ny {what_da} skal varsles mindst {notice_days} dage: den kan tidligst gælde fra "
            f"{format_da(earliest)}, medmindre du angiver, hvorfor den haster.",
        )
