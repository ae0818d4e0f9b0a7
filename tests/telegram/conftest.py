import pytest

from tests.telegram.fake_bot_api import FakeBotApi


@pytest.fixture
def bot_api():
    """A fresh fake Bot API server for one test."""
    server = FakeBotApi().start()
    yield server
    server.stop()
