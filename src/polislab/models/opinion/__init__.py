"""Social reinforcement learning of opinions (seed 003)."""
