"""A pure-Python implementation of the coevolution rules (seed 002, Algorithm .1, with the
defaults of polislab's model), slow and plain, to check the compiled kernel statistically."""

import math


def simulate_reference(n, edges, strategy, steps, beta, w, payoff, recommender, rng):
    """Returns (final cooperator share, rewires). payoff[(mine, theirs)], 1 = C, 0 = D."""
    neighbours = {v: set() for v in range(n)}
    for u, v in edges:
        neighbours[u].add(v)
        neighbours[v].add(u)
    strategy = list(strategy)
    rewires = 0

    def fitness(v):
        return sum(payoff[(strategy[v], strategy[u])] for u in neighbours[v])

    def fermi(gain):
        return 1 / (1 + math.exp(-beta * gain))

    def valid(x, z):
        return z != x and z not in neighbours[x]

    def recommend(x, y):
        if recommender == "local":
            pool = [z for z in neighbours[y] if valid(x, z)]
        elif recommender == "good":
            pool = [z for z in range(n) if strategy[z] == 1 and valid(x, z)]
        elif recommender == "random":
            pool = [z for z in range(n) if valid(x, z)]
        else:
            raise ValueError(recommender)
        return rng.choice(pool) if pool else None

    for _ in range(steps):
        if sum(strategy) in (0, n):
            break
        x = rng.randrange(n)
        if not neighbours[x]:
            continue
        y = rng.choice(sorted(neighbours[x]))
        f_x, f_y = fitness(x), fitness(y)
        if rng.random() < 1 / (1 + w):
            if rng.random() < fermi(f_y - f_x):
                strategy[x] = strategy[y]
            continue
        if strategy[y] == 1:
            continue
        x_wins = rng.random() < fermi(f_x - f_y)
        if strategy[x] == 1:
            if not x_wins:
                continue
            rewirer, dropped = x, y
        else:
            rewirer, dropped = (x, y) if x_wins else (y, x)
        if len(neighbours[dropped]) <= 1:
            continue
        z = recommend(rewirer, dropped)
        if z is None:
            continue
        neighbours[rewirer].remove(dropped)
        neighbours[dropped].remove(rewirer)
        neighbours[rewirer].add(z)
        neighbours[z].add(rewirer)
        rewires += 1
    return sum(strategy) / n, rewires
