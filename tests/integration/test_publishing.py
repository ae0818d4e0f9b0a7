"""Publishing with the real stack: a Swahili phrase added through the API is understood
after Publish, while a client asking every 100 ms in several languages never misses an
answer; refused publishes leave the serving model; rolling back forgets the phrase; the
same swap with two Rasa servers on PostgreSQL and Redis."""

import json
import os
import shutil
import sqlite3
import threading
import time
from itertools import cycle

import pytest
import requests

from bot.training_data import NLU_DIR, read_examples
from tests.conftest import postgres_database
from tests.integration.stack import session_id, start_stack

ADMIN = "publish-admin-token-3f9a"  # noqa: S105 - a test's own
HEADERS = {"Authorization": f"Bearer {ADMIN}"}
PUBLISH_TIMEOUT = 600
REDIS = os.environ.get("DIGIBRIDGE_TEST_REDIS", "redis://127.0.0.1:6379/7")
CHANNEL_SECRET = "publishing-channel-secret-5d2c"  # noqa: S105 - a test's own
# Said the way a Swahili speaker would, and not understood before it is published.
PHRASE = ("device_security", "sw", "nimesahau neno langu la siri la simu, nifanyeje")
TRAFFIC_TOPICS = ("strong_passwords", "phishing_scams", "video_calls")
TRAFFIC_LANGUAGES = ("en", "fr", "sw", "ar", "zh")


def _traffic_questions() -> list[tuple[str, str, str]]:
    """(language, question, topic): training examples, which any model answers rightly."""
    questions = []
    for language in TRAFFIC_LANGUAGES:
        examples = read_examples(NLU_DIR / f"{language}.yml")
        questions += [(language, examples[topic][0], topic) for topic in TRAFFIC_TOPICS]
    return questions


class Traffic(threading.Thread):
    """A client asking every 100 ms (or as soon as the previous answer came, if it took
    longer), in turn for people in five languages; every reply must be the right topic in
    the asker's language, and none may be the apology for having no answer."""

    def __init__(self, base_url: str) -> None:
        super().__init__(daemon=True)
        self.base_url = base_url
        self.sent = 0
        self.failures: list[str] = []
        self.slowest = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        people = cycle(range(20))
        for language, question, topic in cycle(_traffic_questions()):
            if self._stop_event.is_set():
                return
            started = time.monotonic()
            sender = session_id(f"traffic-{language}-{next(people)}")
            try:
                response = requests.post(
                    f"{self.base_url}/api/chat", timeout=30,
                    json={"sender": sender, "message": question, "language": language},
                )  # fmt: skip
                self.sent += 1
                replies = response.json()["messages"] if response.status_code == 200 else []
                got = [(m["topic"], m["language"]) for m in replies]
                if response.status_code != 200 or (topic, language) not in got:
                    self.failures.append(f"{language} {question!r}: {response.status_code} {got}")
            except (requests.RequestException, ValueError, KeyError) as error:
                self.failures.append(f"{language} {question!r}: {type(error).__name__}")
            took = time.monotonic() - started
            self.slowest = max(self.slowest, took)
            time.sleep(max(0.0, 0.1 - took))

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=60)


def _topic(stack, text: str, language: str, sender: str) -> str:
    (answer, *_) = stack.ask(text, sender=sender, language=language)
    return answer["topic"]


def _publish(stack, during=None) -> tuple[dict, list[str], float]:
    """Presses Publish and follows the job; its end, the states it went through, seconds."""
    started = time.monotonic()
    response = requests.post(f"{stack.base_url}/admin/api/publish", headers=HEADERS, timeout=30)
    assert response.status_code == 202, response.text
    job = response.json()["job"]
    again = requests.post(f"{stack.base_url}/admin/api/publish", headers=HEADERS, timeout=30)
    assert again.status_code == 409 and again.json()["job"] == job
    states, progress = [], 0.0
    while time.monotonic() - started < PUBLISH_TIMEOUT:
        state = requests.get(
            f"{stack.base_url}/admin/api/publish/{job}", headers=HEADERS, timeout=30
        ).json()
        assert state["progress"] >= progress, "progress only goes forward"
        progress = state["progress"]
        if not states or states[-1] != state["state"]:
            states.append(state["state"])
        if state["state"] in ("done", "failed"):
            return state, states, time.monotonic() - started
        if during is not None:
            during()
        time.sleep(0.5)
    pytest.fail(f"the publish did not end in {PUBLISH_TIMEOUT} s:\n{stack.log_tail()}")


