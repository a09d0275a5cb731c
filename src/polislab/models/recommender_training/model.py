"""PPO training of a recommender policy (seed 002, section 4.2), registered as the model
``recommender-training`` so that training runs, sweeps, stores and reports like any other run.

It is built from the learning layer and the coevolution environment: the policy is the ranking
module of ``polislab.learn.ranking``, the learning ``polislab.learn.ppo`` (TorchRL's
``ClipPPOLoss`` and GAE over ``envs`` environments stepped together), the environment
``coevolution.env.RecommenderEnv``, and the imitation teacher a built-in recommender's choice set
(``coevolution.decision.teacher_choices``). ``RecommenderTask`` is all that joins them.

Choices where the source is silent, each a parameter: the hyper-parameters (``params.py``); an
episode that reaches the time limit ends there (the reward is paid at the end either way, so
nothing is bootstrapped past it); ``gamma`` = 1 so the return is the source's episode total.

The result's series are the learning curve, one row per update (``step``: the update number):
the mean return of the training episodes that ended in it, the mean strategy and degree of the
recommended nodes (seed 002, Figs. 9-11), and, every ``eval_every`` updates, the argmax policy's
mean return on ``eval_episodes`` fixed episodes. The run returns the last policy, or with
``keep`` = best the policy of the best of these evaluations (model selection, as early stopping),
evaluated again on fresh episodes. Its metrics are that final evaluation, on the training
environment and on each of ``evaluate_on`` (seed 002, Fig. 13: trained at one size, evaluated at
another). The policy travels as the artifact ``policy`` (the bytes of a policy file) and, with
``save_to``, as a file that loads as a recommender. With ``checkpoint``, the whole training state
(weights, optimiser, environments, random streams, curves) is written every
``checkpoint_every`` updates and a run resumes from it: a resumed run ends as an uninterrupted one.
The checkpoint is plain data (tensors, numbers, strings) read with ``torch.load(weights_only=True)``,
so a crafted file cannot run code.

With ``imitate`` (ours; the source trains from scratch), the first ``imitation_decisions``
decisions are played by a heuristic recommender while the ranking module learns its choices:
cross-entropy against the heuristic's whole choice set (-log of the probability the module puts on
it; ``polislab.learn.imitation``), and the critic the heuristic's returns. PPO then starts from the
heuristic's sharp recommendations: from scratch at N = 100 its samples stayed nearly uniform
(entropy 4.25 of ln 71) and it learned from nearly random recommendations. The learning curve's
``imitating`` column marks those updates; ``keep`` = best may keep one of them.

``device`` = cuda puts the policy, its PPO updates and its evaluations on a GPU; the environments
still step on the CPU, one batched forward pass per decision of all of them. The weights start
the same on every device, but a GPU's sums (sparse message passing scatters with atomics) are
not bit-reproducible, so two GPU runs with one seed agree only statistically.
"""

from __future__ import annotations

import numpy as np
import torch

from polislab.core.errors import UsageError
from polislab.core.files import check_output_file
from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.seeding import derived_seed
from polislab.learn import ppo
from polislab.learn.ranking import Critic, RankingModule, load_policy, policy_bytes, policy_from_bytes, save_policy
from polislab.models.coevolution.decision import FEATURES, teacher_choices
from polislab.models.coevolution.env import RecommenderEnv
from polislab.models.coevolution.recommenders import POLICY_SUFFIX
from polislab.models.recommender_training.params import PRESETS, SHAPE, TrainingParams

OBSERVATION_KEYS = ("features", "edge_index", "focus")
EVALUATION_COLUMNS = ("cooperators", "requests", "rewires", "heterogeneity")
random_actions = ppo.random_actions


def stacked(observations: list[dict]) -> dict:
    """A batch of observations as tensors: features [B, N, 2], edge_index [B, 2, E] (int32: half
    the bytes a PPO minibatch gathers), focus [B], mask [B, N] (bool)."""
    return {
        "features": torch.from_numpy(np.stack([o["features"] for o in observations])),
        "edge_index": torch.from_numpy(np.stack([o["edge_index"] for o in observations], dtype=np.int32)),
        "focus": torch.tensor([o["focus"] for o in observations]),
        "mask": torch.from_numpy(np.stack([o["mask"] for o in observations]).astype(bool)),
    }


class RecommenderTask:
    """What the coevolution model supplies to PPO (``learn.ppo.Task``): the recommender
    environment, the ranking module and its critic, and the imitated heuristic's choices."""

    observation_keys = OBSERVATION_KEYS
    episode_columns = ("cooperators",)
    evaluation_columns = EVALUATION_COLUMNS
    curve_columns = ("cooperators", "requests")
    action_columns = ("strategy", "degree")  # of the recommended nodes (seed 002, Figs. 9-11)

    def __init__(self, params: TrainingParams):
        self.params = params

    def make_env(self, environment: str | None = None) -> RecommenderEnv:
        return RecommenderEnv(environment or self.params.environment, self.params.reward)

    def policy(self, initial: bool = True) -> RankingModule:
        config = {"features": FEATURES, **{name: getattr(self.params, name) for name in SHAPE}}
        module = RankingModule(**config)
        if initial and self.params.start_from:
            module.load_state_dict(_starting_policy(self.params.start_from, self.params.start_seed,
                                                    config).state_dict())
        return module

    def value(self) -> Critic:
        return Critic(FEATURES, width=self.params.width, layers=self.params.layers)

    batch = staticmethod(stacked)

    def describe(self, env: RecommenderEnv, action: int) -> tuple:
        return env.state.strategy[action], env.state.graph.degree[action]

    def teacher(self, env: RecommenderEnv, observation: dict) -> np.ndarray:
        return teacher_choices(self.params.imitate, env.state, observation)

    def declined(self, observation: dict) -> int:
        return int(observation["focus"])  # the focus itself: an invalid answer, which keeps the link


