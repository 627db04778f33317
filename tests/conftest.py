import os

os.environ.setdefault("MUJOCO_GL", "egl")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def sim():
    from robot_bridge.sim.tabletop import TabletopSim

    s = TabletopSim(image_size=64)
    yield s
    s.close()
