from rasa.shared.nlu.training_data.message import Message

from bot.nlu.text import normalize, word_spans, words
from bot.nlu.tokenizer import MultilingualTokenizer


def test_chinese_is_segmented_into_words():
    assert words("如何设置强密码") == ["如何", "设置", "强", "密码"]


def test_latin_words_inside_chinese_are_kept_whole():
    assert words("我的WiFi很慢") == ["我", "的", "wifi", "很", "慢"]


def test_arabic_with_and_without_diacritics_is_the_same_word():
    assert words("كَلِمَةُ المُرُور") == words("كلمة المرور")
    assert normalize("أمان") == normalize("امان")


def test_accents_and_yo_fold_away():
    assert normalize("Sécurité") == "securite"
    assert normalize("ещё") == "еще"
    assert words("Contraseña SEGURA") == ["contrasena", "segura"]


def test_spans_point_into_the_original_text():
    text = "Bonjour, 你好 مرحبا!"
    for word, start, end in word_spans(text):
        assert text[start:end] == word


def test_rasa_tokenizer_keeps_offsets_and_handles_emoji_only():
    tokenizer = MultilingualTokenizer(MultilingualTokenizer.get_default_config())
    message = Message.build(text="Mot de passe 密码")
    tokens = tokenizer.tokenize(message, "text")
    assert [t.text for t in tokens] == ["mot", "de", "passe", "密码"]
    assert [(t.start, t.end) for t in tokens][-1] == (13, 15)
    emoji = tokenizer.tokenize(Message.build(text=" 🙂🙂 "), "text")
    assert len(emoji) == 1 and emoji[0].text == "🙂🙂"
