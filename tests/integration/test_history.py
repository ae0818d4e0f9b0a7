"""The web chat's conversation survives a reload, and "Erase my data" erases everything."""

import secrets

import requests


def history(stack, sender):
    response = requests.get(f"{stack.base_url}/api/history", params={"sender": sender}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def test_history_shows_what_the_user_saw(stack):
    sender = secrets.token_urlsafe(16)
    stack.ask("bonjour", sender=sender)
    (menu,) = stack.ask("que peux-tu faire ?", sender=sender)
    button = menu["buttons"][0]
    assert stack.chat(button["payload"], sender, display=button["title"]).status_code == 200
    turns = history(stack, sender)
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
    response = requests.post(
        f"{stack.base_url}/api/forget", json={"sender": sender, "language": "ru"}, timeout=30
    )
    assert response.status_code == 200
    assert response.json()["erased"] is True and response.json()["language"] == "ru"
    assert history(stack, sender) == []
    (answer,) = stack.ask("how do I make a strong password", sender=sender)
    assert answer["language"] == "en"


def test_guessable_senders_are_refused(stack):
    for sender in ["tester", "1", "x" * 200, "../../etc/passwd-aaaaaaaaaaaaaa"]:
        response = requests.get(
            f"{stack.base_url}/api/history", params={"sender": sender}, timeout=30
        )
        assert response.status_code == 400
        response = requests.post(
            f"{stack.base_url}/api/forget", json={"sender": sender}, timeout=30
        )
        assert response.status_code == 400
