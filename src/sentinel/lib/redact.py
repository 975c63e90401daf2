"""What never goes into a log line: secrets in URLs and anything shaped like a CPR number.

``redact`` is applied to every log line Sentinel writes (``core.logging.RedactFilter`` on the
log handlers, and the web server's access log, ``cli.server``):

- a launch link's token (``/launch/<token>``) becomes ``/launch/[redacted]``;
- every query-string value is masked (``?code=…&state=…``): OIDC authorization codes, states
  and anything else a URL might carry, while the keys stay for debugging;
- ``sessionid=…`` and ``csrftoken=…`` (cookies) are masked;
- a run of ten digits, or six and four with a dash, becomes ``[10 digits]`` — a CPR number
  in a URL path or a message, never written (the ASCII digits only: Unicode digits are refused
  as identifiers before they get this far).
"""

from __future__ import annotations

import re

_LAUNCH = re.compile(r"(/launch/)[^\s/?#\"']+")
_QUERY_VALUE = re.compile(r"([?&][^=&\s#\"']+=)[^&\s#\"']*")
_COOKIE = re.compile(r"\b(sessionid|csrftoken|sentinel_session)=[^;\s\"']+", re.IGNORECASE)
_TEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{6}-?[0-9]{4}(?![0-9])")


def redact(text: str) -> str:
    """``text`` with launch tokens, query values, session cookies and CPR-shaped digit runs
    masked."""
    text = _LAUNCH.sub(r"\1[redacted]", text)
    text = _QUERY_VALUE.sub(r"\1…", text)
    text = _COOKIE.sub(r"\1=…", text)
    return _TEN_DIGITS.sub("[10 digits]", text)
