"""The web chat's conversation survives a reload, and "Erase my data" erases everything."""

import secrets

import requests


def test_history_shows_what_the_user_saw(stack):
    sender = secrets.token_urlsafe(16)
    stack.ask("bonjour", sender=sender)
    (menu,) = stack.ask("que peux-tu faire ?", sender=sender)
    button = menu["buttons"][0]
    assert stack.chat(button["payload"], sender, display=button["title"]).status_code == 200
    turns = stack.history(sender)
    assert [t["role"] for t in turns] == ["user", "assistant"] * 3
    assert [t["text"] for t in turns if t["role"] == "user"] == [
        "bonjour",
        "que peux-tu faire ?",
        button["title"],
    ]
    assert turns[1]["topic"] == "greet" and turns[1]["language"] == "fr"
    assert turns[3]["buttons"] == menu["buttons"]


def test_forget_erases_the_conversation_and_the_chosen_language(stack):
    sender = secrets.token_urlsafe(16)
    (switched,) = stack.ask("answer in Russian please", sender=sender)
    assert switched["language"] == "ru"
    response = stack.forget(sender, language="ru")
    assert response.status_code == 200
    assert response.json() == {
        "erased": True,
        "language": "ru",
        "message": "Ваши данные удалены. Вы можете начать заново в любой момент.",
    }
    assert stack.history(sender) == []
    (answer,) = stack.ask("how do I make a strong password", sender=sender)
    assert answer["language"] == "en"


def test_guessable_senders_are_refused_on_every_route(stack):
    expected = {
        "error": {
            "code": "invalid_sender",
            "message": "`sender` must be a random id of 22 to 128 letters, digits, '-' or '_'.",
        }
    }
    for sender in ["user42", "1", "x" * 200, "../../etc/passwd-aaaaaaaaaaaaaa", 42, None]:
        for path, body in [
            ("/api/chat", {"sender": sender, "message": "hello"}),
            ("/api/history", {"sender": sender}),
            ("/api/inbox", {"sender": sender}),
            ("/api/forget", {"sender": sender}),
        ]:
            response = requests.post(f"{stack.base_url}{path}", json=body, timeout=30)
            assert (response.status_code, response.json()) == (400, expected), (path, sender)


def test_the_session_id_never_travels_in_a_url(stack):
    sender = secrets.token_urlsafe(16)
    response = requests.get(f"{stack.base_url}/api/history", params={"sender": sender}, timeout=30)
    assert response.status_code == 405


def test_a_cross_site_form_cannot_erase(stack):
    sender = secrets.token_urlsafe(16)
    stack.ask("hello", sender=sender)
    response = requests.post(
        f"{stack.base_url}/api/forget",
        data=f'{{"sender": "{sender}"}}',
        headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
        timeout=30,
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert len(stack.history(sender)) == 2
