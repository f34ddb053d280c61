"""Modules imported on first use, so that ``import graphmax`` does not import numba.

numba and the kernel modules take about 40% of ``import graphmax`` (~0.15-0.2 s
of ~0.4 s); a program that only builds graphs, or reads the docs, never needs
them. `lazy` stands in for a module in the importer's globals and, on the
first attribute read, imports it (under the import system's own lock: safe
from several threads) and puts the real module in its place, so later reads
cost what a module attribute costs.
"""

from __future__ import annotations

import importlib


class lazy:  # noqa: N801 -- reads as the module it stands for
    """Stand-in for module `name`, bound to ``namespace[binding]`` of the importing module."""

    __slots__ = ("_name", "_namespace", "_binding")

    def __init__(self, name: str, namespace: dict, binding: str):
        self._name, self._namespace, self._binding = name, namespace, binding

    def __getattr__(self, attr):
        module = importlib.import_module(self._name)
        if self._namespace.get(self._binding) is self:
            self._namespace[self._binding] = module
        return getattr(module, attr)

    def __repr__(self):
        return f"<lazy module {self._name!r}>"
