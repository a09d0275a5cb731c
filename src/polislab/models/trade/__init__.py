"""Q-learning traders in the sugar-and-spice world (seed 001, "Numerical Politics", chapter 2)."""
