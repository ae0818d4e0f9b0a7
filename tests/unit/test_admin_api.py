"""The admin sub-application on a real SQLite database with the shipped content: access,
CSRF, the login slow-down, editing with revisions and revert, local settings, the review
queue, analytics and the API description. (The same against the running stack and in
Chromium: tests/integration/test_admin.py.)"""

import asyncio
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.orm import Session

from bot.admin import review, usage
from bot.admin.accounts import Accounts
from bot.admin.web import admin_routes as attach_admin_routes
from bot.admin.web.auth import PUBLIC
from bot.content.store import ContentStore
from bot.content.sync import sync_content
from bot.db.engine import create_database_engine
from bot.db.migrate import upgrade
from bot.settings import Settings
from tests.conftest import postgres_database
from tests.unit.gateway_app import gateway_app

TOKEN = "t" * 40
NEW_FR = "Un bon mot de passe est long : au moins trois mots au hasard. Un par compte."


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request):
    """The embedded default, and the local PostgreSQL (a database of the test's own)."""
    if request.param == "sqlite":
        yield ""
        return
    with postgres_database("digibridge_admin") as url:
        yield url


@pytest.fixture
def site(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path, admin_token=TOKEN, database_url=database_url,
                        web_allowed_origins=("https://library.example",))  # fmt: skip
    engine = create_database_engine(settings.content_database_url)
    upgrade(engine, load_content=False)
    sync_content(engine)
    yield settings, engine, tmp_path
    engine.dispose()


def record_review(engine, *args):
    with Session(engine, future=True) as session, session.begin():
        return review.record(session, *args)


def record_usage(engine, *args):
    with Session(engine, future=True) as session, session.begin():
        usage.record(session, *args)


def run(site, scenario):
    settings, engine, tmp_path = site

    async def go():
        app = gateway_app(settings, tmp_path)
        async with TestClient(TestServer(app)) as client:
            await scenario(client, engine, app)

    asyncio.run(go())


BEARER = {"Authorization": f"Bearer {TOKEN}"}


def admin_routes(app):
    for method, path, handler in attach_admin_routes(app):
        yield method, path, getattr(handler, "admin_right", None)


def test_every_admin_route_refuses_a_request_without_credentials(site):
    async def scenario(client, engine, app):
        checked = 0
        for method, path, right in admin_routes(app):
            url = re.sub(r"\{(\w+)\}", lambda m: {"lang": "fr", "topic": "strong_passwords"}.get(
                m.group(1), "1"), path)  # fmt: skip
            assert right is not None, f"{method} {path} declares no right"
            if right == PUBLIC:
                continue
            for headers in ({}, {"Authorization": "Bearer wrong"}):
                response = await client.request(method, url, headers=headers,
                                                allow_redirects=False)  # fmt: skip
                if path.startswith("/admin/api/"):
                    assert response.status == 401, (method, path)
                    assert (await response.json())["error"]["code"] == "unauthenticated"
                else:
                    assert response.status == 303 and response.headers["Location"] == "/admin/login"
            checked += 1
        assert checked > 30

    run(site, scenario)


