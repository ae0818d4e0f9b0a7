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
# NOTE: Telegram command menu: /lessons
COMMAND_LESSONS = N_("Short lessons with a quiz")
# NOTE: button in the main menu and under lesson results: the list of lessons
LESSONS = N_("Lessons")
# NOTE: button in the main menu: the self-check quiz about one's own digital skills
SELFCHECK = N_("Check my skills")
# NOTE: above the list of lessons (buttons)
LESSONS_MENU = N_(
    "Choose a short lesson. Each one takes a few minutes, and ends with a little quiz. "
    "There is no time limit: go at your own pace."
)
# NOTE: button in the lessons list that resumes the lesson left unfinished
CONTINUE_LESSON = N_("Continue: {title}")
# NOTE: first line of a lesson step, e.g. "Strong passwords · 2/4"
LESSON_STEP = N_("{title} · {number}/{count}")
# NOTE: button under a lesson step
NEXT = N_("Next")
# NOTE: button under a lesson's last step
START_QUIZ = N_("Start the quiz")
# NOTE: first line of a quiz question, e.g. "Question 2 of 3"
QUESTION_NUMBER = N_("Question {number} of {count}")
# NOTE: button under the feedback on an answer
NEXT_QUESTION = N_("Next question")
# NOTE: button under the feedback on a quiz's last answer
SEE_RESULTS = N_("See my results")
# NOTE: the result of a lesson's quiz
QUIZ_RESULT = N_("You answered {right} of {count} questions right.")
# NOTE: after the quiz result, above buttons with topics to read and other lessons
LESSON_DONE = N_("Well done, you have finished this lesson! To learn more, choose a topic:")
# NOTE: a button of a lesson that is no longer offered was pressed
NO_SUCH_LESSON = N_("This lesson is not available any more. Here are the lessons:")
# NOTE: before the first self-check question
SELFCHECK_INTRO = N_(
    "Let's see what you already know. There are {count} short questions and no time limit. "
    "There is no bad result: it only helps you choose what to learn next."
)
# NOTE: self-check result: the areas answered well, e.g. "You are doing well at: Staying
# safe online."
SELFCHECK_STRONG = N_("You are doing well at: {areas}.")
# NOTE: self-check result: the areas to practise, above buttons with lessons
SELFCHECK_WEAK = N_("Good to practise next: {areas}. These lessons can help:")
# NOTE: self-check result when every answer was right
SELFCHECK_ALL_RIGHT = N_("Every answer was right. Well done! You can still take any lesson:")
# NOTE: self-check result, compared with the previous time it was taken
SELFCHECK_CHANGE = N_("Last time you had {before} of {count} right; now {after}.")
# NOTE: button under the self-check result
SELFCHECK_AGAIN = N_("Take the self-check again")
# NOTE: /join without a code
JOIN_HOW = N_("Please write the code your trainer gave you, like this: /join {example}")
# NOTE: /join with a code of no open workshop
JOIN_UNKNOWN = N_(
    "I can't find a workshop with the code {code}. Please check it with your trainer."
)
# NOTE: /join with the code of a workshop that is over
JOIN_ENDED = N_("This workshop has ended. You can still take the lessons on your own:")
# NOTE: right after /join: asks for the name the trainer will see
JOIN_NICKNAME = N_(
    "Welcome to the workshop “{title}”! What name should your trainer see? "
    "Write a nickname, for example your first name. Nothing else about you is shown."
)
# NOTE: the nickname sent was too long or empty
NICKNAME_INVALID = N_("Please write a short nickname, at most {max} letters.")
# NOTE: after the nickname was chosen
JOINED = N_(
    "Thank you, {nickname}! You are in the workshop. Your trainer will open the lessons, "
    "and you will follow them here in your language."
)
# NOTE: a participant waits for the trainer to open the first lesson
WAIT_FOR_TRAINER = N_("Your trainer will open the first lesson soon. Please wait a moment.")
# NOTE: delivered above the first step of the lesson the trainer has just opened
TRAINER_OPENED = N_("Your trainer has opened a new lesson:")
# NOTE: button under workshop lessons: tells the trainer this person needs help
ASK_FOR_HELP = N_("I need help")
# NOTE: after "I need help"
HELP_ASKED = N_("Your trainer has been told, and will come to help you.")
# NOTE: an answer given after the trainer closed the quiz
QUIZ_CLOSED = N_("The trainer has closed this quiz. Your trainer will go through the answers.")
# NOTE: in a workshop, after an answer, before the trainer shows the results
ANSWER_SAVED = N_("Thank you, your answer is saved.")
# NOTE: in a workshop, after the last answer, before the trainer shows the results
RESULTS_LATER = N_("Thank you! Your trainer will show the results soon.")
# NOTE: delivered when the trainer shows the results: above the person's own results
YOUR_RESULTS = N_("Here are your results:")
# NOTE: delivered when the workshop ends
WORKSHOP_ENDED = N_(
    "The workshop is over. Thank you for taking part! "
    "You can take the lessons again on your own at any time."
)
# NOTE: above a free-text announcement from the trainer
FROM_TRAINER = N_("Message from your trainer:")
# NOTE: a prepared announcement the trainer can send to everyone
ANNOUNCE_LOOK_UP = N_("Please look up: your trainer wants to show you something.")
# NOTE: a prepared announcement the trainer can send to everyone
ANNOUNCE_BREAK = N_("Let's take a short break. We will continue in a few minutes.")
# NOTE: a prepared announcement the trainer can send to everyone
ANNOUNCE_QUESTIONS = N_(
    "Do you have a question? Press “I need help” and your trainer will come to you."
)
# NOTE: a prepared announcement the trainer can send to everyone
ANNOUNCE_FINISH_QUIZ = N_("Please finish the quiz now: we will look at the answers together.")
# NOTE: a prepared announcement the trainer can send to everyone
ANNOUNCE_WELL_DONE = N_("Well done, everyone! Thank you for your attention.")
# NOTE: a trainer's chat account was linked to their admin account with /link CODE
TRAINER_LINKED = N_(
    "Your account is linked: here you lead workshops as {name}. "
    "Start one with /workshop new and a title, for example: /workshop new Safe online"
)
# NOTE: /link with a wrong or expired code
TRAINER_LINK_WRONG = N_(
    "This code is wrong or has expired. Get a new one on the Workshops page of the administration."
)
# NOTE: /workshop from someone whose account is not linked to a trainer's admin account
TRAINER_NOT_LINKED = N_(
    "Only trainers can lead workshops here. On the Workshops page of the administration, "
    "press “Link a chat account”, then send me /link and the code it shows."
)
# NOTE: /workshop alone: the trainer's commands (keep the command words as they are)
TRAINER_COMMANDS = N_(
    "Workshop commands:\n"
    "/workshop new <title>: start a new workshop\n"
    "/workshop status: who has joined and where each one is\n"
    "/workshop next: open the next lesson for everyone\n"
    "/workshop close: close the quiz\n"
    "/workshop results: show everyone their results\n"
    "/workshop end: end the workshop"
)
# NOTE: after /workshop new; above buttons that add lessons
WORKSHOP_CREATED = N_(
    "The workshop “{title}” is ready. Join code: {code}\n"
    "Participants send me /join {code}, or type {code} in the web chat.\n"
    "Choose the lessons, in teaching order:"
)
# NOTE: the lessons chosen so far for a workshop, e.g. "Lessons: Strong passwords, Video calls"
WORKSHOP_LESSONS = N_("Lessons: {lessons}")
# NOTE: button that adds a lesson to a workshop, e.g. "+ Strong passwords"
ADD_LESSON = N_("+ {title}")
# NOTE: the trainer has no open workshop
NO_OPEN_WORKSHOP = N_("You have no open workshop. Start one with /workshop new and a title.")
# NOTE: first line of /workshop status
WORKSHOP_STATUS = N_("“{title}” · code {code} · {count} participants")
# NOTE: /workshop status: the lesson open now
OPEN_LESSON = N_("Open lesson: {title}")
# NOTE: /workshop status: no lesson opened yet
NO_LESSON_OPEN = N_("No lesson is open yet.")
# NOTE: /workshop status: where a participant is, e.g. "step 2 of 4"
AT_STEP = N_("step {number} of {count}")
# NOTE: /workshop status: a participant in the quiz
IN_QUIZ = N_("quiz, {count} answered")
# NOTE: /workshop status: a participant who finished the lesson
FINISHED = N_("finished")
# NOTE: /workshop status: a participant who has not started the lesson
NOT_STARTED = N_("waiting")
# NOTE: /workshop status: a participant who pressed "I need help"
NEEDS_HELP = N_("needs help")
# NOTE: /workshop status: marks the right option among the answer counts
RIGHT_OPTION = N_("right")
# NOTE: button for the trainer
NEXT_LESSON = N_("Next lesson")
# NOTE: button for the trainer
CLOSE_QUIZ = N_("Close the quiz")
# NOTE: button for the trainer
SHOW_RESULTS = N_("Show results")
# NOTE: button for the trainer
END_WORKSHOP = N_("End the workshop")
# NOTE: button for the trainer: show the status again
REFRESH = N_("Refresh")
# NOTE: after the trainer's action reached the participants
SENT_TO = N_("Done: sent to {count} participants.")
# NOTE: the trainer asked for a next lesson, but there is none (or none chosen)
NO_MORE_LESSONS = N_("There is no further lesson in this workshop. Add lessons, or end it.")
