"""Coevolution of cooperation and network structure with recommender-chosen rewiring
(seed 002, sections 2-3, after Santos, Pacheco & Lenaerts, PLoS Comp Biol 2(10) e140, 2006)."""
