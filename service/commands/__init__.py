"""Sub-commands of `attune`; each module adds its parser and sets `func`."""

from __future__ import annotations

from types import ModuleType

from service.commands import evaluate, label, model_path, serve, train

COMMANDS: tuple[ModuleType, ...] = (train, evaluate, label, serve, model_path)
