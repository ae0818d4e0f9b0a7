"""Every piece of fixed interface text, marked for extraction into `locales/messages.pot`.

Answers are content, not these. `make catalogs` re-extracts this file after a change.
"""


def N_(message: str) -> str:
    """Marks a string for extraction; translation happens where it is shown."""
    return message


# NOTE: shown above the buttons of one family's topics
CHOOSE_TOPIC = N_("Choose a topic:")
# NOTE: button under an answer that has a follow-up
TELL_ME_MORE = N_("Tell me more")
# NOTE: button
MAIN_MENU = N_("Main menu")
# NOTE: shown when the assistant is unsure, above 2-3 topic buttons
DID_YOU_MEAN = N_("Did you mean one of these?")
# NOTE: Telegram command menu: /start
COMMAND_START = N_("Start and see what I can do")
# NOTE: Telegram command menu: /help
COMMAND_HELP = N_("What I can help with")
# NOTE: Telegram command menu: /language
COMMAND_LANGUAGE = N_("Choose your language")
# NOTE: Telegram command menu: /privacy
COMMAND_PRIVACY = N_("What is stored about you")
# NOTE: button under an answer: the person asked something else; shows the next
# likeliest topics
NOT_WHAT_I_ASKED = N_("That's not what I asked")
# NOTE: above the language buttons
WHICH_LANGUAGE = N_("Which language would you like me to use?")
# NOTE: footer under answers about the cooperation measures
SOURCE_GDI_STATEMENT = N_(
    "Source: statement of the Global Development Initiative Digital Cooperation Forum"
)
# NOTE: said instead of a sentence that needs the government services portal's address, when the
# deployment has not set it
UNSET_PORTAL_URL = N_(
    "Ask at a government office for the official website's address, and type it in yourself."
)
# NOTE: said instead of a sentence that needs where to report online fraud or abuse, when the
# deployment has not set it
UNSET_CYBERCRIME_CONTACT = N_("You can report it to the police.")
# NOTE: said instead of a sentence that needs the emergency phone number, when the deployment has
# not set it
UNSET_EMERGENCY_NUMBER = N_("In an emergency, call your local emergency number.")
# NOTE: said instead of a sentence that needs the help desk's contact, when the deployment has not
# set it
UNSET_HELP_DESK = N_("A public library or community centre near you may be able to help.")
UNSUPPORTED_LANGUAGE = N_(
    "Sorry, I don't speak that language yet. I can answer in these languages:"
)
# NOTE: error: the message was empty
EMPTY_MESSAGE = N_("Please type a message.")
# NOTE: error; {max_chars} is a number
MESSAGE_TOO_LONG = N_("Your message is too long. Please keep it under {max_chars} characters.")
# NOTE: error: the language service is down or slow
TROUBLE = N_("I'm having trouble right now. Please try again in a moment.")
# NOTE: error: rate limit
TOO_FAST = N_("You are sending messages very fast. Please wait a moment and try again.")
# NOTE: reply to a photo, voice note, sticker...
TEXT_ONLY = N_("I can only read text messages. Please type your question, or choose from the menu.")
# NOTE: confirmation of 'erase my data'
DATA_ERASED = N_("Your data has been erased. You can start again at any time.")
# NOTE: reply to 'tell me more' when there is no more
NOTHING_MORE = N_("There is nothing more to tell about this topic.")
# NOTE: web chat: placeholder and label of the input
WEB_INPUT = N_("Type your message")
# NOTE: web chat: button
WEB_SEND = N_("Send")
# NOTE: web chat: button
WEB_NEW_CONVERSATION = N_("New conversation")
# NOTE: web chat and Telegram: button
ERASE_MY_DATA = N_("Erase my data")
# NOTE: web chat: label of the language picker
WEB_LANGUAGE = N_("Language")
# NOTE: web chat: label of the larger/smaller text control
WEB_TEXT_SIZE = N_("Text size")
# NOTE: web chat: typing indicator
WEB_TYPING = N_("The assistant is typing…")
# NOTE: web chat: error state
WEB_OFFLINE = N_("Cannot reach the server. Check your connection.")
# NOTE: web chat: state
WEB_RETRYING = N_("Retrying…")
# NOTE: web chat: accessible name of the message list
WEB_CONVERSATION = N_("Conversation")
# NOTE: embeddable widget: button
WIDGET_OPEN = N_("Open chat")
# NOTE: embeddable widget: button
WIDGET_CLOSE = N_("Close chat")
# NOTE: web chat: confirmation before erasing
WEB_CONFIRM_ERASE = N_("This erases your conversation and your preferences. Continue?")
# NOTE: web chat: button that closes a confirmation without doing anything
WEB_CANCEL = N_("Cancel")
# NOTE: web chat: label of the user's messages, for screen readers
WEB_YOU = N_("You")
# NOTE: web chat: label of the assistant's messages, for screen readers
WEB_ASSISTANT = N_("Assistant")
# NOTE: Telegram /language
CHOOSE_LANGUAGE = N_("Choose your language:")
# NOTE: button under an answer that reads it aloud (shown after a speaker symbol)
LISTEN = N_("Listen")
# NOTE: Telegram command menu: /voice
COMMAND_VOICE = N_("Read every answer aloud: on or off")
# NOTE: Telegram: after /voice turned spoken answers on
VOICE_ON = N_("From now on, every answer also comes as a voice message. Send /voice again to stop.")
# NOTE: Telegram: after /voice turned spoken answers off
VOICE_OFF = N_("Answers come as text only again. You can still press “Listen” under any answer.")
# NOTE: reply to a voice note or an audio file sent to the bot
VOICE_NOT_YET = N_(
    "I can't listen to voice messages yet, sorry. Please write your question, or choose a topic:"
)
# NOTE: the answer could not be read aloud
SPEECH_FAILED = N_("Sorry, I can't read this answer aloud right now. Please try again later.")
# NOTE: web chat: switch that makes every answer play aloud
WEB_VOICE_SWITCH = N_("Always read answers aloud")
# NOTE: web chat: accessible name of an answer's audio player
WEB_AUDIO = N_("Answer read aloud")
# NOTE: web chat: under the greeting a first-time visitor sees
WEB_WELCOME_LANGUAGE = N_(
    "You can change the language with the “Language” menu at the top, "
    "or simply write to me in your language."
)
# NOTE: Telegram: under the greeting of /start
TELEGRAM_WELCOME_LANGUAGE = N_(
    "You can change the language with /language, or simply write to me in your language."
)
