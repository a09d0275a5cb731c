"""PPO training of a recommender policy (seed 002, section 4.2), registered as the model
``recommender-training`` so that training runs, sweeps, stores and reports like any other run.

The policy is the ranking module of ``policy.py``; the environment is ``env.RecommenderEnv``.
PPO's parts come from TorchRL: ``ClipPPOLoss`` (clipped objective, value loss, entropy bonus,
normalised advantages) and ``generalized_advantage_estimate``. ``envs`` environments are
stepped together, each decision of all of them one batched forward pass.

Choices where the source is silent, each a parameter: the hyper-parameters below; an episode
that reaches the time limit ends there (the reward is paid at the end either way, so nothing is
bootstrapped past it); ``gamma`` = 1 so the return is the source's episode total.

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

With ``imitate`` (ours; the source trains from scratch), the first ``imitation_decisions``
decisions are played by a heuristic recommender while the ranking module learns its choices:
cross-entropy against the heuristic's whole choice set (-log of the probability the module puts on
it; ``imitation.py``), and the critic the heuristic's returns. PPO then starts from the
heuristic's sharp recommendations: from scratch at N = 100 its samples stayed nearly uniform
(entropy 4.25 of ln 71) and it learned from nearly random recommendations. The learning curve's
``imitating`` column marks those updates; ``keep`` = best may keep one of them.

``device`` = cuda puts the policy, its PPO updates and its evaluations on a GPU; the environments
still step on the CPU, one batched forward pass per decision of all of them. The weights start
the same on every device, but a GPU's sums (sparse message passing scatters with atomics) are
not bit-reproducible, so two GPU runs with one seed agree only statistically.
"""

from __future__ import annotations

import copy
import math
import pickle
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from polislab.core.errors import UsageError
from polislab.core.files import write_atomically
from polislab.core.params import Params
from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.seeding import derived_seed
from polislab.models.coevolution.imitation import TEACHERS
from polislab.models.coevolution.params import PRESETS as ENVIRONMENTS

OBSERVATION_KEYS = ["features", "edge_index", "focus"]
SHAPE = ("hidden", "width", "layers", "heads", "summary")  # what a policy file must match to be continued


