"""Reasoning over the built graph: a relational GNN link predictor (torch-geometric).

``data`` turns the store into typed edges, ``link_predictor`` (an R-GCN encoder with a
KGE decoder) learns them, ``evaluate`` scores it with filtered ranks, ``runs`` keeps model
runs under the store, and ``infer`` writes predicted links back, apart from extracted facts.
Heavy imports (torch, torch_geometric) happen inside these modules, never here.
"""

import warnings

# torch_geometric's import scripts a few helpers with torch.jit, which torch 2.14 warns about on
# every run; the warning is PyG's business, not the user's.
warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=FutureWarning)
warnings.filterwarnings("ignore", message=r".*without a 'pyg-lib' installation is deprecated.*")
