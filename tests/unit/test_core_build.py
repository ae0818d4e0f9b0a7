"""The core as `digibridge up` assembles it."""

import asyncio

from bot.core.build import running_core, training_vocabulary
from bot.settings import Settings


def test_the_vocabulary_for_apologies_is_read_at_start_not_at_the_first_apology(tmp_path):
    # Reading it takes seconds; the first "I'm having trouble" of an outage must not wait.
    training_vocabulary.cache_clear()

    async def go():
        loop = asyncio.get_running_loop()
        async with running_core(Settings(data_dir=tmp_path), "token", "secret"):
            deadline = loop.time() + 60
            while training_vocabulary.cache_info().currsize == 0:
                assert loop.time() < deadline, "nobody asked, and it was never read"
                await asyncio.sleep(0.1)

    asyncio.run(go())
