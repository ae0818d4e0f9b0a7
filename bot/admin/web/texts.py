"""Admin interface words that code (not a template) shows, marked for `make catalogs`."""

from bot.i18n.texts import N_

ROLE_NAMES = {
    "admin": N_("Administrator"),
    "editor": N_("Editor"),
    "reviewer": N_("Reviewer"),
    "trainer": N_("Trainer"),
}
STATE_NAMES = {
    "complete": N_("Complete"),
    "missing": N_("Missing"),
    "stale": N_("Out of date"),
    "too_long": N_("Too long"),
    "not_needed": N_("Not needed"),
}
SETTING_LABELS = {
    "portal_url": (N_("Government services portal"), N_("an https:// address")),
    "cybercrime_contact": (
        N_("Where to report online fraud or abuse"),
        N_("a phone number, an https:// address or an e-mail address"),
    ),
    "emergency_number": (N_("Emergency phone number"), N_("a phone number, such as 112")),
    "help_desk": (
        N_("Help desk or trainer contact"),
        N_("a phone number, an https:// address or an e-mail address"),
    ),
    "operator_name": (N_("Who runs this assistant"), N_("a name")),
}
WRONG_LOGIN = N_("Wrong account name or password.")
TOO_MANY_LOGINS = N_("Too many wrong passwords. Wait %(seconds)s seconds and try again.")
PASSWORD_CHANGED = N_("Your password is changed.")
SAVED = N_("Saved. People get the new text from their next message.")
REVERTED = N_("The old version is live again.")
IMPORTED = N_("Imported: %(changed)s answers changed, %(unchanged)s unchanged.")
DONE = N_("Done.")
# Page titles that only code names.
PAGE_TITLES = (N_("Edit an answer"), N_("Sign in"), N_("Change password"))
PUBLISH_STATES = {
    "training": N_("Training"),
    "checking": N_("Checking"),
    "swapping": N_("Moving the servers to it"),
    "done": N_("Done: the new model is serving"),
    "failed": N_("Stopped: the serving model stays"),
}
PUBLISH_RUNNING = N_("A publish is running; wait for it.")
# The join links of a workshop, as QR codes are labelled.
WEB_CHAT_LINK = N_("Web chat")
TELEGRAM_LINK = N_("Telegram")
WIFI_LINK = N_("Web chat on this laptop's Wi-Fi (no Internet needed)")