def _models(stack) -> dict:
    return requests.get(f"{stack.base_url}/admin/api/models", headers=HEADERS, timeout=30).json()


def _serving(stack) -> str:
    (serving,) = [m["name"] for m in _models(stack)["models"] if m["serving"]]
    return serving


def _add_phrase(stack, topic: str, language: str, text: str) -> None:
    response = requests.post(
        f"{stack.base_url}/admin/api/topics/{topic}/{language}/phrases",
        headers=HEADERS, json={"text": text}, timeout=30,
    )  # fmt: skip
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def publishing(model, tmp_path_factory):
    """A stack of its own, with a models folder of its own (publishing writes there)."""
    models = tmp_path_factory.mktemp("models")
    shutil.copy(model, models / model.name)
    env = {
        "DIGIBRIDGE_ADMIN_TOKEN": ADMIN,
        "DIGIBRIDGE_MODELS_DIR": str(models),
        "DIGIBRIDGE_WEB_SESSION_RATE": "0",
        "DIGIBRIDGE_WEB_ADDRESS_RATE": "0",
    }
    stack = start_stack(tmp_path_factory.mktemp("publishing"), env)
    yield stack, model.name.removesuffix(".tar.gz")
    assert stack.stop() == 0, stack.log_tail()


def test_a_new_swahili_phrase_is_live_after_publish_with_no_message_missed(publishing):
    stack, first = publishing
    topic, language, text = PHRASE
    assert _topic(stack, text, language, "before") != topic
    _add_phrase(stack, topic, language, text)
    traffic = Traffic(stack.base_url)
    traffic.start()
    try:
        end, states, seconds = _publish(stack)
        time.sleep(1)
    finally:
        traffic.stop()
    assert end["state"] == "done", f"{end}\n{stack.log_tail()}"
    assert states[-4:] == ["training", "checking", "swapping", "done"], states
    assert end["progress"] == 1.0 and end["model"] != first and "Live" in end["message"]
    assert _topic(stack, text, language, "after") == topic
    assert traffic.sent >= seconds, "the client kept asking all along"
    assert traffic.failures == [], traffic.failures[:5]
    registry = _models(stack)
    assert [m["name"] for m in registry["models"]] == [end["model"], first]
    new = registry["models"][0]
    assert new["serving"] and new["finetuned"] and new["phrases"] == 1
    assert set(new["accuracy"]) == set(TRAFFIC_LANGUAGES) | {"es", "ru", "pt"}
    assert registry["servers"] == [{"server": 1, "model": end["model"]}]
    print(f"publish of one phrase: {seconds:.0f} s, {traffic.sent} messages meanwhile, "
          f"slowest reply {traffic.slowest:.1f} s")  # fmt: skip

    # Roll back: the first model serves again and the phrase is no longer understood.
    rolled = requests.post(
        f"{stack.base_url}/admin/api/models/{first}/activate", headers=HEADERS, timeout=90
    )
    assert rolled.status_code == 200 and rolled.json()["serving"], rolled.text
    assert _serving(stack) == first
    assert _topic(stack, text, language, "rolled back") != topic
    # And forward again, with no training.
    forward = requests.post(
        f"{stack.base_url}/admin/api/models/{end['model']}/activate", headers=HEADERS, timeout=90
    )
    assert forward.json()["serving"] and _topic(stack, text, language, "forward") == topic


def _database(stack):
    return sqlite3.connect(stack.data_dir / "digibridge.sqlite3")


def test_a_publish_that_breaks_validation_keeps_the_serving_model(publishing):
    stack, _ = publishing
    serving = _serving(stack)
    # A phrase that means two topics (the API refuses it; a database edit does not).
    examples = read_examples(NLU_DIR / "fr.yml")
    duplicate = examples["strong_passwords"][0]
    with _database(stack) as db:
        db.execute(
            "INSERT INTO training_phrases (topic_id, language, text, added_by, created_at) "
            "VALUES ('phishing_scams', 'fr', ?, 'database', CURRENT_TIMESTAMP)", (duplicate,)
        )  # fmt: skip
    try:
        end, states, seconds = _publish(stack)
    finally:
        with _database(stack) as db:
            db.execute("DELETE FROM training_phrases WHERE added_by = 'database'")
    assert end["state"] == "failed" and "rasa data validate" in end["message"], end
    assert duplicate in end["message"] or "phishing_scams" in end["message"], end
    assert seconds < 60 and "swapping" not in states
    assert _serving(stack) == serving