def argmax_actions(module: torch.nn.Module) -> ppo.Choose:
    """The evaluation policy of a ranking module: each observation's best-scored valid node
    (seed 002, 4.2)."""
    return ppo.argmax_actions(module, stacked, OBSERVATION_KEYS)


def evaluate(choose, environment: str, reward: str, episodes: int, seed: int,
             together: int = 64) -> dict[str, np.ndarray]:
    """``choose(observations, envs) -> nodes`` (or a ranking module: its argmax) on ``episodes``
    fixed episodes of a Table 4 environment, ``together`` at a time: per episode its return, final
    cooperators, rewire requests, rewires and degree variance."""
    if isinstance(choose, torch.nn.Module):
        choose = argmax_actions(choose)
    return ppo.evaluate(choose, lambda: RecommenderEnv(environment, reward), episodes, seed, EVALUATION_COLUMNS,
                        together)


def _starting_policy(start: str | TrainingParams, seed: int, config: dict) -> RankingModule:
    """The ranking module to continue from: the one saved at a path, or the one a training run
    (parameters ``start``, ``seed``) saves, trained here first; a clear error when its shape is not
    ``config``'s. A run's policy passes through a policy file's contents, as the saved file would,
    so both starts leave the random state as it was and train on alike."""
    if isinstance(start, TrainingParams):
        return policy_from_bytes(policy_bytes(train(start, seed).kept_policy()[0], {}))[0]
    module = load_policy(start)[0]
    if module.config != config:
        held = ", ".join(f"{name}={value}" for name, value in module.config.items())
        raise UsageError(f"start_from '{start}' holds a policy with {held}; set those to continue from it")
    return module


def new_trainer(params: TrainingParams, seed: int) -> ppo.Trainer:
    """A PPO trainer at its first update (outside ``train``'s forked random state: it seeds torch)."""
    return ppo.Trainer(params, seed, RecommenderTask(params))


def train(params: TrainingParams, seed: int, progress: Progress | None = None) -> ppo.Trainer:
    """Every update of a training run (``learn.ppo.train``), resumed from its checkpoint if any."""
    return ppo.train(params, seed, RecommenderTask(params), progress)


@register("recommender-training", params=TrainingParams, presets=PRESETS,
          summary="PPO-trained MLP/GAT recommenders for coops or rewires (seed 002, section 4)",
          smoke={"environment": "table4-n10", "evaluate_on": [], "decisions": 32, "imitation_decisions": 32,
                 "envs": 2, "rollout": 16, "eval_episodes": 1, "eval_every": 1}, uses_torch=True)
def simulate(params: TrainingParams, seed: int, progress: Progress | None = None) -> Result:
    """Train a ranking-module recommender with PPO (seed 002, section 4.2)."""
    if params.save_to:  # a run that cannot write its outputs does not start
        check_output_file(params.save_to, "save_to", {POLICY_SUFFIX})
    if params.checkpoint:
        check_output_file(params.checkpoint, "checkpoint")
    trainer = train(params, seed, progress)
    kept, kept_update = trainer.kept_policy()
    trained_on = {"environment": params.environment, "reward": params.reward, "seed": seed,
                  "decisions": kept_update * params.envs * params.rollout}
    if params.save_to:
        save_policy(kept, params.save_to, trained_on)
    policy = np.frombuffer(policy_bytes(kept, trained_on), dtype=np.uint8)
    metrics, artifacts = _final_evaluation(trainer, kept, kept_update, params, seed)
    series = {name: np.asarray(values, dtype=np.float64) for name, values in trainer.curves.items()}
    return Result(params, seed, metrics, series, {"policy": policy, **artifacts})


def _final_evaluation(trainer: ppo.Trainer, kept, kept_update: int, params: TrainingParams,
                      seed: int) -> tuple[dict, dict]:
    """Means (metrics) and per-episode values (artifacts) of the kept argmax policy on the
    training environment (eval_*) and on each of ``evaluate_on`` (eval_<preset>_*). A policy
    chosen by its evaluation (``keep`` = best) is evaluated on other episodes than those it was
    chosen on."""
    metrics = {"updates": trainer.update, "trained_decisions": trainer.update * params.envs * params.rollout,
               "kept_update": kept_update}
    artifacts = {}
    episodes_seed = seed if params.keep == "final" else derived_seed(seed, 14)
    last_point = params.keep == "final" and trainer.last_evaluation[0] == trainer.update
    for environment in [params.environment, *params.evaluate_on]:
        if environment == params.environment and last_point:
            evaluation = trainer.last_evaluation[1]  # the learning curve's last point: the same episodes
        else:
            evaluation = evaluate(kept, environment, params.reward, params.eval_episodes, episodes_seed)
        prefix = evaluation_prefix(params, environment)
        for name, values in evaluation.items():
            metrics[f"{prefix}_{name}"] = float(values.mean())
            artifacts[f"{prefix}_{name}"] = values
    return metrics, artifacts


def evaluation_prefix(params: TrainingParams, environment: str) -> str:
    """eval on the training environment, eval_table4_n30 (say) on another."""
    return "eval" if environment == params.environment else f"eval_{environment.replace('-', '_')}"
