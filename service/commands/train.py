"""`attune train`: placeholder until its owner lands it."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="(in progress)")
    p.set_defaults(func=lambda args: 2)
