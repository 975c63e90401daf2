"""The demo's login provider: oidc-provider-mock as it is, with one addition — its login page
offers each demo user by name, what they show and their clinic, not by a bare UUID.

``python -m sentinel.demo.provider --port 9400 --user '{"sub": …, "claims": {…}, "label": …}'``
is what ``sentinel demo`` runs (``demo.oidc.start_provider_process``); the tests run the same
app in a thread (``demo.oidc.provider_in_thread``). No Django here: the claims arrive ready.
"""

from __future__ import annotations

import argparse
import json
import os
import warnings
from collections.abc import Sequence
from html import escape
from typing import Any


def _mock() -> Any:
    with warnings.catch_warnings():
        import authlib.deprecate  # noqa: F401 - sets authlib's filter, which the next line beats

        warnings.simplefilter("ignore", DeprecationWarning)
        import oidc_provider_mock

    return oidc_provider_mock


def provider_app(users: Sequence[dict[str, Any]]) -> Any:
    """The provider's Flask app for ``users`` (each ``sub``, ``claims`` and ``label``)."""
    mock = _mock()
    app = mock.app(user_claims=[mock.User(sub=u["sub"], claims=u["claims"]) for u in users])
    buttons = {
        f'value="{escape(u["sub"])}">{escape(u["sub"])}</button>': (
            f'value="{escape(u["sub"])}">{escape(u["label"])}</button>'
        )
        for u in users
        if u.get("label")
    }

    @app.after_request
    def name_the_users(response: Any) -> Any:
        if response.mimetype == "text/html" and not response.direct_passthrough:
            page = response.get_data(as_text=True)
            for bare, named in buttons.items():
                page = page.replace(bare, named)
            response.set_data(page)
        return response

    return app


def main(argv: Sequence[str] | None = None) -> None:
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument("--user", action="append", default=[], help="a user as JSON")
    options = parser.parse_args(argv)
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on localhost
    users = [json.loads(text) for text in options.user]
    run_simple(options.host, options.port, provider_app(users), threaded=True)


if __name__ == "__main__":
    main()
