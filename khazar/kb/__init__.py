"""Knowledge base: entity records (docs/kb.md), their loader, the fast name matcher and the knowledge files
(`data(name)`: word lists, patterns and titles under khazar/kb/data)."""

from khazar.kb.files import DATA_DIR, data
from khazar.kb.loader import KBRecord, KBValidationError, KnowledgeBase, load_kb
from khazar.kb.matcher import KBMatch, KBMatcher, get_matcher

__all__ = ["DATA_DIR", "KBMatch", "KBMatcher", "KBRecord", "KBValidationError", "KnowledgeBase", "data",
           "get_matcher", "load_kb"]
