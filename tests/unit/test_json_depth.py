"""The protocol's nesting limit read from the JSON text (``api.protocol._nests_deeper``)
answers as the walk over the parsed value (``_depth``) does, for any JSON."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.api.protocol import _depth, _nests_deeper

_SCALARS = st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\u00e6\n')
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=40,
)


@settings(max_examples=300)
@given(_VALUES, st.integers(min_value=0, max_value=8), st.booleans())
def test_the_text_answers_as_the_walk(value, limit, ascii_only):
    for encoding in ("utf-8", "utf-16"):
        body = json.dumps(value, ensure_ascii=ascii_only).encode(encoding)
        assert _nests_deeper(body, value, limit) == (_depth(value) > limit)


def test_a_deep_body_is_found_and_a_wide_one_is_not():
    deep = "[" * 65 + "]" * 65
    wide = json.dumps({"entry": [{"resource": {"a": [{"b": "[[[[{"}]}} for _ in range(1000)]})

    assert _nests_deeper(deep.encode(), json.loads(deep), 64)
    assert not _nests_deeper(wide.encode(), json.loads(wide), 64)