class TrainingParams(Params):
    """One typed configuration for a training run (seed 002, section 4.2)."""

    environment: str = Field("table4-n10", description="coevolution preset to train on (seed 002, Table 4: "
                             "table4-n10, table4-n30, table4-n100, table4-n500)")
    reward: Literal["coops", "rewires", "coops-change"] = Field(
        "coops", description="coops: aligned, 2 (final cooperators - 0.5); rewires: engagement, requests per "
        "time-limit step; coops-change: coops paid step by step as 2 x the change in cooperators (same ranking)")
    hidden: Literal["mlp", "gat"] = Field("mlp", description="hidden module H of the ranking module (Fig. 8)")
    width: int = Field(32, ge=1, le=1024, description="embedding width")
    layers: int = Field(2, ge=1, le=8, description="layers of the hidden module")
    heads: int = Field(2, ge=1, le=16, description="attention heads per GAT layer (averaged)")
    summary: Literal["sum", "mean"] = Field("sum", description="graph summary h_g of the score module: sum "
                                            "(seed 002, 4.1.1) or mean (one scale at every size)")
    start_from: str | TrainingParams = Field(
        "", description="policy file to continue training from (a curriculum from small to large N), or the "
        "parameters of a training run (seed start_seed), trained first within this run, whose policy to continue "
        "from; its hidden, width, layers, heads and summary must be these")
    start_seed: int = Field(0, ge=0, description="seed of the start_from training run, when start_from is one")
    imitate: Literal[("", *TEACHERS)] = Field(
        "", description="a heuristic recommender to imitate before PPO (ours): its choices are the targets of "
        "the first imitation_decisions decisions, which it plays itself")
    imitation_decisions: int = Field(0, ge=0, le=10**10, description="decisions of imitation before PPO "
                                     "(with imitate)")
    decisions: int = Field(20_000, ge=0, le=10**10, description="training length in environment steps "
                           "(rewiring decisions) of PPO, after any imitation")
    envs: int = Field(8, ge=1, le=4096, description="environments stepped together")
    rollout: int = Field(32, ge=1, le=100_000, description="decisions per environment per update")
    epochs: int = Field(4, ge=1, le=100, description="PPO epochs per update")
    minibatch: int = Field(64, ge=1, description="decisions per gradient step")
    learning_rate: float = Field(3e-3, gt=0, le=1, description="Adam step size")
    gamma: float = Field(1.0, gt=0, le=1, description="discount")
    gae_lambda: float = Field(0.95, ge=0, le=1, description="GAE lambda")
    clip: float = Field(0.2, gt=0, le=1, description="PPO clip epsilon")
    entropy: float = Field(0.01, ge=0, description="entropy bonus coefficient")
    temperature: float = Field(1.0, gt=0, le=100, description="sampling temperature in training: the categorical "
                               "over nodes has logits scores / temperature (below 1: sharper; evaluation is argmax)")
    critic: float = Field(0.5, ge=0, description="value loss coefficient")
    max_grad_norm: float = Field(1.0, gt=0, description="gradient norm clip")
    eval_episodes: int = Field(20, ge=1, le=100_000, description="episodes of each evaluation (argmax policy)")
    eval_every: int = Field(5, ge=0, description="evaluate every this many updates; 0: only at the end")
    evaluate_on: list[str] = Field(default_factory=list, description="further presets to evaluate the "
                                   "final policy on (Fig. 13), as table4-n30,table4-n100")
    keep: Literal["final", "best"] = Field(
        "final", description="the policy a run returns: final (after the last update) or best (of the best "
        "evaluation; its final evaluation then runs on fresh episodes, so the choice does not flatter it)")
    save_to: str = Field("", description="write the trained policy to this file (loads as recommender=PATH)")
    checkpoint: str = Field("", description="checkpoint file: written during training, resumed from if present")
    checkpoint_every: int = Field(10, ge=1, description="updates between checkpoints")
    device: str = Field("cpu", description="torch device of the policy, its training and its evaluation: cpu, "
                        "cuda or cuda:N (the environments step on the CPU either way)")

    @field_validator("evaluate_on", mode="before")
    @classmethod
    def _split(cls, value):
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, name: str) -> str:
        if name not in ENVIRONMENTS:
            raise ValueError(f"unknown environment '{name}'; allowed: {', '.join(ENVIRONMENTS)}")
        return name

    @field_validator("evaluate_on")
    @classmethod
    def _known_environments(cls, names: list[str]) -> list[str]:
        for name in names:
            cls._known_environment(name)
        return names

    @field_validator("device")
    @classmethod
    def _known_device(cls, name: str) -> str:
        import torch

        try:
            device = torch.device(name)
        except RuntimeError:
            raise ValueError(f"unknown device '{name}'; allowed: cpu, cuda, cuda:N") from None
        if device.type not in ("cpu", "cuda"):
            raise ValueError(f"device '{name}' is not supported; allowed: cpu, cuda, cuda:N")
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device '{name}' asked for, but torch sees no CUDA GPU here; allowed: cpu")
        return name

    @field_validator("save_to")
    @classmethod
    def _policy_suffix(cls, path: str) -> str:
        if path and not path.endswith(".pt"):
            raise ValueError(f"save_to '{path}' must end in .pt (how a policy file is recognised)")
        return path

    @model_validator(mode="after")
    def _start_of_the_same_shape(self) -> TrainingParams:
        if isinstance(self.start_from, TrainingParams):
            for name in SHAPE:
                if getattr(self.start_from, name) != getattr(self, name):
                    raise ValueError(f"start_from trains a policy with {name}={getattr(self.start_from, name)}; "
                                     f"allowed: {name}={getattr(self, name)}, the shape of this run's policy")
        return self

    @model_validator(mode="after")
    def _imitation_needs_a_teacher(self) -> TrainingParams:
        if self.imitation_decisions and not self.imitate:
            raise ValueError(f"imitation_decisions = {self.imitation_decisions} needs imitate (a heuristic "
                             f"recommender: {', '.join(TEACHERS)})")
        if self.updates == 0:
            raise ValueError("decisions = 0 trains nothing; allowed: decisions >= 1, or imitation_decisions >= 1 "
                             "with imitate")
        return self

    @property
    def imitation_updates(self) -> int:
        return math.ceil(self.imitation_decisions / (self.envs * self.rollout)) if self.imitate else 0

    @property
    def updates(self) -> int:
        """Every update of the run: imitation first, then PPO."""
        return self.imitation_updates + math.ceil(self.decisions / (self.envs * self.rollout))


