"""The knowledge base: clinical numbers, rules and references as TOML data, validated at load."""

from microneedling.knowledge.loader import KnowledgeError, load_from, load_knowledge
from microneedling.knowledge.models import Knowledge

__all__ = ["Knowledge", "KnowledgeError", "load_from", "load_knowledge"]
