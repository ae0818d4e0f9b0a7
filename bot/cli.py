"""The `digibridge` command."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.settings import Settings, SettingsError


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _cmd_up(settings: Settings, args: argparse.Namespace) -> int:
    from bot.supervisor import up

    if args.host:  # workshop mode: `--host 0.0.0.0` serves the web chat to the local Wi-Fi
        settings = settings.copy(update={"host": args.host})
    return up(settings, train=not args.no_train)


def _cmd_serve_rasa(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.rasa import serve_rasa

    serve_rasa(settings)  # becomes the Rasa server: returns only by raising


def _cmd_serve_actions(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.actions import serve_actions

    serve_actions(settings)  # becomes the action server: returns only by raising


def _cmd_healthcheck(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.healthcheck import check

    healthy, said = check(settings, args.part)
    print(said)
    return 0 if healthy else 1


def _cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from bot.supervisor import prepare_database

    prepare_database(settings)
    print("database schema is current")
    return 0


def _cmd_telegram(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.channels.telegram.service import serve_telegram

    return asyncio.run(serve_telegram(settings))


def _cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    from bot.training import ensure_model

    print(ensure_model(settings.models_dir, force=args.force))
    return 0


def _cmd_settings(settings: Settings, args: argparse.Namespace) -> int:
    for variable, value, help_text in settings.describe():
        print(f"{variable}={value}    # {help_text}")
    return 0


def _cmd_content_sync(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content.files import CONTENT_DIR
    from bot.content.sync import sync_content
    from bot.db.engine import create_database_engine
    from bot.db.migrate import upgrade

    engine = create_database_engine(settings.content_database_url)
    upgrade(engine, load_content=False)
    print(sync_content(engine, Path(args.dir) if args.dir else CONTENT_DIR).summary())
    return 0


def _content_engine(settings: Settings):  # noqa: ANN202 - an SQLAlchemy Engine
    from bot.db.engine import create_database_engine
    from bot.db.migrate import upgrade

    engine = create_database_engine(settings.content_database_url)
    upgrade(engine, load_content=False)
    return engine


def _cmd_content_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content.sync import has_content

    engine = _content_engine(settings)
    if not has_content(engine):
        print("digibridge: the database holds no answers yet (`digibridge content sync`)")
        return 1
    if args.format is None:  # the data/content/ folder layout, for the repository
        if not args.target:
            print("digibridge: name a folder, or choose --format po|csv|yaml", file=sys.stderr)
            return 2
        from bot.content.export import export_content

        count = export_content(engine, Path(args.target))
        print(f"{count} answers written to {args.target}")
        return 0
    from bot.admin.transfer import export_answers

    try:
        name, data = export_answers(engine, args.format, args.language)
    except ValueError as problem:
        print(f"digibridge: {problem}", file=sys.stderr)
        return 2
    target = Path(args.target) if args.target else Path(name)
    if target.is_dir():
        target = target / name
    target.write_bytes(data)
    print(f"written to {target}")
    return 0


def _cmd_content_import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.is_dir():  # a folder in the data/content/ layout: the same as sync
        args.dir = str(path)
        return _cmd_content_sync(settings, args)
    from bot.admin.transfer import ImportRefused, import_answers

    if not path.is_file():
        print(f"digibridge: no file {path}", file=sys.stderr)
        return 2
    try:
        report = import_answers(_content_engine(settings), path.read_bytes(), path.name, "cli")
    except ImportRefused as problem:
        print(f"digibridge: nothing imported: {problem}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def _cmd_nlu_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.admin.phrases import export
    from bot.training_data import NLU_DIR

    target = Path(args.dir) if args.dir else NLU_DIR
    written = export(_content_engine(settings), target)
    for language, count in written.items():
        print(f"{language}: {count} phrases added to {target / (language + '.yml')}")
    if not written:
        print("no phrases were added in the interface")
    return 0


def _cmd_admin_create_user(settings: Settings, args: argparse.Namespace) -> int:
    from bot.admin.accounts import AccountError, Accounts

    engine = _content_engine(settings)
    languages = tuple(x.strip() for x in (args.languages or "").split(",") if x.strip())
    try:
        staff, password = Accounts(engine).create_user(args.name, args.role, languages)
    except AccountError as problem:
        print(f"digibridge: {problem}", file=sys.stderr)
        return 2
    print(f"account {staff.name!r} ({staff.role}) created.")
    print(f"one-time password: {password}")
    print("Sign in at /admin/login; the password must be changed at first sign-in.")
    return 0


def _cmd_admin_reset_password(settings: Settings, args: argparse.Namespace) -> int:
    from bot.admin.accounts import AccountError, Accounts

    try:
        password = Accounts(_content_engine(settings)).reset_password(args.name)
    except AccountError as problem:
        print(f"digibridge: {problem}", file=sys.stderr)
        return 2
    print(f"one-time password: {password}")
    return 0


def _cmd_admin_list_users(settings: Settings, args: argparse.Namespace) -> int:
    from bot.admin.accounts import Accounts

    for staff in Accounts(_content_engine(settings)).users():
        print(f"{staff.name}\t{staff.role}\t{','.join(staff.languages)}")
    return 0


def _cmd_content_report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content.files import CONTENT_DIR, load_catalogue
    from bot.content.report import completeness, format_report

    root = Path(args.dir) if args.dir else CONTENT_DIR
    reports = completeness(root)
    print(format_report(reports, len(load_catalogue(root))))
    return 0 if all(r.clean for r in reports) else 1


def _cmd_content_stamp(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content.files import CONTENT_DIR
    from bot.content.report import stamp

    root = Path(args.dir) if args.dir else CONTENT_DIR
    for language in args.languages:
        count = stamp(language, root, args.topic or None)
        print(f"{language}: {count} answers marked as checked against the current English")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digibridge", description="DigiBridge, a multilingual assistant for digital inclusion."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser(
        "up",
        help="train if needed, then run Rasa, the action server and the gateway (with "
        "DIGIBRIDGE_RASA_URL: the gateway alone, in front of those Rasa servers)",
    )
    up.add_argument(
        "--no-train",
        action="store_true",
        help="never train: stop with an error when no model matches the training data "
        "(for production, where models are built beforehand)",
    )
    up.add_argument(
        "--host",
        help="address the gateway listens on (default: DIGIBRIDGE_HOST, 127.0.0.1); "
        "0.0.0.0 is workshop mode: phones on the same Wi-Fi open the web chat",
    )
    up.set_defaults(handler=_cmd_up)

    serve = commands.add_parser(
        "serve",
        help="run one part alone, as its own container or service: a Rasa server or an "
        "action server (the gateway alone is `up` with DIGIBRIDGE_RASA_URL)",
    )
    serve_commands = serve.add_subparsers(dest="serve_command", required=True)
    serve_rasa = serve_commands.add_parser(
        "rasa",
        help="a Rasa server on DIGIBRIDGE_RASA_HOST:DIGIBRIDGE_RASA_PORT, its model pulled from "
        "the gateway (DIGIBRIDGE_MODEL_SERVER_URL), its actions at DIGIBRIDGE_ACTIONS_URL; "
        "needs DIGIBRIDGE_RASA_TOKEN, DIGIBRIDGE_RASA_CHANNEL_SECRET, DIGIBRIDGE_ACTIONS_SECRET",
    )
    serve_rasa.set_defaults(handler=_cmd_serve_rasa)
    serve_actions = serve_commands.add_parser(
        "actions",
        help="the action server on DIGIBRIDGE_ACTIONS_HOST:DIGIBRIDGE_ACTIONS_PORT; needs "
        "DIGIBRIDGE_ACTIONS_SECRET",
    )
    serve_actions.set_defaults(handler=_cmd_serve_actions)

    healthcheck = commands.add_parser(
        "healthcheck",
        help="exit 0 when the part running here is healthy (the gateway's /healthz, Rasa's "
        "/status with a model loaded, the action server's /health), else 1",
    )
    healthcheck.add_argument("part", choices=("gateway", "rasa", "actions"))
    healthcheck.set_defaults(handler=_cmd_healthcheck)

    db = commands.add_parser("db", help="the project's database")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_commands.add_parser(
        "upgrade",
        help="migrate the schema to the newest version and load the shipped content into an "
        "empty database (safe to run from several instances at once)",
    )
    db_upgrade.set_defaults(handler=_cmd_db_upgrade)

    telegram = commands.add_parser(
        "telegram",
        help="run the Telegram channel alone, talking to the Rasa server at DIGIBRIDGE_RASA_URL",
        description="The Telegram channel on its own, for deployments that split processes: "
        "it talks to the Rasa server at DIGIBRIDGE_RASA_URL (or DIGIBRIDGE_RASA_PORT on this "
        "machine) and, in webhook mode, serves the webhook on DIGIBRIDGE_HOST:DIGIBRIDGE_PORT.",
    )
    telegram.set_defaults(handler=_cmd_telegram)

    train = commands.add_parser("train", help="train the Rasa model if the training data changed")
    train.add_argument("--force", action="store_true", help="train even if a model matches")
    train.set_defaults(handler=_cmd_train)

    show = commands.add_parser("settings", help="print every setting, secrets masked")
    show.set_defaults(handler=_cmd_settings)

    content = commands.add_parser("content", help="manage answer content")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    sync = content_commands.add_parser(
        "sync", help="load data/content/ into the database (idempotent; all or nothing)"
    )
    sync.add_argument("--dir", help="content folder (default: data/content)")
    sync.set_defaults(handler=_cmd_content_sync)
    export = content_commands.add_parser(
        "export",
        help="write the answers for translators (--format po|csv|yaml) or, without a format, "
        "the whole content to a folder in the data/content/ layout",
    )
    export.add_argument(
        "target", nargs="?", help="file or folder to write (default: a file named after it)"
    )
    export.add_argument("--format", choices=("po", "csv", "yaml"), help="file format")
    export.add_argument("--language", help="only this language (PO needs one)")
    export.set_defaults(handler=_cmd_content_export)
    load = content_commands.add_parser(
        "import",
        help="load a PO, CSV or YAML file (all or nothing), or a folder in the data/content/ "
        "layout (as sync)",
    )
    load.add_argument("path", help="file or folder")
    load.set_defaults(handler=_cmd_content_import)
    report = content_commands.add_parser(
        "report", help="topics x languages: missing, stale or too long (exit 1 if any)"
    )
    report.add_argument("--dir", help="content folder (default: data/content)")
    report.set_defaults(handler=_cmd_content_report)
    stamp = content_commands.add_parser(
        "stamp", help="mark translations as checked against the current English answers"
    )
    stamp.add_argument("languages", nargs="+", help="languages to stamp, e.g. fr sw")
    stamp.add_argument("--topic", action="append", help="only these topics (repeatable)")
    stamp.add_argument("--dir", help="content folder (default: data/content)")
    stamp.set_defaults(handler=_cmd_content_stamp)
    nlu = commands.add_parser("nlu", help="training phrases")
    nlu_commands = nlu.add_subparsers(dest="nlu_command", required=True)
    nlu_export = nlu_commands.add_parser(
        "export",
        help="write the phrases added in the admin interface into data/nlu/<lang>.yml "
        "(those already there are left as they are)",
    )
    nlu_export.add_argument("--dir", help="folder of <lang>.yml files (default: data/nlu)")
    nlu_export.set_defaults(handler=_cmd_nlu_export)

    admin = commands.add_parser("admin", help="administrators' accounts")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create_user = admin_commands.add_parser(
        "create-user", help="create an account; prints a one-time password"
    )
    create_user.add_argument("name", help="account name (letters, digits, . _ @ -)")
    create_user.add_argument(
        "--role", required=True, choices=("admin", "editor", "reviewer", "trainer")
    )
    create_user.add_argument("--languages", help="languages an editor may change, e.g. fr,ar")
    create_user.set_defaults(handler=_cmd_admin_create_user)
    reset = admin_commands.add_parser(
        "reset-password", help="give an account a new one-time password"
    )
    reset.add_argument("name")
    reset.set_defaults(handler=_cmd_admin_reset_password)
    list_users = admin_commands.add_parser("list-users", help="every account and its role")
    list_users.set_defaults(handler=_cmd_admin_list_users)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"digibridge: {error}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    from bot.content.files import ContentError
    from bot.training import TrainingError

    try:
        return args.handler(settings, args)
    except ContentError as error:
        print(f"digibridge: content not loaded, nothing changed: {error}", file=sys.stderr)
        return 1
    except SettingsError as error:
        print(f"digibridge: {error}", file=sys.stderr)
        return 2
    except TrainingError as error:
        print(f"digibridge: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