PRESETS = {
    f"{hidden}-{reward}-n{n}": dict(environment=f"table4-n{n}", reward=reward, hidden=hidden)
    for n in (10, 30, 100, 500) for hidden in ("mlp", "gat") for reward in ("coops", "rewires")
}


class Trainer:
    """The PPO loop over a batch of environments; its whole state pickles into a checkpoint."""

    def __init__(self, params: TrainingParams, seed: int):
        import torch
        from torchrl.modules import MaskedCategorical, ProbabilisticActor, ValueOperator
        from torchrl.objectives import ClipPPOLoss
        from tensordict.nn import TensorDictModule

        from polislab.models.coevolution.env import RecommenderEnv
        from polislab.models.coevolution.policy import Critic, RankingModule, Tempered

        self.params, self.seed = params, seed
        self.device = torch.device(params.device)
        torch.manual_seed(derived_seed(seed, 10))  # inside fork_rng (see train): no global effect
        config = {name: getattr(params, name) for name in SHAPE}
        self.ranking = RankingModule(**config)  # initialised on the CPU: the same start on every device
        if params.start_from:
            self.ranking.load_state_dict(_starting_policy(params.start_from, params.start_seed, config).state_dict())
        self.ranking.to(self.device)
        self.actor = ProbabilisticActor(
            TensorDictModule(Tempered(self.ranking, params.temperature), in_keys=OBSERVATION_KEYS,
                             out_keys=["logits"]),
            in_keys=["logits", "mask"], distribution_class=MaskedCategorical, return_log_prob=True)
        self.value = Critic(width=params.width, layers=params.layers).to(self.device)
        self.critic = ValueOperator(self.value, in_keys=OBSERVATION_KEYS)
        self.loss = ClipPPOLoss(self.actor, self.critic, clip_epsilon=params.clip, entropy_coeff=params.entropy,
                                critic_coeff=params.critic, normalize_advantage=True).to(self.device)
        self.optimiser = torch.optim.Adam(self.loss.parameters(), lr=params.learning_rate)
        self.envs = [RecommenderEnv(params.environment, params.reward) for _ in range(params.envs)]
        self.teacher_rng = np.random.default_rng(derived_seed(seed, 15))  # the imitated heuristic's draws
        self.episodes = 0
        self.observations = [self._reset(env) for env in self.envs]
        self.returns = np.zeros(params.envs)
        self.update = 0
        self.last_evaluation: tuple[int, dict] | None = None
        self.best: tuple[float, int, dict] | None = None  # (evaluation return, update, ranking weights)
        self.curves: dict[str, list] = {name: [] for name in (
            "step", "decisions", "imitating", "episodes", "train_return", "train_cooperators", "action_strategy",
            "action_degree", "eval_return", "eval_cooperators", "eval_requests", "loss_objective", "loss_critic",
            "entropy")}

    def _reset(self, env) -> dict:
        self.episodes += 1
        return env.reset(seed=derived_seed(self.seed, 11, self.episodes))[0]

    def _batch(self, observations: list[dict]):
        from tensordict import TensorDict

        return TensorDict(stacked(observations), batch_size=[len(observations)], device=self.device)

    @property
    def imitating(self) -> bool:
        return self.update < self.params.imitation_updates

    def collect(self) -> tuple:
        """``rollout`` decisions of every environment with the sampling policy, or while imitating
        with the teacher's draws."""
        import torch
        from torchrl.envs.utils import ExplorationType, set_exploration_type

        steps, ended = [], []
        strategies, degrees = [], []
        rewards = np.zeros((self.params.envs, self.params.rollout), dtype=np.float32)
        done = np.zeros((self.params.envs, self.params.rollout), dtype=bool)
        for t in range(self.params.rollout):
            batch = self._batch(self.observations)
            with torch.no_grad(), set_exploration_type(ExplorationType.RANDOM):
                if self.imitating:
                    self.teach(batch)
                else:
                    self.actor(batch)
                self.critic(batch)
            steps.append(batch)
            for i, (env, action) in enumerate(zip(self.envs, batch["action"].tolist())):
                strategies.append(env.state.strategy[action])
                degrees.append(env.state.graph.degree[action])
                observation, reward, terminated, truncated, info = env.step(action)
                rewards[i, t] = reward
                self.returns[i] += reward
                if terminated or truncated:
                    done[i, t] = True
                    ended.append((self.returns[i], info["cooperators"]))
                    self.returns[i] = 0.0
                    observation = self._reset(env)
                self.observations[i] = observation
        data = torch.stack(steps, dim=1)  # [envs, rollout]
        last = self._batch(self.observations)
        with torch.no_grad():
            self.critic(last)
        return data, last["state_value"], rewards, done, ended, np.mean(strategies), np.mean(degrees)

    def teach(self, batch) -> None:
        """The teacher's choices at each pending decision (``teacher``) and its uniform draw among
        them (``action``; the focus itself, an invalid answer that keeps the link, when it has none)."""
        import torch

        from polislab.models.coevolution.imitation import draw_from, teacher_choices

        choices = np.stack([teacher_choices(self.params.imitate, env.state, observation)
                            for env, observation in zip(self.envs, self.observations)])
        actions = [draw_from(row, observation, self.teacher_rng)
                   for row, observation in zip(choices, self.observations)]
        batch["teacher"] = torch.from_numpy(choices).to(self.device)
        batch["action"] = torch.tensor(actions, device=self.device)

    def imitation_losses(self, batch) -> dict:
        """Cross-entropy of the ranking module's distribution against the teacher's choice set
        (-log of the probability it puts on the set), and the critic's loss on the teacher's
        returns, as ClipPPOLoss weighs and measures it (smooth L1)."""
        import torch

        scores = self.ranking(batch["features"], batch["edge_index"], batch["focus"])
        log_p = scores.masked_fill(~batch["mask"], -torch.inf).log_softmax(dim=-1)
        taught = batch["teacher"].any(dim=-1)
        on_choices = log_p.masked_fill(~batch["teacher"], -torch.inf).logsumexp(dim=-1)
        objective = -on_choices[taught].mean() if taught.any() else scores.sum() * 0.0
        entropy = -(log_p.exp() * log_p.masked_fill(~batch["mask"], 0.0)).sum(dim=-1).mean()
        value = self.value(batch["features"], batch["edge_index"], batch["focus"])
        critic = self.params.critic * torch.nn.functional.smooth_l1_loss(value, batch["value_target"])
        return {"loss_objective": objective, "loss_critic": critic, "loss_entropy": torch.zeros_like(critic),
                "entropy": entropy.detach()}

    def advantages(self, data, last_value, rewards, done) -> None:
        import torch
        from torchrl.objectives.value.functional import generalized_advantage_estimate

        value = data["state_value"]  # [envs, rollout, 1]
        next_value = torch.cat((value[:, 1:], last_value.unsqueeze(1)), dim=1)
        finished = torch.from_numpy(done).unsqueeze(-1).to(self.device)
        paid = torch.from_numpy(rewards).unsqueeze(-1).to(self.device)
        advantage, target = generalized_advantage_estimate(
            self.params.gamma, self.params.gae_lambda, value, next_value, paid, finished, finished, time_dim=-2)
        data["advantage"], data["value_target"] = advantage, target

    def optimise(self, data) -> dict:
        import torch

        flat = data.reshape(-1)
        size = flat.shape[0]
        generator = torch.Generator().manual_seed(derived_seed(self.seed, 12, self.update))
        totals = {"loss_objective": 0.0, "loss_critic": 0.0, "entropy": 0.0}
        batches = 0
        for _ in range(self.params.epochs):
            order = torch.randperm(size, generator=generator).to(self.device)
            for begin in range(0, size, self.params.minibatch):
                minibatch = flat[order[begin: begin + self.params.minibatch]]
                losses = self.imitation_losses(minibatch) if self.imitating else self.loss(minibatch)
                total = losses["loss_objective"] + losses["loss_critic"] + losses["loss_entropy"]
                self.optimiser.zero_grad()
                total.backward()
                torch.nn.utils.clip_grad_norm_(self.loss.parameters(), self.params.max_grad_norm)
                self.optimiser.step()
                for name in totals:
                    totals[name] += float(losses[name].detach())
                batches += 1
        return {name: value / batches for name, value in totals.items()}

    def train_one_update(self) -> None:
        imitating = self.imitating
        data, last_value, rewards, done, ended, strategy, degree = self.collect()
        self.advantages(data, last_value, rewards, done)
        losses = self.optimise(data)
        self.update += 1
        p = self.params
        evaluating = (p.eval_every and self.update % p.eval_every == 0) or self.update == p.updates
        evaluation = evaluate(self.ranking, p.environment, p.reward, p.eval_episodes, self.seed) if evaluating \
            else None
        self.last_evaluation = (self.update, evaluation) if evaluating else self.last_evaluation
        if evaluating and (self.best is None or evaluation["return"].mean() > self.best[0]):
            weights = {name: tensor.clone() for name, tensor in self.ranking.state_dict().items()}
            self.best = (float(evaluation["return"].mean()), self.update, weights)
        row = {
            "step": self.update, "decisions": self.update * p.envs * p.rollout, "imitating": float(imitating),
            "episodes": len(ended),
            "train_return": np.mean([r for r, _ in ended]) if ended else np.nan,
            "train_cooperators": np.mean([c for _, c in ended]) if ended else np.nan,
            "action_strategy": strategy, "action_degree": degree,
            "eval_return": evaluation["return"].mean() if evaluation else np.nan,
            "eval_cooperators": evaluation["cooperators"].mean() if evaluation else np.nan,
            "eval_requests": evaluation["requests"].mean() if evaluation else np.nan,
            **losses,
        }
        for name, value in row.items():
            self.curves[name].append(value)

    def kept_policy(self) -> tuple:
        """The ranking module a run returns and its update: the last one, or (``keep`` = best)
        the best evaluated."""
        if self.params.keep == "final":
            return self.ranking, self.update
        kept = copy.deepcopy(self.ranking)
        kept.load_state_dict(self.best[2])
        return kept, self.best[1]

    def snapshot(self) -> bytes:
        import torch

        cuda = torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None
        return pickle.dumps({"trainer": self, "torch_rng": torch.get_rng_state(), "cuda_rng": cuda})


