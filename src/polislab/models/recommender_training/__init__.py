"""PPO training of recommender policies for the coevolution model (seed 002, section 4)."""