def test_a_publish_that_answers_worse_keeps_the_serving_model(publishing):
    stack, _ = publishing
    serving = _serving(stack)
    # As if the serving model had answered every Swahili held-out question rightly (and
    # none in the other languages).
    recorded = {language: 0.0 for language in ("en", "zh", "fr", "es", "ar", "ru", "pt")}
    with _database(stack) as db:
        db.execute(
            "UPDATE trained_models SET accuracy = ? WHERE name = ?",
            (json.dumps({**recorded, "sw": 1.0}), serving),
        )
    _add_phrase(stack, "video_calls", "sw", "nataka kumwona mjukuu wangu kwenye simu")
    end, states, _ = _publish(stack)
    assert end["state"] == "failed", end
    assert "Swahili from 100.0% to" in end["message"] and "serving model stays" in end["message"]
    assert "English" not in end["message"]
    assert states[-2:] == ["checking", "failed"] and _serving(stack) == serving
    assert len(_models(stack)["models"]) == len({m["name"] for m in _models(stack)["models"]})


def _direct(rasa_url: str, sender: str, text: str) -> list[dict]:
    """A turn sent straight to one Rasa server's gateway channel, as the gateway would."""
    response = requests.post(
        f"{rasa_url}/webhooks/gateway/webhook", timeout=30,
        headers={"X-DigiBridge-Secret": CHANNEL_SECRET},
        json={"sender": sender, "message": text, "metadata": {"language": "en"}},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


def test_two_rasa_servers_on_postgres_and_redis_swap_with_no_failed_request(model, tmp_path):
    with postgres_database("digibridge_publish") as database:
        models = tmp_path / "models"
        models.mkdir()
        shutil.copy(model, models / model.name)
        env = {
            "DIGIBRIDGE_ADMIN_TOKEN": ADMIN,
            "DIGIBRIDGE_MODELS_DIR": str(models),
            "DIGIBRIDGE_DATABASE_URL": database,
            "DIGIBRIDGE_TRACKER_STORE_URL": database,
            "DIGIBRIDGE_LOCK_STORE_URL": REDIS,
            "DIGIBRIDGE_REDIS_URL": REDIS,
            "DIGIBRIDGE_RASA_SERVERS": "2",
            "DIGIBRIDGE_RASA_CHANNEL_SECRET": CHANNEL_SECRET,
            "DIGIBRIDGE_WEB_SESSION_RATE": "0",
            "DIGIBRIDGE_WEB_ADDRESS_RATE": "0",
        }
        stack = start_stack(tmp_path / "stack", env)
        try:
            assert len(stack.children()) == 4, "two Rasa servers, two action servers"
            deadline = time.monotonic() + 120  # /healthz is 200 once one server answers
            while not all(s["model"] for s in _models(stack)["servers"]):
                assert time.monotonic() < deadline, stack.log_tail()
                time.sleep(1)
            first, second = stack.rasa_url, _next_port(stack.rasa_url)
            crossings = []

            def cross_servers() -> None:
                # One conversation, its turns on alternate servers: the second server
                # continues from what the first stored in the shared tracker store.
                sender = f"web:{session_id(f'crossing-{len(crossings)}')}"
                (answer, *_) = _direct(first, sender, "how do I make a strong password")
                follow_up = _direct(second, sender, "tell me more")
                crossings.append((_custom(answer)["topic"], _custom(follow_up[0])["topic"]))

            topic, language, text = PHRASE
            _add_phrase(stack, topic, language, text)
            traffic = Traffic(stack.base_url)
            traffic.start()
            try:
                end, _, _ = _publish(stack, during=cross_servers)
                time.sleep(1)
            finally:
                traffic.stop()
            assert end["state"] == "done", f"{end}\n{stack.log_tail()}"
            servers = _models(stack)["servers"]
            assert servers == [{"server": 1, "model": end["model"]},
                               {"server": 2, "model": end["model"]}]  # fmt: skip
            assert traffic.failures == [], traffic.failures[:5]
            assert crossings and all(c == ("strong_passwords", "strong_passwords")
                                     for c in crossings), crossings  # fmt: skip
            assert _topic(stack, text, language, "after") == topic
        finally:
            stack.stop(timeout=60)


def _next_port(url: str) -> str:
    host, port = url.rsplit(":", 1)
    return f"{host}:{int(port) + 1}"


def _custom(message: dict) -> dict:
    return message.get("custom") or message
