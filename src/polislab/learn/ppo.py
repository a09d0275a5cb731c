"""Proximal policy optimisation over a batch of environments, with an optional imitation warm start
(seed 002, section 4.2, trains its recommenders with PPO; Schulman et al. 2017).

A model supplies a ``Task``: its environments (Gymnasium's ``reset``/``step``), the policy and
value modules, how a batch of observations becomes tensors, and, to imitate, a teacher; ``learn``
supplies the learning. PPO's parts come from TorchRL: ``ClipPPOLoss`` (clipped objective, value
loss, entropy bonus, normalised advantages) and ``generalized_advantage_estimate``. The ``envs``
environments step together, each decision of all of them one batched forward pass.

Choices where the source is silent, each a setting of the ``PPOSettings`` the model's parameters
provide: the hyper-parameters; an episode that reaches its time limit ends there (nothing is
bootstrapped past it); ``gamma`` = 1 so the return is the episode's total.

The learning curve has one row per update: the mean return of the training episodes that ended in
it and the task's episode columns, the mean of the task's descriptions of the chosen actions, the
losses, and, every ``eval_every`` updates, the argmax policy's mean return on ``eval_episodes``
fixed episodes. ``keep`` = best keeps the policy of the best of these evaluations.

With a teacher (``imitation_updates`` > 0, ours), the first updates are played by the teacher
while the policy learns its choices (``imitation.choice_set_loss``) and the critic its returns.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from polislab.core.environment import import_leaving_environment_alone
from polislab.core.errors import UsageError
from polislab.core.files import write_atomically
from polislab.core.jsonable import jsonable
from polislab.core.plain import from_plain, to_plain
from polislab.core.progress import Progress
from polislab.core.seeding import derived_seed
from polislab.learn.imitation import choice_set_loss, draw_from
from polislab.learn.ranking import Tempered

_tensordict, _tensordict_nn, _modules, _objectives, _functional = import_leaving_environment_alone(
    "tensordict", "tensordict.nn", "torchrl.modules", "torchrl.objectives", "torchrl.objectives.value.functional")
TensorDict, TensorDictModule = _tensordict.TensorDict, _tensordict_nn.TensorDictModule
MaskedCategorical, ProbabilisticActor, ValueOperator = (_modules.MaskedCategorical, _modules.ProbabilisticActor,
                                                        _modules.ValueOperator)
ClipPPOLoss, generalized_advantage_estimate = _objectives.ClipPPOLoss, _functional.generalized_advantage_estimate

CHECKPOINT_FORMAT = "polislab-ppo-checkpoint-2"  # 2: the coevolution state draws its update coins ahead
Choose = Callable[[list, list], list]  # (observations, envs) -> actions


class PPOSettings(Protocol):
    """The hyper-parameters PPO reads from a model's training parameters (attributes)."""

    envs: int
    rollout: int
    epochs: int
    minibatch: int
    learning_rate: float
    gamma: float
    gae_lambda: float
    clip: float
    entropy: float
    temperature: float
    critic: float
    max_grad_norm: float
    eval_episodes: int
    eval_every: int
    keep: str
    device: str
    checkpoint: str
    checkpoint_every: int
    imitation_updates: int
    updates: int


class Task(Protocol):
    """What a model supplies to PPO."""

    observation_keys: Sequence[str]  # the inputs of the policy and value modules, in order
    episode_columns: Sequence[str]  # info entries at an episode's end: train_<name> on the curve
    evaluation_columns: Sequence[str]  # info entries at an evaluation episode's end
    curve_columns: Sequence[str]  # of those, eval_<name> on the curve
    action_columns: Sequence[str]  # what ``describe`` says of a chosen action: action_<name> on the curve

    def make_env(self, environment: str | None = None) -> Any:
        """A fresh environment (the training one, or another by name for evaluation). To be
        checkpointed it offers ``get_state()`` (plain data: arrays, numbers, strings) and
        ``set_state(saved)``."""

    def policy(self, initial: bool = True) -> nn.Module:
        """The policy module: logits over actions from the observation keys; with ``initial``
        False only its shape (a checkpoint's weights replace them: a start that would be trained
        first is not)."""

    def value(self) -> nn.Module:
        """The value module: a state value from the observation keys."""

    def batch(self, observations: list[dict]) -> dict[str, torch.Tensor]:
        """Observations as tensors, the observation keys and a boolean ``mask`` of valid actions."""

    def describe(self, env, action: int) -> tuple:
        """The action columns of a chosen action, averaged over an update's actions."""

    def teacher(self, env, observation: dict) -> np.ndarray:
        """The teacher's choice set at this decision (boolean over actions); only a task that
        imitates has one."""

    def declined(self, observation: dict) -> int:
        """The action that stands for the teacher declining (its choice set empty)."""


