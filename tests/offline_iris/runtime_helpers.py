"""Shared constants for the runtime tests (a uniquely named module: several test folders have a conftest)."""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
TOY_MODULES = ["toy.msgs", "toy.adapters", "toy.hosts"]

# The walk-through production of toy/tour.py (after pyprod's QuickStart): service -> process -> operation.
TOUR_ITEMS = """
  <Item Name="Counter" ClassName="Tour.Counter" PoolSize="1" Enabled="true">
    <Setting Target="Host" Name="target">Chooser</Setting>
    <Setting Target="Adapter" Name="CallInterval">0.1</Setting>
  </Item>
  <Item Name="Chooser" ClassName="Tour.Chooser" PoolSize="1" Enabled="true">
    <Setting Target="Host" Name="target">Packer</Setting>
  </Item>
  <Item Name="Packer" ClassName="Tour.Packer" PoolSize="1" Enabled="true"/>
"""


def production_xml(name, items):
    return f'<Production Name="{name}">{items}</Production>'
