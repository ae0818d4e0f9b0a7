import os

import pytest

from bot import PROJECT_ROOT
from bot.training import ensure_model
from tests.integration.stack import start_stack


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def model():
    """Trained once; reruns with unchanged training data reuse it (cached by fingerprint)."""
    return ensure_model(PROJECT_ROOT / "models")


ADMIN_TOKEN = "admin-token-canary-5b1f"  # noqa: S105 - must never reach a child process


@pytest.fixture(scope="session")
def stack(model, tmp_path_factory):
    stack = start_stack(tmp_path_factory.mktemp("stack"), {"DIGIBRIDGE_ADMIN_TOKEN": ADMIN_TOKEN})
    yield stack
    children = stack.children()
    assert len(children) == 2, "Rasa and the action server run as children of `digibridge up`"
    code = stack.stop()
    assert code == 0, f"digibridge up did not stop cleanly ({code}):\n{stack.log_tail()}"
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