def argmax_actions(module: nn.Module, batch: Callable[[list[dict]], dict], keys: Sequence[str]) -> Choose:
    """The evaluation policy of a module: for a batch of observations, each one's best-scored valid
    action (seed 002, 4.2)."""
    device = next(module.parameters()).device

    def choose(observations: list[dict], envs: list) -> list[int]:
        tensors = {key: value.to(device) for key, value in batch(observations).items()}
        with torch.no_grad():
            scores = module(*(tensors[key] for key in keys))
        scores[~tensors["mask"]] = -torch.inf
        return torch.argmax(scores, dim=1).tolist()

    return choose


def random_actions(observations: list[dict], envs: list) -> list[int]:
    """Uniformly random valid actions (each observation's ``mask``), drawn by each environment."""
    return [int(env.np_random.choice(np.flatnonzero(o["mask"]))) for o, env in zip(observations, envs)]


def evaluate(choose: Choose, make_env: Callable[[], Any], episodes: int, seed: int, columns: Sequence[str],
             together: int = 64) -> dict[str, np.ndarray]:
    """``choose(observations, envs) -> actions`` on ``episodes`` fixed episodes (seeds apart from
    training's), ``together`` at a time (one batched decision per step): per episode its return
    and the info entries ``columns`` at its end."""
    rows = []
    for first in range(0, episodes, together):
        envs = [make_env() for _ in range(min(together, episodes - first))]
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
        rows.extend((totals[i], *(info[column] for column in columns)) for i, info in enumerate(infos))
    values = np.array(rows, dtype=np.float64).T
    return dict(zip(("return", *columns), values))


def _unfunctional(name: str) -> str:
    """A loss weight's name in checkpoints written before the loss ran its modules directly
    (``functional=False``; they held copies named ``actor_network_params``/``critic_network_params``)."""
    for network in ("actor_network", "critic_network"):
        if name.startswith(f"{network}_params."):
            return name.replace(f"{network}_params.", f"{network}.", 1)
    return name


