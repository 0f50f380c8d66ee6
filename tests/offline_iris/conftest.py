"""Fixtures for the offline runtime tests: a runtime with the toy components loaded."""

import pytest
from runtime_helpers import HERE, TOY_MODULES

from offline_iris import OfflineIRIS


@pytest.fixture
def loaded(tmp_path):
    with OfflineIRIS(workdir=tmp_path) as rt:
        rt.reports = rt.load(TOY_MODULES, source_root=HERE)
        import toy.adapters
        import toy.hosts

        for lst in (toy.hosts.INIT_SEEN, toy.hosts.BP_INSTANCES, toy.hosts.FILES, toy.adapters.CALLS):
            del lst[:]
        yield rt


@pytest.fixture
def running(loaded):
    loaded.start_production("Toy.ToyProduction")
    yield loaded
    loaded.stop_production()
