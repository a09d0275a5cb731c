"""PPO on a flat-observation environment (``learn.flat``): on a two-state contextual bandit
whose best arm depends on the state, the trained argmax policy picks the best arm in each
state, and random arms do not."""

import gymnasium
import numpy as np

from polislab.learn import ppo
from polislab.learn.flat import FlatTask
from polislab.learn.ppo_params import PPOParams

BEST = (2, 0)  # the paying arm in state 0 and in state 1


class Bandit(gymnasium.Env):
    """One decision per episode: the state is one-hot of 2, an arm pays 1 if it is that state's best."""

    observation_space = gymnasium.spaces.Box(0.0, 1.0, (2,), np.float32)
    action_space = gymnasium.spaces.Discrete(4)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.state = int(self.np_random.integers(2))
        return np.eye(2, dtype=np.float32)[self.state], {}

    def step(self, action):
        paid = float(action == BEST[self.state])
        return np.zeros(2, dtype=np.float32), paid, False, True, {"paid": paid}


def test_ppo_learns_the_best_arm_of_each_state():
    settings = PPOParams(decisions=1024, envs=8, rollout=8, minibatch=32, learning_rate=0.01, eval_episodes=64,
                         eval_every=0)
    task = FlatTask(Bandit, width=16, layers=1, episode_columns=("paid",))
    trainer = ppo.train(settings, 3, task)
    choose = ppo.argmax_actions(trainer.ranking, task.batch, task.observation_keys)
    assert ppo.evaluate(choose, Bandit, 64, 5, ("paid",))["return"].mean() == 1.0
    guess = ppo.evaluate(lambda obs, envs: [int(e.np_random.integers(4)) for e in envs], Bandit, 64, 5, ("paid",))
    assert guess["return"].mean() < 0.5
    assert trainer.curves["eval_return"][-1] == 1.0  # the curve's last point is the final policy's


def test_a_task_without_a_teacher_is_refused_imitation_before_any_training():
    import pytest

    from polislab.core.errors import UsageError

    class Imitating(PPOParams):
        @property
        def imitation_updates(self) -> int:
            return 1

    with pytest.raises(UsageError, match="FlatTask has no teacher"):
        ppo.Trainer(Imitating(decisions=8, envs=1, rollout=8), 0, FlatTask(Bandit))