class Trainer:
    """The PPO loop over a batch of environments; its whole state saves as plain data into a
    checkpoint (``snapshot``) that resumes it exactly."""

    def __init__(self, settings: PPOSettings, seed: int, task: Task, initial: bool = True):
        if settings.imitation_updates and not hasattr(task, "teacher"):
            raise UsageError(f"{type(task).__name__} has no teacher to imitate; allowed: no imitation updates")
        self.params, self.seed, self.task = settings, seed, task
        self.device = torch.device(settings.device)
        torch.manual_seed(derived_seed(seed, 10))  # inside fork_rng (see train): no global effect
        self.ranking = task.policy(initial)  # initialised on the CPU: the same start on every device
        self.ranking.to(self.device)
        keys = list(task.observation_keys)
        self.sampling = Tempered(self.ranking, settings.temperature)
        self.actor = ProbabilisticActor(
            TensorDictModule(self.sampling, in_keys=keys, out_keys=["logits"]),
            in_keys=["logits", "mask"], distribution_class=MaskedCategorical, return_log_prob=True)
        self.value = task.value().to(self.device)
        self.critic = ValueOperator(self.value, in_keys=keys)
        self.loss = ClipPPOLoss(self.actor, self.critic, clip_epsilon=settings.clip, entropy_coeff=settings.entropy,
                                critic_coeff=settings.critic, normalize_advantage=True, functional=False,
                                log_explained_variance=False).to(self.device)
        # functional=False: the loss runs the modules as they are, the same arithmetic as functional copies
        # without swapping weights in and out at each call (20% of training); the explained variance, a
        # logged figure no curve keeps, is not computed
        self.weights = list(self.loss.parameters())  # listed once: a module walk per minibatch costs
        self.optimiser = torch.optim.Adam(self.weights, lr=settings.learning_rate, fused=True)
        # fused: one compiled pass over all weights instead of a dozen torch operations per weight tensor
        # (a quarter of the time of Adam's steps at N = 100; the same update, rounded once per value)
        self.envs = [task.make_env() for _ in range(settings.envs)]
        self.teacher_rng = np.random.default_rng(derived_seed(seed, 15))  # the teacher's draws
        self.episodes = 0
        self.observations = [self._reset(env) for env in self.envs]
        self.returns = np.zeros(settings.envs)
        self.update = 0
        self.last_evaluation: tuple[int, dict] | None = None
        self.best: tuple[float, int, dict] | None = None  # (evaluation return, update, policy weights)
        self.curves: dict[str, list] = {name: [] for name in (
            "step", "decisions", "imitating", "episodes", "train_return",
            *(f"train_{name}" for name in task.episode_columns), *(f"action_{name}" for name in task.action_columns),
            "eval_return", *(f"eval_{name}" for name in task.curve_columns), "loss_objective", "loss_critic",
            "entropy")}

    def _reset(self, env) -> dict:
        self.episodes += 1
        return env.reset(seed=derived_seed(self.seed, 11, self.episodes))[0]

    def _tensors(self, observations: list[dict]) -> dict[str, torch.Tensor]:
        return {key: value.to(self.device) for key, value in self.task.batch(observations).items()}

    @property
    def imitating(self) -> bool:
        return self.update < self.params.imitation_updates

    def evaluate(self) -> dict[str, np.ndarray]:
        """The argmax policy on ``eval_episodes`` fixed episodes of the training environment."""
        choose = argmax_actions(self.ranking, self.task.batch, self.task.observation_keys)
        return evaluate(choose, self.task.make_env, self.params.eval_episodes, self.seed, self.task.evaluation_columns)

    def collect(self) -> tuple:
        """``rollout`` decisions of every environment with the sampling policy, or while imitating
        with the teacher's draws."""
        steps, ended = [], []
        described = []
        rewards = np.zeros((self.params.envs, self.params.rollout), dtype=np.float32)
        done = np.zeros((self.params.envs, self.params.rollout), dtype=bool)
        for t in range(self.params.rollout):
            batch = self._tensors(self.observations)
            with torch.no_grad():
                if self.imitating:
                    self.teach(batch)
                else:
                    self.sample(batch)
            steps.append(batch)
            for i, (env, action) in enumerate(zip(self.envs, batch["action"].tolist())):
                described.append(self.task.describe(env, action))
                observation, reward, terminated, truncated, info = env.step(action)
                rewards[i, t] = reward
                self.returns[i] += reward
                if terminated or truncated:
                    done[i, t] = True
                    ended.append((self.returns[i], *(info[name] for name in self.task.episode_columns)))
                    self.returns[i] = 0.0
                    observation = self._reset(env)
                self.observations[i] = observation
        data = TensorDict({key: torch.stack([step[key] for step in steps], dim=1) for key in steps[0]},
                          batch_size=[self.params.envs, self.params.rollout], device=self.device)
        last = self._tensors(self.observations)
        # the critic values every state of the rollout and the states it left off at in one batched pass:
        # its weights do not change while the rollout runs
        keys = self.task.observation_keys
        states = [torch.cat((data[key].flatten(0, 1), last[key])) for key in keys]
        with torch.no_grad():
            values = self.value(*states)
        data["state_value"] = values[:-self.params.envs].unflatten(0, (self.params.envs, self.params.rollout))
        columns = {name: np.mean([row[i] for row in described]) for i, name in enumerate(self.task.action_columns)}
        return data, values[-self.params.envs:], rewards, done, ended, columns

    def sample(self, batch) -> None:
        """What PPO keeps of the actor's (a ProbabilisticActor's) sampling, computed as it does (the
        same draws), without its TensorDict machinery: a third of a rollout step at N = 100."""
        logits = self.sampling(*(batch[key] for key in self.task.observation_keys))
        choice = MaskedCategorical(logits=logits, mask=batch["mask"])
        action = choice.sample(torch.Size(()))
        batch["action"], batch["action_log_prob"] = action, choice.log_prob(action)  # the loss recomputes the logits

    def teach(self, batch) -> None:
        """The teacher's choices at each pending decision (``teacher``) and its uniform draw among
        them (``action``; the task's 'declined' action when it has none)."""
        choices = np.stack([self.task.teacher(env, observation)
                            for env, observation in zip(self.envs, self.observations)])
        actions = [draw_from(row, self.task.declined(observation), self.teacher_rng)
                   for row, observation in zip(choices, self.observations)]
        batch["teacher"] = torch.from_numpy(choices).to(self.device)
        batch["action"] = torch.tensor(actions, device=self.device)

    def imitation_losses(self, batch) -> dict:
        """Cross-entropy of the policy against the teacher's choice set, and the critic's loss on
        the teacher's returns, as ClipPPOLoss weighs and measures it (smooth L1)."""
        keys = self.task.observation_keys
        scores = self.ranking(*(batch[key] for key in keys))
        objective, entropy = choice_set_loss(scores, batch["mask"], batch["teacher"])
        value = self.value(*(batch[key] for key in keys))
        critic = self.params.critic * torch.nn.functional.smooth_l1_loss(value, batch["value_target"])
        return {"loss_objective": objective, "loss_critic": critic, "loss_entropy": torch.zeros_like(critic),
                "entropy": entropy.detach()}

    def advantages(self, data, last_value, rewards, done) -> None:
        value = data["state_value"]  # [envs, rollout, 1]
        next_value = torch.cat((value[:, 1:], last_value.unsqueeze(1)), dim=1)
        finished = torch.from_numpy(done).unsqueeze(-1).to(self.device)
        paid = torch.from_numpy(rewards).unsqueeze(-1).to(self.device)
        advantage, target = generalized_advantage_estimate(
            self.params.gamma, self.params.gae_lambda, value, next_value, paid, finished, finished, time_dim=-2)
        data["advantage"], data["value_target"] = advantage, target

    def optimise(self, data) -> dict:
        flat = data.reshape(-1)
        size = flat.shape[0]
        generator = torch.Generator().manual_seed(derived_seed(self.seed, 12, self.update))
        totals = {"loss_objective": 0.0, "loss_critic": 0.0, "entropy": 0.0}
        batches = 0
        for _ in range(self.params.epochs):
            shuffled = flat[torch.randperm(size, generator=generator).to(self.device)]  # one gather an epoch
            for begin in range(0, size, self.params.minibatch):
                minibatch = shuffled[begin: begin + self.params.minibatch]
                losses = self.imitation_losses(minibatch) if self.imitating else self.loss(minibatch)
                total = losses["loss_objective"] + losses["loss_critic"] + losses["loss_entropy"]
                self.optimiser.zero_grad()
                total.backward()
                torch.nn.utils.clip_grad_norm_(self.weights, self.params.max_grad_norm, foreach=True)
                self.optimiser.step()
                for name in totals:
                    totals[name] += float(losses[name].detach())
                batches += 1
        return {name: value / batches for name, value in totals.items()}

    def train_one_update(self) -> None:
        imitating = self.imitating
        data, last_value, rewards, done, ended, described = self.collect()
        self.advantages(data, last_value, rewards, done)
        losses = self.optimise(data)
        self.update += 1
        p = self.params
        evaluating = (p.eval_every and self.update % p.eval_every == 0) or self.update == p.updates
        evaluation = self.evaluate() if evaluating else None
        self.last_evaluation = (self.update, evaluation) if evaluating else self.last_evaluation
        if evaluating and (self.best is None or evaluation["return"].mean() > self.best[0]):
            weights = {name: tensor.clone() for name, tensor in self.ranking.state_dict().items()}
            self.best = (float(evaluation["return"].mean()), self.update, weights)
        row = {
            "step": self.update, "decisions": self.update * p.envs * p.rollout, "imitating": float(imitating),
            "episodes": len(ended),
            "train_return": np.mean([r[0] for r in ended]) if ended else np.nan,
            **{f"train_{name}": np.mean([r[1 + i] for r in ended]) if ended else np.nan
               for i, name in enumerate(self.task.episode_columns)},
            **{f"action_{name}": value for name, value in described.items()},
            "eval_return": evaluation["return"].mean() if evaluation else np.nan,
            **{f"eval_{name}": evaluation[name].mean() if evaluation else np.nan for name in self.task.curve_columns},
            **losses,
        }
        for name, value in row.items():
            self.curves[name].append(value)

    def kept_policy(self) -> tuple[nn.Module, int]:
        """The policy a run returns and its update: the last one, or (``keep`` = best) the best
        evaluated."""
        if self.params.keep == "final":
            return self.ranking, self.update
        kept = copy.deepcopy(self.ranking)
        kept.load_state_dict(self.best[2])
        return kept, self.best[1]

    def saved(self) -> dict:
        """The whole training state as plain data (``core.plain``): weights, optimiser, curves,
        environments, observations and random streams."""
        best = None if self.best is None else {"return": self.best[0], "update": self.best[1], "weights": self.best[2]}
        last = None if self.last_evaluation is None else list(self.last_evaluation)
        return to_plain({
            "loss": self.loss.state_dict(), "ranking": self.ranking.state_dict(),
            "optimiser": self.optimiser.state_dict(), "update": self.update, "episodes": self.episodes,
            "returns": self.returns, "observations": self.observations, "curves": self.curves,
            "best": best, "last_evaluation": last, "teacher_rng": self.teacher_rng.bit_generator.state,
            "envs": [env.get_state() for env in self.envs]})

    def restore(self, saved: dict) -> None:
        """Continue from the state ``saved`` wrote."""
        saved = from_plain(saved)
        self.loss.load_state_dict({_unfunctional(name): value for name, value in saved["loss"].items()})
        self.ranking.load_state_dict(saved["ranking"])
        self.optimiser.load_state_dict(saved["optimiser"])
        for group in self.optimiser.param_groups:
            group["fused"] = True  # a checkpoint written before Adam was fused would turn it off
        self.update, self.episodes, self.returns = saved["update"], saved["episodes"], saved["returns"]
        self.observations, self.curves = list(saved["observations"]), saved["curves"]
        best = saved["best"]
        self.best = None if best is None else (best["return"], best["update"], best["weights"])
        self.last_evaluation = None if saved["last_evaluation"] is None else tuple(saved["last_evaluation"])
        self.teacher_rng.bit_generator.state = saved["teacher_rng"]
        for env, state in zip(self.envs, saved["envs"]):
            env.set_state(state)

    def snapshot(self, identity: str) -> bytes:
        """A checkpoint's contents: the training state of the run ``identity``, and torch's random
        streams, written by ``torch.save`` as plain data."""
        buffer = io.BytesIO()
        cuda = torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None
        torch.save({"format": CHECKPOINT_FORMAT, "identity": identity, "seed": self.seed, "trainer": self.saved(),
                    "torch_rng": torch.get_rng_state(), "cuda_rng": cuda}, buffer)
        return buffer.getvalue()


