"""Topics are listed once, in the content catalogue: a topic added to the content is
reached from the menu at once, with no hand edit of the domain or rules and no retraining."""

import os
import shutil
import subprocess
import sys

from bot import PROJECT_ROOT

NEW_TOPIC = """
use_maps:
  title: "Finding your way with maps"
  text: |
    A map app shows where you are and how to get somewhere. Type the address, then choose
    walking, bus or car. Turn on location only while you use it.
"""


def test_a_topic_added_to_the_content_is_answered_from_the_menu(stack, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "data" / "content", content)
    catalogue = content / "catalogue.yml"
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8").replace(
            "      search_effectively:", "      use_maps: {}\n      search_effectively:", 1
        ),
        encoding="utf-8",
    )
    with (content / "skills" / "en.yml").open("a", encoding="utf-8") as answers:
        answers.write(NEW_TOPIC)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGIBRIDGE_")}
    env["DIGIBRIDGE_DATA_DIR"] = str(stack.data_dir)
    sync = subprocess.run(
        [sys.executable, "-m", "bot.cli", "content", "sync", "--dir", str(content)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert sync.returncode == 0, sync.stderr

    (menu,) = stack.ask('/help{"family": "skills"}', sender="new-topic")
    (button,) = [b for b in menu["buttons"] if b["title"] == "Finding your way with maps"]
    (answer,) = stack.ask(button["payload"], sender="new-topic")
    assert answer["topic"] == "use_maps" and answer["language"] == "en"
    assert answer["text"].startswith("A map app shows where you are")
