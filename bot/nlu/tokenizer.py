"""A Rasa tokenizer for all eight languages in one model.

Chinese is segmented into words with jieba; every other script is split on word
boundaries. Token texts are normalised (no accents or diacritics, folded Arabic letters),
so the featurizers see "securite" for "sécurité" however it was typed.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.text import normalize, word_spans


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class MultilingualTokenizer(Tokenizer):
    """Jieba for Han runs, word boundaries elsewhere, normalised token texts."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualTokenizer:
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        tokens = [Token(normalize(word), start, end=end) for word, start, end in word_spans(text)]
        if not tokens and text.strip():
            # Emoji or punctuation only: one token keeps the featurizers' shapes valid.
            stripped = text.strip()
            start = text.index(stripped)
            tokens = [Token(stripped, start, end=start + len(stripped))]
        return self._apply_token_pattern(tokens)