def run_identity(settings: PPOSettings) -> str:
    """What a checkpoint must match to be resumed: every training parameter."""
    return json.dumps(jsonable(settings), sort_keys=True)


def _load_checkpoint(path: str, settings: PPOSettings, seed: int, task: Task) -> Trainer | None:
    """The trainer saved at ``path`` when it is this run's; None when there is none or it is
    another run's; a one-line error when it cannot be read. Nothing in it runs code: it is read
    with ``torch.load(weights_only=True)``."""
    if not path or not Path(path).is_file():
        return None
    try:
        saved = torch.load(io.BytesIO(Path(path).read_bytes()), map_location="cpu", weights_only=True)
        if not isinstance(saved, dict) or saved.get("format") != CHECKPOINT_FORMAT:
            raise ValueError("not a polislab training checkpoint")
    except Exception as error:  # noqa: BLE001 - any unreadable checkpoint gets the same one-line message
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise UsageError(f"checkpoint '{path}' cannot be read ({reason}); delete it to train afresh") from None
    if saved["identity"] != run_identity(settings) or saved["seed"] != seed:
        return None  # a checkpoint of another run: start afresh (and overwrite it)
    trainer = Trainer(settings, seed, task, initial=False)
    trainer.restore(saved["trainer"])
    torch.set_rng_state(saved["torch_rng"])
    if saved.get("cuda_rng") is not None:
        torch.cuda.set_rng_state(saved["cuda_rng"], trainer.device)
    return trainer


def train(settings: PPOSettings, seed: int, task: Task, progress: Progress | None = None) -> Trainer:
    """Every update of a run (resumed from its ``checkpoint`` when there is one), within its own
    torch random state: the caller's is left as it was."""
    device = torch.device(settings.device)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        trainer = _load_checkpoint(settings.checkpoint, settings, seed, task) or Trainer(settings, seed, task)
        while trainer.update < settings.updates:
            trainer.train_one_update()
            if progress is not None:
                progress(trainer.update, settings.updates)
            if settings.checkpoint and (trainer.update % settings.checkpoint_every == 0
                                        or trainer.update == settings.updates):
                snapshot = trainer.snapshot(run_identity(settings))
                write_atomically(settings.checkpoint, lambda temporary: temporary.write_bytes(snapshot))
    return trainer
