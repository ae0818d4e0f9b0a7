"""The custom NLU components, trained and reloaded through Rasa's own component API."""

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix
from sklearn.preprocessing import normalize

from bot.nlu.intent_classifier import (
    UNLEARNED_WEIGHT,
    Memory,
    NgramLogisticClassifier,
    _unlearned_weights,
)
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


def _trained(storage, resource, examples, context):
    tokenizer, featurizer = _pipeline()
    training = []
    for intent, texts in examples.items():
        for message in _messages(texts, tokenizer, featurizer):
            message.set("intent", intent)
            training.append(message)
    config = {**NgramLogisticClassifier.get_default_config(), "min_df": 1}
    if context.is_finetuning:
        classifier = NgramLogisticClassifier.load(config, storage, resource, context)
    else:
        classifier = NgramLogisticClassifier.create(config, storage, resource, context)
    classifier.train(TrainingData(training))
    return NgramLogisticClassifier.load(config, storage, resource, context)


def test_classifier_trains_persists_and_reloads(tmp_path):
    context = ExecutionContext(GraphSchema({}), "test")
    reloaded = _trained(LocalModelStorage(tmp_path), Resource("classifier"), EXAMPLES, context)
    tokenizer, featurizer = _pipeline()
    questions = _messages(
        ["comment payer les impôts sur internet", "密码要强"], tokenizer, featurizer
    )
    reloaded.process(questions)
    assert [m.get("intent")["name"] for m in questions] == ["online_tax", "strong_passwords"]
    ranking = questions[0].get("intent_ranking")
    assert [r["name"] for r in ranking] == ["online_tax", "strong_passwords"]
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6


def test_a_question_worded_like_an_example_is_answered_as_that_example():
    # Eight examples of one intent and one of another: that one's own example decides.
    rng = np.random.default_rng(0)
    features = csr_matrix(rng.random((9, 20)))
    classes = np.array([0] * 8 + [1])
    memory = Memory.of(features, classes, dense_width=5)
    votes = memory.votes(features[8], width=2, k=5, temperature=0.02)
    assert votes.shape == (1, 2) and np.isclose(votes.sum(), 1.0)
    assert votes[0, 1] > 0.9  # its own example, at similarity 1, outweighs four others


def test_fine_tuning_weighs_the_examples_the_previous_model_gets_wrong():
    features = csr_matrix(np.eye(3))
    coef = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])  # the third example looks like "a"
    weights = _unlearned_weights(features, ["a", "b", "b"], ["a", "b"], coef, np.zeros(2))
    assert weights.tolist() == [1.0, 1.0, UNLEARNED_WEIGHT]


def test_fine_tuning_keeps_the_weights_and_answers_a_new_phrase_from_memory(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("classifier")
    examples = {**EXAMPLES, "video_calls": ["video call my grandson", "appel vidéo", "视频通话"]}
    before = _trained(storage, resource, examples, ExecutionContext(GraphSchema({}), "test"))
    phrase = "nataka kumwona mjukuu wangu kwenye simu"
    examples["video_calls"] = [*examples["video_calls"], phrase]
    context = ExecutionContext(GraphSchema({}), "test", is_finetuning=True)
    after = _trained(storage, resource, examples, context)

    tokenizer, featurizer = _pipeline()
    (question,) = _messages([phrase], tokenizer, featurizer)
    after.process([question])
    assert question.get("intent")["name"] == "video_calls"
    assert question.get("intent")["confidence"] > 0.4  # over the FallbackClassifier threshold
    # The phrase is in the memory, as its own nearest example.
    memory = after._memory
    assert len(memory.classes) == len(before._memory.classes) + 1
    query = normalize(after._features([question]))
    width = memory.dense.shape[1]
    similarity = (query[:, :-width] @ memory.ngrams_by_column).toarray()
    similarity += query[:, -width:].toarray() @ memory.dense.T
    nearest = int(similarity.argmax())
    assert np.isclose(similarity[0, nearest], 1.0, atol=1e-4)
    assert after._classifier.classes_[memory.classes[nearest]] == "video_calls"
    # The linear model itself is the one before, on the new vocabulary.
    assert list(after._classifier.classes_) == list(before._classifier.classes_)
    word = after._words.vocabulary_["password"]
    old_word = before._words.vocabulary_["password"]
    assert np.allclose(after._classifier.coef_[:, word], before._classifier.coef_[:, old_word])
