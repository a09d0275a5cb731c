"""Self-confirming prophecies (seed 004, S. Armstrong, "Self-confirming prophecies, and
simplified Oracle designs", 2019): an oracle's prediction x changes the y it predicts."""
