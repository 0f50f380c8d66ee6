"""Shared constants for the runtime tests (a uniquely named module: several test folders have a conftest)."""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
TOY_MODULES = ["toy.msgs", "toy.adapters", "toy.hosts"]
