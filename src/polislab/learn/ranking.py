"""The graph ranking module (seed 002, section 4.1.1, Fig. 8) and its policy files: a learner any
model can use to choose one node of a graph for a focused node (a recommender choosing a new
neighbour, a bot choosing a target).

A hidden module H embeds every node, h_i = H(x_i): an MLP on the node's own features, or graph
attention layers (torch_geometric's GATConv, with self-loops, so a node can attend to its own
features as the source wanted; on the CPU their message passing runs compiled,
``polislab.learn.attention``, on a GPU as torch_geometric's or dense). The score module S scores
each node from [h_g, h_f, h_i], with h_g = sum_i h_i the graph summary and h_f the focused
node's embedding. ``summary="mean"`` (ours) takes the mean instead, so that h_g keeps one scale
on graphs of every size: a policy trained small and continued or evaluated large sees the inputs
it learned on. The source calls S a "single-layer MLP"; we read it as one hidden layer: a purely
linear S would add the same h_g and h_f terms to every node's score, so the graph and the
focused node could not change the ranking at all.
Scores become a masked categorical distribution: sampled in training, argmax in evaluation.
The critic (ours; the source does not describe one) is a linear layer on [mean_i h_i, h_f] over
its own hidden module, an MLP in training (a GAT critic doubled the cost of GAT training and
only estimates the value of a state).

The model supplies the observation: node ``features`` [N, F] (F = ``features``), the graph's
``edge_index`` [2, E] (both directions), the ``focus`` node and a ``mask`` of valid choices.
A policy file (``save_policy``) holds the module's configuration and weights, read back with
``torch.load(weights_only=True)`` (no code runs on loading).
"""

from __future__ import annotations

import io
from pathlib import Path

import torch
from torch import nn

from polislab.core.errors import UsageError
from polislab.core.files import write_atomically
from polislab.learn.attention import attention_layer, incoming_lists

FORMAT = "polislab-recommender-policy"  # the name policy files have carried since the first trained recommender
FEATURES_BEFORE_RECORDED = 2  # files whose configuration lacks "features" were all trained on seed 002's two
DENSE_FROM_DENSITY = 8  # on a GPU, graph attention over a dense adjacency when N^2 <= 8 x edges, else
DENSE_FROM_NODES = 64  # sparse, and N >= 64: smaller graphs cost little either way


