"""Every log line through ``lib.redact``: no launch token, OIDC code, session id or CPR-shaped
number is written by any logger (``settings.LOGGING`` puts this filter on its handlers)."""

from __future__ import annotations

import logging

from sentinel.lib.redact import redact


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
