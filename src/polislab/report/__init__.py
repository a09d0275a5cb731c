"""Layer 5: the reproduction report, drawn from stored results only."""
