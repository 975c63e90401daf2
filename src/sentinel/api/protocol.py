"""The vendor API's HTTP rules: media types, size limits, reading JSON, and ``ApiError``.

- A request body is at most ``MAX_BODY_BYTES``; a larger one is refused with 413 before it
  is read (``BodyLimitMiddleware``, for every path under ``/api/``), whatever its
  ``Content-Length`` says or does not say. A batch holds at most ``MAX_RECORDS`` records.
- A body must be ``application/json`` (``application/fhir+json`` or ``application/json`` on
  the FHIR door), else 415; a body that is not JSON (or nests deeper than ``MAX_DEPTH``) is
  422 naming ``body``.
- Every refusal is the API's one error body (``api.access.error``).
"""

from __future__ import annotations

import gc
import io
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pydantic
from django.http import HttpRequest, HttpResponse
from ninja.errors import ValidationError
from ninja.parser import Parser

from sentinel.api.access import error
from sentinel.lib.recordtypes import RECORD_TYPES

MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_RECORDS = 5000
MAX_KEY_LENGTH = 200  # an Idempotency-Key
MAX_DEPTH = 64
JSON = "application/json"
FHIR_JSON = "application/fhir+json"
Model = TypeVar("Model", bound=pydantic.BaseModel)


class ApiError(Exception):
    """A refusal with the API's error body: ``status``, ``code``, message, fields."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = [{"field": field, "message": message}] if field else []

    def response(self) -> HttpResponse:
        return error(self.status, self.code, self.message, self.fields)


def too_large(what: str) -> ApiError:
    return ApiError(413, "too_large", what)


def _media_type(request: HttpRequest) -> str:
    return (request.content_type or "").split(";")[0].strip().lower()


def _depth(value: Any) -> int:
    """How deeply ``value`` (as ``json.loads`` makes it) nests, counted up to one beyond
    ``MAX_DEPTH``: iteratively, one level at a time, so hostile input recurses nowhere and a
    batch's thousands of scalars are only looked at once (this is on the ingest hot path)."""
    level = [value] if type(value) is dict or type(value) is list else []
    deepest = 0
    while level and deepest <= MAX_DEPTH:
        deepest += 1
        inner: list[Any] = []
        for item in level:
            children = item.values() if type(item) is dict else item
            inner.extend([c for c in children if type(c) is dict or type(c) is list])
        level = inner
    return deepest


_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'"[]{}')


def _nests_deeper(body: bytes, value: Any, limit: int) -> bool:
    """Whether ``value``, parsed from the JSON text ``body``, nests more than ``limit`` deep.

    ``_depth(value) > limit``, answered from the text at C speed where it can be (a Bundle of
    5,000 entries has half a million values to walk): escapes removed (an escaped backslash,
    then an escaped quote: escapes are two characters read left to right), then everything
    but quotes and brackets, then the strings — when no string holds a bracket, every quote
    meets its partner (an odd one out sends the body to the walk). Each pass then removes the
    empty pairs, ``[]`` before ``{}``: at least one level and at most two, so brackets gone
    within ``limit // 2`` passes mean at most ``limit`` deep; anything else is walked."""
    if json.detect_encoding(body) != "utf-8":
        return _depth(value) > limit
    structure = body.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    brackets = structure.replace(b'""', b"")
    if b'"' in brackets:  # a string with a bracket in it: the walk decides
        return _depth(value) > limit
    for _ in range(limit // 2):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    return _depth(value) > limit if brackets else False


def _require_media_type(request: HttpRequest, media_types: tuple[str, ...]) -> None:
    if _media_type(request) not in media_types:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"the body must be {' or '.join(media_types)} (Content-Type header)",
        )


def read_json(request: HttpRequest, media_types: tuple[str, ...] = (JSON,)) -> Any:
    """The request body as JSON, or ``ApiError`` (415 for another media type, 422 for a body
    that is not JSON or nests too deeply)."""
    _require_media_type(request, media_types)
    try:
        data = json.loads(request.body)
    except RecursionError:
        data = None  # nested far too deeply for any of our payloads
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "invalid_body", "the body is not JSON (UTF-8)", "body") from None
    if data is None or _nests_deeper(request.body, data, MAX_DEPTH):
        raise ApiError(
            422,
            "invalid_body",
            f"the body is not a JSON object nesting at most {MAX_DEPTH} deep",
            "body",
        )
    return data


def read_model(request: HttpRequest, model: type[Model]) -> Model:
    """The ``application/json`` body validated as ``model`` straight from its bytes: one pass
    in pydantic's parser, no dicts and lists made for ``json.loads`` first — the JSON door's
    hot path, a batch of thousands of records.

    A body that validates is JSON nesting as deep as the model does, at most. Any other body
    is read again the way ``read_json`` and django-ninja read every other body, so it is
    refused exactly as they refuse it: 415, 422 ``invalid_body`` naming ``body`` (not JSON,
    too deep), or ninja's ``ValidationError`` (422 naming each field, ``api.app``)."""
    _require_media_type(request, (JSON,))
    try:
        return model.model_validate_json(request.body)
    except pydantic.ValidationError:
        pass
    data = read_json(request)
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise ValidationError([{**e, "loc": ("body", *_plain(e))} for e in errors]) from None


_TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})


def _plain(error: Any) -> tuple[Any, ...]:
    """An error's location in the body's own field names: a record's ``type`` chooses its
    schema (a discriminated union), and pydantic puts the chosen type into the location
    (``records.0.episode.version``); the vendor sent ``records.0.version``. An unknown or
    missing ``type`` is the ``type`` field's error."""
    loc = tuple(error["loc"])
    if error.get("type") in _TAG_ERRORS:
        return (*loc, "type")
    return tuple(
        part
        for i, part in enumerate(loc)
        if not (i and isinstance(loc[i - 1], int) and part in RECORD_TYPES)
    )


class JsonParser(Parser):
    """django-ninja's body parser, held to ``read_json``. ninja wraps what a parser raises in
    an ``HttpError(400)``; ``api.app`` unwraps an ``ApiError`` from it again."""

    def parse_body(self, request: HttpRequest) -> Any:
        return read_json(request)


class BodyLimitMiddleware:
    """Refuse an API request body over ``MAX_BODY_BYTES`` with 413, before reading more of it.

    Django's own limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``, 2.5 MB) stays for the portal; for the
    API the body is read here, bounded, and kept as ``request.body``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and request.method not in ("GET", "HEAD", "OPTIONS"):
            refusal = too_large(f"the body is larger than {MAX_BODY_BYTES} bytes")
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > MAX_BODY_BYTES:
                return refusal.response()
            body = request.read(MAX_BODY_BYTES + 1)
            if len(body) > MAX_BODY_BYTES:
                return refusal.response()
            request._body = body  # what ``request.body`` returns from now on (as Django's own
            request._stream = io.BytesIO(body)  # ``body`` property leaves it)
        return self.get_response(request)


_paused = 0
_was_enabled = True
_pause_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a batch is handled (both doors).

    A parsed batch of 1,000 courses is hundreds of thousands of objects that stay alive for
    the whole request (a FHIR Bundle half a million; the JSON door's validated models and
    their dicts); each of the collector's passes walks all of them, and the request's own
    allocations set off many — over a third of the FHIR door's time, and of the JSON door's
    validation. A batch (parsed JSON, pydantic models) holds no reference cycles, so nothing
    is left uncollected: reference counting frees it, and the collector runs as usual once
    the last concurrent batch is done."""
    global _paused, _was_enabled
    with _pause_lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _pause_lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
