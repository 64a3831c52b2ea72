"""The link predictor: node embeddings -> R-GCN encoder -> KGE decoder, trained 1-N.

An encoder–decoder model in the sense of Schlichtkrull et al. (ESWC 2018): the R-GCN encoder
(:mod:`.rgcn_encoder`) contextualises every entity with its typed neighbourhood, and a KGE
decoder (:mod:`.decoders`: DistMult, ComplEx or RotatE) scores triples. Training scores each
(head, relation) query against all entities at once and minimises cross-entropy with label
smoothing (1-N scoring, Dettmers et al., "Convolutional 2D Knowledge Graph Embeddings", AAAI
2018; reciprocal relations and N3 regularisation after Lacroix et al., "Canonical Tensor
Decomposition for Knowledge Base Completion", ICML 2018).

Node inputs are a learnable embedding per entity plus, when given, a learned projection of
fixed features (MiniLM embeddings of entity labels): an entity seen in few or no training
edges still lands near entities with similar names.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .decoders import DECODERS
from .rgcn_encoder import RGCNEncoder


class LinkPredictor(nn.Module):
    """R-GCN + KGE decoder link predictor.

    Args:
        num_nodes: entities.
        num_relations: relation types R (the model adds the R reciprocals).
        channels: embedding size (even for ComplEx/RotatE).
        decoder: ``"complex"``, ``"distmult"`` or ``"rotate"``.
        num_layers: R-GCN layers (0: a plain KGE model).
        num_bases: R-GCN basis matrices.
        features: optional fixed node features ``[num_nodes, F]``.
        node_dropout: with features, the chance that an entity's own embedding is left out
            of a training step.
    """

    def __init__(self, num_nodes: int, num_relations: int, channels: int = 200, decoder: str = "complex",
                 num_layers: int = 1, num_bases: int = 4, dropout: float = 0.2, input_dropout: float = 0.1,
                 features: Tensor | None = None, node_dropout: float = 0.25) -> None:
        super().__init__()
        self.num_nodes, self.num_relations, self.channels = num_nodes, num_relations, channels
        self.node_emb = nn.Embedding(num_nodes, channels)
        self.features: Tensor | None
        self.feature_proj: nn.Linear | None
        if features is not None:
            self.register_buffer("features", features.float())
            self.feature_proj = nn.Linear(features.size(1), channels, bias=False)
        else:
            self.features = None
            self.feature_proj = None
        self.encoder = RGCNEncoder(channels, 2 * num_relations, num_layers, num_bases, dropout) if num_layers else None
        self.decoder = DECODERS[decoder](num_relations, channels)
        self.input_dropout = input_dropout
        self.node_dropout = node_dropout if features is not None else 0.0
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.node_emb.weight, std=1e-1 if isinstance(self.decoder, DECODERS["rotate"]) else 1e-3 ** 0.5)
        if self.feature_proj is not None:
            # With features, an entity's own embedding starts at zero: one that never appears in
            # training stays there and is represented by its features alone, not by noise.
            nn.init.zeros_(self.node_emb.weight)
            nn.init.xavier_uniform_(self.feature_proj.weight)
        if self.encoder is not None:
            self.encoder.reset_parameters()
        self.decoder.reset_parameters()

    @staticmethod
    def message_graph(triples: Tensor, num_relations: int) -> tuple[Tensor, Tensor]:
        """Typed ``edge_index`` of the training triples with inverse edges (type ``r + R``),
        so messages flow both ways along every fact."""
        h, r, t = triples.t()
        edge_index = torch.stack([torch.cat([h, t]), torch.cat([t, h])])
        return edge_index, torch.cat([r, r + num_relations])

    def encode(self, edge_index: Tensor, edge_type: Tensor, nodes: Tensor | None = None) -> Tensor:
        """Node embeddings after message passing; ``nodes`` selects the rows of a sampled
        subgraph (mini-batches), whose ``edge_index`` is then local to it."""
        x = self.node_emb.weight if nodes is None else self.node_emb(nodes)
        if self.feature_proj is not None:
            assert self.features is not None  # a feature projection is made only with features
            if self.training and self.node_dropout:
                # Drop whole entities' own embeddings now and then, so the feature projection
                # must carry meaning on its own (what rare and new entities rely on).
                keep = torch.rand(x.size(0), 1, device=x.device) >= self.node_dropout
                x = x * keep
            feats = self.features if nodes is None else self.features[nodes]
            x = x + self.feature_proj(feats)
        x = F.dropout(x, p=self.input_dropout, training=self.training)
        if self.encoder is not None and edge_index.numel():
            x = self.encoder(x, edge_index, edge_type)
        return x

    def forward(self, z: Tensor, heads: Tensor, relations: Tensor, candidates: Tensor | None = None) -> Tensor:
        """Scores ``[B, C]`` of each query against each candidate (default: every node)."""
        return self.decoder.score_all(z[heads], relations, z if candidates is None else z[candidates])

    def loss(self, scores: Tensor, targets: Tensor, label_smoothing: float = 0.1) -> Tensor:
        """Cross-entropy over all candidates (the true tail is the class)."""
        return F.cross_entropy(scores, targets, label_smoothing=label_smoothing)

    def regularizer(self, z: Tensor, heads: Tensor, relations: Tensor, tails: Tensor) -> Tensor:
        return self.decoder.regularizer(z[heads], relations, z[tails])

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(nodes={self.num_nodes}, relations={self.num_relations}, "
                f"encoder={self.encoder.convs if self.encoder else None}, decoder={self.decoder})")