def test_admin_token_edits_live_keeps_history_and_reverts(site):
    async def scenario(client, engine, app):
        store = ContentStore(engine)
        old = store.answer("strong_passwords", "fr").text
        response = await client.put("/admin/api/topics/strong_passwords/fr", headers=BEARER,
                                    json={"text": NEW_FR, "more": None})  # fmt: skip
        assert response.status == 200
        saved = await response.json()
        assert saved["text"] == NEW_FR and saved["revision"] == 2 and saved["state"] == "complete"
        assert store.answer("strong_passwords", "fr").text == NEW_FR  # what the next turn reads
        history = await (await client.get(
            "/admin/api/topics/strong_passwords/fr/revisions", headers=BEARER)).json()  # fmt: skip
        assert [r["revision"] for r in history["revisions"]] == [2, 1]
        assert history["revisions"][1]["text"] == old
        reverted = await client.post("/admin/api/topics/strong_passwords/fr/revert",
                                     headers=BEARER, json={"revision": 1})  # fmt: skip
        assert (await reverted.json())["revision"] == 3
        assert store.answer("strong_passwords", "fr").text == old
        audit = await (await client.get("/admin/api/audit", headers=BEARER)).json()
        assert [e["action"] for e in audit["entries"][:2]] == ["answer.revert", "answer.interface"]
        assert audit["entries"][1]["after"]["text"] == NEW_FR
        # Editing the English source makes the other languages stale.
        english = store.answer("strong_passwords", "en")
        await client.put(
            "/admin/api/topics/strong_passwords/en",
            headers=BEARER,
            json={"text": english.text + " Never share it.", "more": english.more},
        )
        matrix = await (await client.get("/admin/api/topics?family=skills", headers=BEARER)).json()
        row = next(t for t in matrix["topics"] if t["topic"] == "strong_passwords")
        assert row["languages"]["en"]["state"] == "complete"
        assert {row["languages"][lang]["state"] for lang in ("fr", "ar", "zh")} == {"stale"}

    run(site, scenario)


def test_the_validator_refuses_what_sync_would_refuse(site):
    async def scenario(client, engine, app):
        for body, code in (({"text": "x" * 701}, "too_long"), ({"text": "Voir {nowhere}"},
                           "placeholder"), ({"text": "  "}, "required")):  # fmt: skip
            response = await client.put("/admin/api/topics/strong_passwords/fr", headers=BEARER,
                                        json=body)  # fmt: skip
            assert response.status == 422
            assert (await response.json())["problems"][0]["code"] == code
        # Line ends as browsers and spreadsheets send them are saved as plain newlines.
        crlf = await client.put("/admin/api/topics/strong_passwords/fr", headers=BEARER,
                                json={"text": "Première ligne.\r\nDeuxième ligne."})  # fmt: skip
        assert (await crlf.json())["text"] == "Première ligne.\nDeuxième ligne."
        bad = await client.put("/admin/api/topics/strong_passwords/fr",
                               headers={**BEARER, "Content-Type": "application/json"},
                               data="{not json")  # fmt: skip
        assert bad.status == 400 and (await bad.json())["error"]["code"] == "malformed_json"
        missing = await client.get("/admin/api/topics/no_such_topic/fr", headers=BEARER)
        assert missing.status == 404

    run(site, scenario)


async def _login(client, name, password, **extra):
    return await client.post("/admin/login", data={"name": name, "password": password, **extra},
                             allow_redirects=False)  # fmt: skip