def stacked(observations: list[dict]) -> dict:
    """A batch of observations as tensors: features [B, N, 2], edge_index [B, 2, E], focus [B],
    mask [B, N] (bool)."""
    import torch

    return {
        "features": torch.from_numpy(np.stack([o["features"] for o in observations])),
        "edge_index": torch.from_numpy(np.stack([o["edge_index"] for o in observations])),
        "focus": torch.tensor([o["focus"] for o in observations]),
        "mask": torch.from_numpy(np.stack([o["mask"] for o in observations]).astype(bool)),
    }


def argmax_actions(module):
    """The evaluation policy of a ranking module: for a batch of observations, each one's
    best-scored valid node (seed 002, 4.2)."""
    import torch

    device = next(module.parameters()).device

    def choose(observations: list[dict], envs: list) -> list[int]:
        batch = {key: value.to(device) for key, value in stacked(observations).items()}
        with torch.no_grad():
            scores = module(*(batch[key] for key in OBSERVATION_KEYS))
        scores[~batch["mask"]] = -torch.inf
        return torch.argmax(scores, dim=1).tolist()

    return choose


def random_actions(observations: list[dict], envs: list) -> list[int]:
    """Uniformly random valid nodes: the ``random`` heuristic as an environment policy."""
    return [int(env.np_random.choice(np.flatnonzero(o["mask"]))) for o, env in zip(observations, envs)]


