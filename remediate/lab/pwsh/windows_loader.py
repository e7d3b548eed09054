"""Imports every module of `remediate.lab.windows`, so that clr.TYPES, clr.CMDLETS, clr.ADAPTERS and
clr.COM_CLASSES hold every simulation before a script runs (the interpreter finds Windows only through them)."""

from __future__ import annotations

import importlib
import pkgutil

import remediate.lab.windows as windows

_LOADED = False


def load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    for module in pkgutil.iter_modules(windows.__path__):
        importlib.import_module(f"{windows.__name__}.{module.name}")
    _LOADED = True
