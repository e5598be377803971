"""The frame decoder against a literal transcription of the WHATWG event-stream algorithm.

Hypothesis writes streams from the grammar's awkward corners (BOM, CR / LF / CRLF mixed,
fields without a colon or value, NUL and non-ASCII ids, comments, unknown fields) and cuts the
bytes anywhere, a CRLF or a multi-byte character included; the decoder must dispatch exactly
what the reference does.
"""

from __future__ import annotations

import logging
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk._sse import FrameDecoder

LOG = logging.getLogger("autoplay_sdk.client")


def reference(stream: str) -> list[tuple[str, str, str]]:
    """(event, data, last event id) for each dispatched event with non-empty data."""
    if stream.startswith("\ufeff"):
        stream = stream[1:]
    out: list[tuple[str, str, str]] = []
    event, data, last_id = "", "", ""
    for line in re.split(r"\r\n|\r|\n", stream)[:-1]:  # the last piece is an unfinished line
        if line == "":
            if data:
                data = data[:-1] if data.endswith("\n") else data
                if data:
                    out.append((event or "message", data, last_id))
            event, data = "", ""
            continue
        if line.startswith(":"):
            continue
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "event":
            event = value
        elif field == "data":
            data += value + "\n"
        elif field == "id" and "\0" not in value:
            last_id = value
    return out


VALUE = st.text(alphabet=st.sampled_from('ab é{}:" \x00'), max_size=6)
LINE = st.one_of(
    st.builds(lambda v: "data:" + v, VALUE),
    st.builds(lambda v: "data: " + v, VALUE),
    st.just("data"),
    st.builds(lambda v: "id: " + v, VALUE),
    st.just("id"),
    st.just("id:"),
    st.builds(lambda v: "event: " + v, VALUE),
    st.builds(lambda v: ": " + v, VALUE),
    st.builds(lambda v: "retry: " + v, st.sampled_from(["10", "x", "-1", ""])),
    st.builds(lambda v: "other: " + v, VALUE),
    st.just(""),
)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    lines = draw(st.lists(LINE, min_size=1, max_size=30))
    ends = draw(st.lists(st.sampled_from(["\n", "\r", "\r\n"]), min_size=len(lines), max_size=len(lines)))
    text = "".join(line + end for line, end in zip(lines, ends, strict=True)) + "\n\n"
    if draw(st.booleans()):
        text = "\ufeff" + text
    raw = text.encode("utf-8")
    cuts = sorted(set(draw(st.lists(st.integers(0, len(raw)), max_size=12))))
    return raw, cuts


@settings(max_examples=300, deadline=None)
@given(streams())
def test_decoder_dispatches_what_the_whatwg_algorithm_does(case: tuple[bytes, list[int]]) -> None:
    raw, cuts = case
    decoder = FrameDecoder(1 << 20, LOG)
    got = []
    for start, end in zip([0, *cuts], [*cuts, len(raw)], strict=True):
        got.extend((f.event, f.data, f.id) for f in decoder.feed(raw[start:end]) if f.data)
    assert got == reference(raw.decode("utf-8"))