def evaluate(choose, environment: str, reward: str, episodes: int, seed: int,
             together: int = 64) -> dict[str, np.ndarray]:
    """``choose(observations, envs) -> nodes`` (a ranking module: its argmax) on ``episodes`` fixed
    episodes, seeds apart from training's, ``together`` at a time (one batched decision per step):
    per episode its return, final cooperators, rewire requests, rewires and degree variance."""
    from torch import nn

    from polislab.models.coevolution.env import RecommenderEnv

    if isinstance(choose, nn.Module):
        choose = argmax_actions(choose)
    rows = []
    for first in range(0, episodes, together):
        envs = [RecommenderEnv(environment, reward) for _ in range(min(together, episodes - first))]
        observations = [env.reset(seed=derived_seed(seed, 13, first + i))[0] for i, env in enumerate(envs)]
        totals, infos = np.zeros(len(envs)), [None] * len(envs)
        active = list(range(len(envs)))
        while active:
            actions = choose([observations[i] for i in active], [envs[i] for i in active])
            still = []
            for i, action in zip(active, actions):
                observations[i], r, terminated, truncated, infos[i] = envs[i].step(action)
                totals[i] += r
                if not (terminated or truncated):
                    still.append(i)
            active = still
        rows.extend((totals[i], info["cooperators"], info["requests"], info["rewires"], info["heterogeneity"])
                    for i, info in enumerate(infos))
    columns = np.array(rows, dtype=np.float64).T
    return dict(zip(("return", "cooperators", "requests", "rewires", "heterogeneity"), columns))


