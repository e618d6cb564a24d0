"""Date expressions in Persian news → ISO 8601 calendar values.

See docs/times.md for the resolution rules. All words (month names, weekdays, relative
words …) come from khazar/kb/data/time_words.yaml; the regexes are built from it once, at import.

Matching runs on the *shadow* of the text (khazar.text.fold.shadow: digits → ASCII, Arabic letter forms →
Persian, one character for one), so every offset found in the shadow is an offset in the caller's text. The
words of the data file are shadowed too, so that the regexes built from them are written in the same letters.

grammar.py builds the tables and regexes, resolve.py finds the expressions and their values (find_times), and
estimate.py checks and bounds them (check_weekdays, parse_dateline, estimate_published).
"""
from ...model import TimeValue
from .estimate import check_weekdays, estimate_published, parse_dateline
from .resolve import find_times

__all__ = ["TimeValue", "find_times", "check_weekdays", "parse_dateline", "estimate_published"]
