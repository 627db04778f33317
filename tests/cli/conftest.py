# The bridge commands talk to a real server; the world-model commands run tiny models on a tiny
# recorded dataset. Both sets of fixtures are shared with the packages' own tests.
from tests.robot_bridge.conftest import robot, server  # noqa: F401
from tests.worldmodel.conftest import tiny_checkpoints, wm_dataset  # noqa: F401
