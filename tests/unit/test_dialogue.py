"""The Rasa domain and rules come from the content catalogue: a new topic needs no hand edit."""

import shutil

import yaml

from bot import PROJECT_ROOT
from bot.content.files import load_catalogue
from bot.dialogue import (
    answer_payload,
    build_domain,
    build_topic_rules,
    payload_intents,
    ruled_intents,
)


def test_every_topic_is_an_intent_answered_by_one_rule():
    topics = set(load_catalogue())
    domain = set(build_domain()["intents"])
    assert domain == topics | {"more", "answer", "not_this"}
    hand = ruled_intents(yaml.safe_load((PROJECT_ROOT / "data/rules.yml").read_text()))
    generated = ruled_intents(build_topic_rules())
    assert hand | generated >= domain
    assert not hand & generated, "a topic is answered by two rules"


def test_a_topic_added_to_the_catalogue_is_in_the_built_domain(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "data" / "content", content)
    catalogue = content / "catalogue.yml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(
        text.replace("      search_effectively:", "      use_maps: {}\n      search_effectively:"),
        encoding="utf-8",
    )
    assert "use_maps" in build_domain(content=content)["intents"]
    assert {"intent": "use_maps"} in [
        rule["steps"][0] for rule in build_topic_rules(content=content)["rules"]
    ]
    assert "use_maps" in payload_intents(content=content)


def test_buttons_name_topics_through_the_generic_intent():
    assert answer_payload("strong_passwords") == '/answer{"topic": "strong_passwords"}'
