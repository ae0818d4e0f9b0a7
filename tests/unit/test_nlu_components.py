"""The custom NLU components, trained and reloaded through Rasa's own component API."""

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import NgramLogisticClassifier
from bot.nlu.sentence_embeddings import SentenceEmbeddingFeaturizer
from bot.nlu.tokenizer import MultilingualTokenizer

EXAMPLES = {
    "strong_passwords": ["strong password", "mot de passe solide", "设置强密码", "كلمة مرور قوية"],
    "online_tax": ["pay my taxes online", "payer mes impôts en ligne", "网上交税", "دفع الضرائب"],
}


def _pipeline():
    tokenizer = MultilingualTokenizer(MultilingualTokenizer.get_default_config())
    featurizer = SentenceEmbeddingFeaturizer(
        SentenceEmbeddingFeaturizer.get_default_config(), "embeddings"
    )
    return tokenizer, featurizer


def _messages(texts, tokenizer, featurizer):
    messages = [Message.build(text=t) for t in texts]
    tokenizer.process(messages)
    featurizer.process(messages)
    return messages


def test_sentence_vectors_are_added_as_dense_features():
    tokenizer, featurizer = _pipeline()
    (message,) = _messages(["how do I pay my bills online"], tokenizer, featurizer)
    sequence, sentence = message.get_dense_features("text")
    assert sentence.features.shape == (1, 384)
    assert sequence.features.shape == (7, 384)
    assert np.isclose(np.linalg.norm(sentence.features), 3.0, atol=1e-3)  # scale 3


def test_classifier_trains_persists_and_reloads(tmp_path):
    tokenizer, featurizer = _pipeline()
    training = []
    for intent, texts in EXAMPLES.items():
        for message in _messages(texts, tokenizer, featurizer):
            message.set("intent", intent)
            training.append(message)
    storage = LocalModelStorage(tmp_path)
    resource = Resource("classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**NgramLogisticClassifier.get_default_config(), "min_df": 1}
    classifier = NgramLogisticClassifier.create(config, storage, resource, context)
    classifier.train(TrainingData(training))

    reloaded = NgramLogisticClassifier.load(config, storage, resource, context)
    questions = _messages(
        ["comment payer les impôts sur internet", "密码要强"], tokenizer, featurizer
    )
    reloaded.process(questions)
    assert [m.get("intent")["name"] for m in questions] == ["online_tax", "strong_passwords"]
    ranking = questions[0].get("intent_ranking")
    assert [r["name"] for r in ranking] == ["online_tax", "strong_passwords"]
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6
