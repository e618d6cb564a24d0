import re

from hypothesis import given, strategies as st

from khazar.text.offsets import TrackedText, raw_offset_from_anchors


def test_edits_keep_raw_offsets():
    raw = "ab&zwnj;cd  ef"
    t = TrackedText(raw).apply([(2, 8, "\u200c")]).sub(re.compile(" {2,}"), " ")
    assert t.text == "ab\u200ccd ef"
    assert raw[slice(*t.raw_span(3, 5))] == "cd"
    assert raw[slice(*t.raw_span(6, 8))] == "ef"
    # the inserted ZWNJ points at the entity it came from
    assert raw[slice(*t.raw_span(2, 3))].startswith("&")


def test_sub_edits_only_the_changed_part():
    t = TrackedText("فاطمة").sub(re.compile(r"\w+ة"), lambda m: m.group(0)[:-1] + "ه")
    assert t.text == "فاطمه"
    assert [t.raw_offset(i) for i in range(5)] == [0, 1, 2, 3, 4]


def test_overlapping_edits_are_refused():
    t = TrackedText("abcdef")
    try:
        t.apply([(0, 3, "x"), (2, 4, "y")])
    except ValueError as exc:
        assert "overlapping" in str(exc)
    else:
        raise AssertionError("overlapping edits were accepted")


@given(st.text(alphabet="اب پ\u200c &;ةيك\n ", max_size=60), st.data())
def test_anchors_reproduce_the_map(raw, data):
    t = TrackedText(raw)
    for _ in range(data.draw(st.integers(0, 3))):
        n = len(t.text)
        a = data.draw(st.integers(0, n))
        b = data.draw(st.integers(a, n))
        t = t.apply([(a, b, data.draw(st.text(alphabet="xy", max_size=3)))])
    anchors = t.anchors()
    for pos in range(len(t.text)):
        assert raw_offset_from_anchors(anchors, pos) == t.raw_offset(pos)
        assert 0 <= t.raw_offset(pos) <= len(raw)