def _starting_policy(start: str | TrainingParams, seed: int, config: dict):
    """The ranking module to continue from: the one saved at a path, or the one a training run
    (parameters ``start``, ``seed``) saves, trained here first; a clear error when its shape is not
    ``config``'s. A run's policy passes through a policy file's contents, as the saved file would,
    so both starts leave the random state as it was and train on alike."""
    from polislab.models.coevolution.policy import load_policy, policy_bytes, policy_from_bytes

    if isinstance(start, TrainingParams):
        return policy_from_bytes(policy_bytes(train(start, seed).kept_policy()[0], {}))[0]
    module = load_policy(start)[0]
    if module.config != config:
        held = ", ".join(f"{name}={value}" for name, value in module.config.items())
        raise UsageError(f"start_from '{start}' holds a policy with {held}; set those to continue from it")
    return module


def _load_checkpoint(path: str, params: TrainingParams, seed: int):
    import torch

    if not path or not Path(path).is_file():
        return None
    try:  # a checkpoint is a pickle of our own trainer: resume only from checkpoints you wrote
        saved = pickle.loads(Path(path).read_bytes())
        trainer = saved["trainer"]
    except Exception as error:  # noqa: BLE001 - any unreadable checkpoint gets the same one-line message
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise UsageError(f"checkpoint '{path}' cannot be read ({reason}); delete it to train afresh") from None
    if trainer.params != params or trainer.seed != seed:
        return None  # a checkpoint of another run: start afresh (and overwrite it)
    torch.set_rng_state(saved["torch_rng"])
    if saved.get("cuda_rng") is not None:
        torch.cuda.set_rng_state(saved["cuda_rng"], trainer.device)
    return trainer


def train(params: TrainingParams, seed: int, progress: Progress | None = None) -> Trainer:
    """Every update of a run (resumed from its checkpoint when there is one), within its own torch
    random state: the caller's, a training run starting from this one's policy included, is left as
    it was."""
    import torch

    device = torch.device(params.device)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        trainer = _load_checkpoint(params.checkpoint, params, seed) or Trainer(params, seed)
        while trainer.update < params.updates:
            trainer.train_one_update()
            if progress is not None:
                progress(trainer.update, params.updates)
            if params.checkpoint and (trainer.update % params.checkpoint_every == 0
                                      or trainer.update == params.updates):
                snapshot = trainer.snapshot()
                write_atomically(params.checkpoint, lambda temporary: temporary.write_bytes(snapshot))
    return trainer


@register("recommender-training", params=TrainingParams, presets=PRESETS,
          summary="PPO-trained MLP/GAT recommenders for coops or rewires (seed 002, section 4)")
def simulate(params: TrainingParams, seed: int, progress: Progress | None = None) -> Result:
    """Train a ranking-module recommender with PPO (seed 002, section 4.2)."""
    from polislab.models.coevolution.policy import policy_bytes, save_policy

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


def _final_evaluation(trainer: Trainer, kept, kept_update: int, params: TrainingParams,
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