async def _csrf(client, path="/admin/password"):
    page = await (await client.get(path)).text()
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_sign_in_change_password_then_roles_and_csrf(site):
    async def scenario(client, engine, app):
        accounts = Accounts(engine)
        _, first = accounts.create_user("amina", "editor", ("fr",))
        response = await _login(client, "amina", first)
        assert response.status == 303 and response.headers["Location"] == "/admin/password"
        cookie = response.cookies["digibridge_admin"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/admin"
        blocked = await client.get("/admin/api/topics")
        assert blocked.status == 403
        assert (await blocked.json())["error"]["code"] == "password_change_required"
        csrf = await _csrf(client)
        # The same change without the CSRF token, as a cross-site form would send it: refused.
        forged = await client.post("/admin/password", data={"current": first, "new": "x" * 20})
        assert forged.status == 403
        changed = await client.post("/admin/password", allow_redirects=False, data={
            "csrf_token": csrf, "current": first, "new": "a long new password"})  # fmt: skip
        assert changed.status == 303
        assert (await client.get("/admin/api/me")).status == 200
        for back, expected in (("/admin/review", "/admin/review"), ("//evil.example/", "/admin/"),
                               ("https://evil.example/admin/", "/admin/")):  # fmt: skip
            chosen = await client.post(
                "/admin/language",
                allow_redirects=False,
                data={"csrf_token": csrf, "language": "fr", "next": back},
            )
            assert chosen.headers["Location"] == expected
        await client.post("/admin/language", data={"csrf_token": csrf, "language": "en"})
        log = await (await client.get("/admin/api/audit", headers=BEARER)).json()
        assert [(e["actor"], e["action"], e["target"]) for e in log["entries"]] == [
            ("amina", "account.change_password", "amina"),
            ("cli", "account.create", "amina"),
        ]
        # An editor for French: French yes (with the session's token), Arabic no.
        put = await client.put("/admin/api/topics/strong_passwords/fr", json={"text": NEW_FR},
                               headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert put.status == 200 and (await put.json())["edited_by"] == "amina"
        no_csrf = await client.put("/admin/api/topics/strong_passwords/fr", json={"text": NEW_FR})
        assert no_csrf.status == 403 and (await no_csrf.json())["error"]["code"] == "csrf"
        arabic = await client.put("/admin/api/topics/strong_passwords/ar", json={"text": "نص"},
                                  headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert arabic.status == 403 and "ar" in (await arabic.json())["error"]["message"]
        settings = await client.put("/admin/api/settings/local", json={"help_desk": "+1 555 0100"},
                                    headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert settings.status == 403  # an editor does not change settings
        page = await (await client.get("/admin/topics/strong_passwords/fr")).text()
        assert NEW_FR.replace("'", "&#39;") in page and 'dir="ltr"' in page

    run(site, scenario)


def test_ten_wrong_passwords_slow_the_login_down(site):
    async def scenario(client, engine, app):
        _, password = Accounts(engine).create_user("omar", "reviewer")
        statuses = [(await _login(client, "omar", f"wrong-{i}")).status for i in range(10)]
        assert statuses[:5] == [401] * 5 and 429 in statuses
        right = await _login(client, "omar", password)
        assert right.status == 429 and int(right.headers["Retry-After"]) >= 1
        assert "Too many wrong passwords" in await right.text()

    run(site, scenario)


def test_local_settings_are_checked_and_live(site):
    async def scenario(client, engine, app):
        bad = await client.put("/admin/api/settings/local", headers=BEARER,
                               json={"portal_url": "http://gov.example"})  # fmt: skip
        assert bad.status == 422 and "https" in (await bad.json())["error"]["message"]
        phone = await client.put("/admin/api/settings/local", headers=BEARER,
                                 json={"emergency_number": "call the police"})  # fmt: skip
        assert phone.status == 422
        good = await client.put("/admin/api/settings/local", headers=BEARER, json={
            "portal_url": "https://services.example.gov", "emergency_number": "112"})  # fmt: skip
        assert (await good.json())["portal_url"] == "https://services.example.gov"
        from bot.admin.local_settings import LocalSettingsStore

        assert LocalSettingsStore(engine, {"portal_url": "", "emergency_number": ""}).values() == {
            "portal_url": "https://services.example.gov", "emergency_number": "112"}  # fmt: skip

    run(site, scenario)


def test_review_groups_rephrasings_masks_and_turns_them_into_phrases(site):
    async def scenario(client, engine, app):
        record_review(engine, "en", "how do I pay my rent online, call me on +44 7700 900123",
                      "not_understood")  # fmt: skip
        record_review(engine, "en", "how can I pay rent on the internet", "unsure",
                      ["pay_bills_online"])  # fmt: skip
        record_review(engine, "en", "what is the weather tomorrow", "not_understood")
        record_review(engine, "fr", "comment payer mon loyer en ligne", "not_understood")
        groups = (await (await client.get("/admin/api/review", headers=BEARER)).json())["groups"]
        rent = next(g for g in groups if g["language"] == "en" and g["count"] == 2)
        assert "how do I pay my rent online, call me on [phone]" in rent["examples"]
        assert rent["candidates"] == ["pay_bills_online"]
        assert sum(g["count"] for g in groups) == 4 and len(groups) == 3
        done = await client.post(
            f"/admin/api/review/{rent['id']}",
            headers=BEARER,
            json={"action": "add_phrase", "topic": "pay_bills_online"},
        )
        assert done.status == 200
        phrases = (await (await client.get("/admin/api/phrases", headers=BEARER)).json())["phrases"]
        assert {p["text"] for p in phrases} == set(rent["examples"])
        left = (await (await client.get("/admin/api/review", headers=BEARER)).json())["groups"]
        assert len(left) == 2
        weather = next(g for g in left if g["language"] == "en")
        await client.post(f"/admin/api/review/{weather['id']}", headers=BEARER,
                          json={"action": "dismiss"})  # fmt: skip
        assert not record_review(engine, "en", "What is the weather tomorrow?", "not_understood")

    run(site, scenario)


def test_analytics_count_without_text(site):
    async def scenario(client, engine, app):
        record_usage(engine, "web", "fr", "answered", "strong_passwords", True, None)
        record_usage(engine, "web", "fr", "asked_back", None, False, "strong_passwords")
        record_usage(engine, "telegram", "ar", "not_understood", None, True, None)
        report = await (await client.get("/admin/api/analytics", headers=BEARER)).json()
        assert report["totals"]["messages"] == 3 and report["totals"]["conversations"] == 2
        assert report["by_channel"]["web"]["messages"] == 2
        assert report["top_topics"] == [{"topic": "strong_passwords", "count": 1}]
        assert report["rephrased_topics"] == [{"topic": "strong_passwords", "count": 1}]
        french = await (await client.get("/admin/api/analytics?language=fr",
                                         headers=BEARER)).json()  # fmt: skip
        assert french["totals"]["shares"]["answered"] == 0.5
        sheet = await client.get("/admin/api/analytics?format=csv", headers=BEARER)
        assert (await sheet.read()).startswith("\ufeffday,conversations".encode())

    run(site, scenario)


def test_the_admin_side_is_never_framed_nor_shared_with_other_sites(site):
    async def scenario(client, engine, app):
        headers = {**BEARER, "Origin": "https://library.example"}
        response = await client.get("/admin/api/topics", headers=headers)
        assert "Access-Control-Allow-Origin" not in response.headers
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        page = await client.get("/admin/login")
        assert page.headers["X-Frame-Options"] == "DENY"

    run(site, scenario)


def test_openapi_describes_every_api_route(site):
    async def scenario(client, engine, app):
        spec = await (await client.get("/admin/api/openapi.json", headers=BEARER)).json()
        for method, path, _ in admin_routes(app):
            if path.startswith("/admin/api/"):
                assert method.lower() in spec["paths"][path], (method, path)

    run(site, scenario)


def test_a_translator_round_trips_a_po_file_through_the_api(site):
    import io

    from babel.messages.pofile import read_po, write_po

    async def scenario(client, engine, app):
        exported = await client.get("/admin/api/content/export?format=po&language=fr",
                                    headers=BEARER)  # fmt: skip
        assert exported.status == 200
        catalog = read_po(io.BytesIO(await exported.read()))
        message = next(m for m in catalog if m.context == "strong_passwords.text")
        message.string = NEW_FR
        out = io.BytesIO()
        write_po(out, catalog)
        same = await client.post("/admin/api/content/import?filename=fr.po", headers=BEARER,
                                 data=out.getvalue())  # fmt: skip
        assert same.status == 200, await same.text()
        assert (await same.json())["changed"] == ["strong_passwords [fr]"]
        assert ContentStore(engine).answer("strong_passwords", "fr").text == NEW_FR
        again = await client.post("/admin/api/content/import?filename=fr.po", headers=BEARER,
                                  data=out.getvalue())  # fmt: skip
        assert again.status == 200, await again.text()
        assert (await again.json())["changed"] == []  # the same file twice changes nothing
        exported = await client.get("/admin/api/content/export?format=po&language=fr",
                                    headers=BEARER)  # fmt: skip
        fresh = read_po(io.BytesIO(await exported.read()))
        next(m for m in fresh if m.context == "strong_passwords.text").string = "x" * 800
        out = io.BytesIO()
        write_po(out, fresh)
        refused = await client.post("/admin/api/content/import?filename=fr.po", headers=BEARER,
                                    data=out.getvalue())  # fmt: skip
        assert refused.status == 422
        problem = (await refused.json())["error"]["message"]
        assert 'fr.po: entry "strong_passwords.text": the text has 800 characters' in problem
        assert ContentStore(engine).answer("strong_passwords", "fr").text == NEW_FR

    run(site, scenario)


def test_the_sign_in_page_speaks_the_browsers_language_arabic_right_to_left(site):
    async def scenario(client, engine, app):
        page = await (await client.get("/admin/login", headers={"Accept-Language": "ar"})).text()
        assert '<html lang="ar" dir="rtl">' in page and "تسجيل الدخول" in page
        french = await (
            await client.get("/admin/login", headers={"Accept-Language": "fr-FR"})
        ).text()
        assert '<html lang="fr" dir="ltr">' in french and "Se connecter" in french

    run(site, scenario)


def test_queued_texts_are_deleted_after_the_review_retention(site):
    from datetime import timedelta

    from sqlalchemy import select, update

    from bot.admin.models import ReviewItem, utcnow

    _, engine, _ = site
    record_review(engine, "en", "old question nobody answered", "not_understood")
    record_review(engine, "en", "new question nobody answered", "not_understood")
    with Session(engine, future=True) as session, session.begin():
        session.execute(update(ReviewItem).where(ReviewItem.text == "old question nobody answered")
                        .values(created_at=utcnow() - timedelta(days=31)))  # fmt: skip
    assert review.purge(engine, 30) == 1
    with Session(engine, future=True) as session:
        assert list(session.scalars(select(ReviewItem.text))) == ["new question nobody answered"]


def test_phrases_are_added_flagged_when_they_mean_another_topic_and_exported(site):
    import shutil

    from bot import PROJECT_ROOT
    from bot.admin.phrases import export
    from bot.training_data import read_examples

    settings, engine, tmp_path = site
    url = "/admin/api/topics/strong_passwords/sw/phrases"

    async def scenario(client, engine, app):
        added = await client.post(url, headers=BEARER, json={"text": "neno siri imara ni lipi"})
        assert added.status == 201
        assert [p["text"] for p in (await added.json())["added"]] == ["neno siri imara ni lipi"]
        again = await client.post(url, headers=BEARER, json={"text": "Neno siri imara ni lipi?"})
        assert again.status == 200 and (await again.json())["added_now"] is False
        taken = read_examples(PROJECT_ROOT / "data" / "nlu" / "sw.yml")["phishing_scams"][0]
        conflict = await client.post(url, headers=BEARER, json={"text": taken})
        assert conflict.status == 409 and (await conflict.json())["topic"] == "phishing_scams"
        listed = await (await client.get(url, headers=BEARER)).json()
        assert listed["in_files"] == read_examples(
            PROJECT_ROOT / "data" / "nlu" / "sw.yml")["strong_passwords"]  # fmt: skip
        gone = await client.delete(url, headers=BEARER, json={"text": "nothing like this"})
        assert gone.status == 404
        await client.post(url, headers=BEARER, json={"text": "nywila ngumu inatengenezwaje"})
        removed = await client.delete(
            url, headers=BEARER, json={"text": "nywila ngumu inatengenezwaje"}
        )
        assert [p["text"] for p in (await removed.json())["added"]] == ["neno siri imara ni lipi"]

    run(site, scenario)
    nlu = tmp_path / "nlu"
    shutil.copytree(PROJECT_ROOT / "data" / "nlu", nlu)
    assert export(engine, nlu) == {"sw": 1}
    before = (PROJECT_ROOT / "data" / "nlu" / "sw.yml").read_text(encoding="utf-8").splitlines()
    after = (nlu / "sw.yml").read_text(encoding="utf-8").splitlines()
    added = [line for line in after if line not in before]
    assert added == ["    - neno siri imara ni lipi"]
    assert len(after) == len(before) + 1
    assert read_examples(nlu / "sw.yml")["strong_passwords"][-1] == "neno siri imara ni lipi"
    assert export(engine, nlu) == {"sw": 0}  # already there: nothing written twice
