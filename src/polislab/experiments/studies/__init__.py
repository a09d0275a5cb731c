"""Catalog entries of each study (experiments and the source claims they check)."""
