"""A serving process's memory after start-up: settled once, so a request's garbage collection
walks only what requests made.

A loaded Sentinel holds ~130,000 objects the cycle collector tracks (Django, the views'
modules, the code lists); none of them ever becomes garbage. Every full collection walked them
all again — 40–90 ms on this project's 2-core machines, a pause in whatever request was running
when the collector's turn came (the report tab's slowest renders). ``settle`` imports
everything a request reaches, collects once, and moves what is left into the collector's
permanent generation (``gc.freeze``), where later collections do not look.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Import every view's module (the URL configuration), collect, freeze; returns how many
    objects were frozen. Called once by the server's worker after loading the application,
    and by ``sentinel bench reports`` before it times the tab, as the server would run it."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports sentinel.urls and every view module
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
