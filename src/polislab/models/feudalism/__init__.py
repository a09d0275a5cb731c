"""The land-corn-labour world where feudalism may emerge (seed 001, chapter 3)."""
