"""Test-session settings."""

import os

# numba's and torch's OpenMP pools both spin-wait by default; in one process
# (the learned tests import torch after graphmax kernels ran) they slow each
# other down by orders of magnitude. Passive waiting removes the clash.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
