"""Layer 3: one package per study. Each registers itself under its name when imported."""
