"""Knowledge base: entity records (docs/kb.md), their loader and the fast name matcher."""

from khazar.kb.loader import KBRecord, KBValidationError, KnowledgeBase, load_kb
from khazar.kb.matcher import KBMatch, KBMatcher, get_matcher

__all__ = ["KBMatch", "KBMatcher", "KBRecord", "KBValidationError", "KnowledgeBase", "get_matcher",
           "load_kb"]