class HiddenModule(nn.Module):
    """H: node embeddings from node features; ``kind`` mlp or gat (seed 002, 4.1.1)."""

    def __init__(self, features: int, kind: str = "mlp", width: int = 32, layers: int = 2, heads: int = 2):
        super().__init__()
        self.kind = kind
        if kind == "mlp":
            sizes = [features] + [width] * layers
            self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        elif kind == "gat":
            from torch_geometric.nn import GATConv

            sizes = [features] + [width] * layers
            self.layers = nn.ModuleList(GATConv(a, b, heads=heads, concat=False, add_self_loops=True)
                                        for a, b in zip(sizes, sizes[1:]))
        else:
            raise UsageError(f"unknown hidden module '{kind}'; allowed: mlp, gat")

    def forward(self, features: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """features [B, N, F], edge_index [B, 2, E] -> embeddings [B, N, width]. The GAT's three
        paths compute one function (tests: against GATConv, values and gradients); they round
        differently."""
        if self.kind == "mlp":
            h = features
            for layer in self.layers:
                h = torch.relu(layer(h))
            return h
        batch, n, _ = features.shape
        if features.device.type == "cpu":
            lists = incoming_lists(edge_index.numpy(), n)
            h = features
            for layer in self.layers:
                h = attention_layer(layer, h, lists)
            return h
        edge_index = edge_index.long()  # as torch_geometric wants it
        if n >= DENSE_FROM_NODES and n * n <= DENSE_FROM_DENSITY * edge_index.shape[2]:
            bias = attention_bias(edge_index, n)
            h = features
            for layer in self.layers:
                h = torch.nn.functional.elu(dense_attention(layer, h, bias))
            return h
        # the B graphs as one disjoint graph: sparse message passing over B N nodes
        offsets = (torch.arange(batch, device=features.device) * n).view(batch, 1, 1)
        edges = (edge_index + offsets).permute(1, 0, 2).reshape(2, -1)
        h = features.reshape(batch * n, -1)
        for layer in self.layers:
            h = torch.nn.functional.elu(layer(h, edges))
        return h.view(batch, n, -1)


def attention_bias(edge_index: torch.Tensor, n: int) -> torch.Tensor:
    """[B, 2, E] edges (source, target) -> [B, 1, N, N] additive attention mask, row = target:
    0 where a message passes (the links and every node's self-loop), -inf elsewhere."""
    batch = edge_index.shape[0]
    bias = torch.full((batch, n, n), float("-inf"), device=edge_index.device)
    graphs = torch.arange(batch, device=edge_index.device).view(batch, 1).expand(-1, edge_index.shape[2])
    bias[graphs, edge_index[:, 1], edge_index[:, 0]] = 0.0
    nodes = torch.arange(n, device=edge_index.device)
    bias[:, nodes, nodes] = 0.0
    return bias.unsqueeze(1)


def dense_attention(layer, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """A GATConv layer (its own weights) applied to [B, N, F] over a dense adjacency given as an
    additive mask ``bias`` [B, 1, N, N] (``attention_bias``): the same function as GATConv on the
    edges (Velickovic et al. 2018; the computation of torch_geometric's DenseGATConv). On graphs of
    density 1/8 or more, B N^2 attention logits cost less than gathering and scattering the B N k
    messages: GAT training at N = 100 (k = 28) runs about 4 times faster dense; at N = 500 (k = 30)
    sparse is 2.7 times faster. The logits are laid out [B, heads, target, source], so the softmax
    runs along contiguous memory (2.5 times faster, forward and backward, than along a middle
    dimension; the two round differently, by up to 2.4e-7 here)."""
    batch, n, _ = x.shape
    heads, width = layer.heads, layer.out_channels
    x = layer.lin(x).view(batch, n, heads, width).transpose(1, 2)  # [B, H, N, W]
    source = (x * layer.att_src.view(1, heads, 1, width)).sum(-1)  # [B, H, N]
    target = (x * layer.att_dst.view(1, heads, 1, width)).sum(-1)
    logits = torch.nn.functional.leaky_relu(source.unsqueeze(2) + target.unsqueeze(3), layer.negative_slope)
    weights = (logits + bias).softmax(dim=-1)  # [B, H, N(target), N(source)]
    out = torch.matmul(weights, x).transpose(1, 2)  # [B, N, H, W]
    out = out.reshape(batch, n, heads * width) if layer.concat else out.mean(dim=2)
    return out + layer.bias if layer.bias is not None else out


def _batched(features, edge_index, focus):
    if features.dim() == 2:
        return features.unsqueeze(0), edge_index.unsqueeze(0), focus.reshape(1), True
    return features, edge_index, focus.reshape(-1), False


def _focused(h: torch.Tensor, focus: torch.Tensor) -> torch.Tensor:
    return h[torch.arange(h.shape[0], device=h.device), focus]


class RankingModule(nn.Module):
    """Scores of every node as the new neighbour of the focused node (seed 002, Fig. 8)."""

    def __init__(self, features: int, hidden: str = "mlp", width: int = 32, layers: int = 2, heads: int = 2,
                 summary: str = "sum"):
        super().__init__()
        if summary not in ("sum", "mean"):
            raise UsageError(f"unknown graph summary '{summary}'; allowed: sum, mean")
        self.config = dict(features=features, hidden=hidden, width=width, layers=layers, heads=heads, summary=summary)
        self.hidden = HiddenModule(features, hidden, width, layers, heads)
        self.score = nn.Sequential(nn.Linear(3 * width, width), nn.ReLU(), nn.Linear(width, 1))

    def forward(self, features, edge_index, focus):
        features, edge_index, focus, single = _batched(features, edge_index, focus)
        h = self.hidden(features, edge_index)
        summarise = torch.sum if self.config["summary"] == "sum" else torch.mean
        h_g, h_f = summarise(h, dim=1), _focused(h, focus)
        first, width = self.score[0], h.shape[-1]  # S's first layer on [h_g, h_f, h_i], split by input
        weight = first.weight
        shared = torch.nn.functional.linear(torch.cat((h_g, h_f), dim=-1), weight[:, :2 * width], first.bias)
        hidden = torch.relu(torch.nn.functional.linear(h, weight[:, 2 * width:]) + shared.unsqueeze(1))
        scores = self.score[2](hidden).squeeze(-1)  # S([h_g, h_f, h_i]), without N copies of h_g and h_f
        return scores[0] if single else scores


class Tempered(nn.Module):
    """A ranking module's scores divided by a temperature: the logits of the sampling policy in
    training (ours). Shares the module's weights; argmax is unchanged. Tried against PPO's nearly
    uniform sampling at N = 100 (entropy 4.25 of ln 71 = 4.26): at 0.1 the scores shrank tenfold
    and the entropy stayed 4.25."""

    def __init__(self, module: nn.Module, temperature: float = 1.0):
        super().__init__()
        self.module, self.temperature = module, temperature

    def forward(self, *inputs):
        scores = self.module(*inputs)
        return scores if self.temperature == 1.0 else scores / self.temperature


class Critic(nn.Module):
    """The state value for PPO: a linear layer on [mean_i h_i, h_f] (ours)."""

    def __init__(self, features: int, hidden: str = "mlp", width: int = 32, layers: int = 2, heads: int = 2):
        super().__init__()
        self.hidden = HiddenModule(features, hidden, width, layers, heads)
        self.value = nn.Linear(2 * width, 1)

    def forward(self, features, edge_index, focus):
        features, edge_index, focus, single = _batched(features, edge_index, focus)
        h = self.hidden(features, edge_index)
        value = self.value(torch.cat((h.mean(dim=1), _focused(h, focus)), dim=-1))
        return value[0] if single else value


def policy_bytes(module: RankingModule, trained_on: dict) -> bytes:
    """A policy file's contents: the module's configuration and weights, and what it learned on."""
    buffer = io.BytesIO()
    weights = {name: tensor.cpu() for name, tensor in module.state_dict().items()}  # loads on any machine
    torch.save({"format": FORMAT, "config": module.config, "state_dict": weights, "trained_on": trained_on}, buffer)
    return buffer.getvalue()


def save_policy(module: RankingModule, path: str | Path, trained_on: dict) -> None:
    """Write a policy file atomically."""
    contents = policy_bytes(module, trained_on)
    write_atomically(path, lambda temporary: temporary.write_bytes(contents))


def policy_from_bytes(contents: bytes, source: str = "policy") -> tuple[RankingModule, dict]:
    """The ranking module in a policy file's contents, and what it was trained on."""
    try:
        saved = torch.load(io.BytesIO(contents), map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable file gets the same one-line message
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise UsageError(f"recommender policy file '{source}' cannot be read: {reason}") from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise UsageError(f"'{source}' is not a polislab recommender policy (train one with "
                         "'polislab run recommender-training')")
    module = RankingModule(**{"features": FEATURES_BEFORE_RECORDED, **saved["config"]})
    module.load_state_dict(saved["state_dict"])
    module.eval()
    return module, saved.get("trained_on", {})


def load_policy(path: str | Path) -> tuple[RankingModule, dict]:
    """The ranking module saved at ``path`` and what it was trained on; a clear error otherwise."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"recommender policy file '{path}' does not exist")
    return policy_from_bytes(path.read_bytes(), str(path))
