"""Layer 2: learners any model can use (gradient ascent on utilities, ...)."""
