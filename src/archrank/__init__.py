"""archrank: rank neural architectures with cheap heuristics, measure how faithful they are, and search."""

__version__ = "0.1.0"
