# The data-collection runs record with tiny models, shared with the world-model tests.
from tests.worldmodel.conftest import tiny_checkpoints  # noqa: F401
