"""Layer 4: experiment specs, sweeps, executors, the results store and the reproduction catalog."""
