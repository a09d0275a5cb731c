"""Layer 1: what every model shares (registry, parameters, results, seeding, progress)."""
