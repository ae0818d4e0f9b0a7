"""A lesson as a conversation: its steps, its quiz with feedback on every answer, the results;
and the self-check, which ends by naming strong and weak areas and suggesting lessons.

Every button carries where it leads (`/lesson{"lesson": ..., "step": "2"}`), so an old
button still works; the position is recorded too, so that a lesson resumes from the menu
and a trainer sees where each participant is. There are no timers and no speed scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.content.store import ContentStore
from bot.conversation.replies import lessons_button, main_menu_button, payload, selfcheck_button
from bot.core.messages import Button, Reply
from bot.core.people import Speaker
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.lessons.catalogue import AREAS, LessonEntry, Lessons, QuestionText
from bot.lessons.intents import LESSON_INTENT, QUIZ_INTENT, SELFCHECK_INTENT
from bot.lessons.progress import Position, ProgressStore

LESSON_TOPIC = "lesson"
SELFCHECK_TOPIC = "selfcheck"
STRONG_SHARE = 1.0  # an area is strong when every one of its questions was answered right
SUGGESTED_LESSONS = 3


@dataclass(frozen=True)
class WorkshopPace:
    """What a lesson needs to know of the workshop it is taken in."""

    id: str
    quiz_closed: bool
    results_shown: bool
    help_button: Button


def _lesson_button(lesson_id: str, title: str) -> Button:
    return Button(title, payload(LESSON_INTENT, lesson=lesson_id))


class LessonFlow:
    def __init__(
        self, lessons: Callable[[], Lessons], store: ContentStore, progress: ProgressStore
    ) -> None:
        self._lessons = lessons
        self._store = store
        self.progress = progress

    @property
    def lessons(self) -> Lessons:
        return self._lessons()

    def menu(self, speaker: Speaker, language: str, lead: str | None = None) -> Reply:
        """Every lesson as a button; the one left unfinished first, to resume it."""
        lessons = self.lessons
        buttons: list[Button] = []
        unfinished = self.progress.unfinished(speaker.conversation_id)
        if unfinished is not None and unfinished.lesson_id in lessons.catalogue:
            title = lessons.text(unfinished.lesson_id, language).title
            buttons.append(
                _lesson_button(
                    unfinished.lesson_id, translate(language, texts.CONTINUE_LESSON, title=title)
                )
            )
        buttons += [
            _lesson_button(lesson_id, lessons.text(lesson_id, language).title)
            for lesson_id in lessons.catalogue
        ]
        buttons += [selfcheck_button(language), main_menu_button(language)]
        text = translate(language, lead or texts.LESSONS_MENU)
        return Reply(text, language, topic=LESSON_TOPIC, buttons=tuple(buttons))

    def open(
        self,
        speaker: Speaker,
        language: str,
        lesson_id: str,
        step: int | None = None,
        workshop: WorkshopPace | None = None,
    ) -> list[Reply]:
        """A step of a lesson: the one asked for, or where the person left it."""
        entry = self.lessons.catalogue.get(lesson_id)
        if entry is None:
            return [self.menu(speaker, language, texts.NO_SUCH_LESSON)]
        workshop_id = workshop.id if workshop else None
        if step is None:
            position = self.progress.position(speaker.conversation_id, lesson_id, workshop_id)
            if position is not None and not position.finished:
                if position.question is not None:
                    return [self.question(speaker, language, entry, position.question, workshop)]
                step = position.step
        step = min(max(step or 1, 1), entry.steps)
        self.progress.move(speaker, lesson_id, workshop_id, step, restart=step == 1)
        text = self.lessons.text(lesson_id, language)
        heading = translate(
            language, texts.LESSON_STEP, title=text.title, number=step, count=entry.steps
        )
        if step < entry.steps:
            onward = Button(
                translate(language, texts.NEXT),
                payload(LESSON_INTENT, lesson=lesson_id, step=str(step + 1)),
            )
        else:
            onward = Button(
                translate(language, texts.START_QUIZ),
                payload(QUIZ_INTENT, lesson=lesson_id, q=entry.questions[0].id),
            )
        buttons = [onward, *self._way_out(language, workshop)]
        body = f"{heading}\n\n{text.steps[step - 1]}"
        return [Reply(body, language, topic=LESSON_TOPIC, buttons=tuple(buttons))]

    def _way_out(self, language: str, workshop: WorkshopPace | None) -> list[Button]:
        if workshop is not None:
            return [workshop.help_button]
        return [lessons_button(language)]

    def question(
        self,
        speaker: Speaker,
        language: str,
        entry: LessonEntry,
        question_id: str,
        workshop: WorkshopPace | None = None,
    ) -> Reply:
        question = entry.question(question_id) or entry.questions[0]
        self.progress.move(
            speaker, entry.id, workshop.id if workshop else None, entry.steps + 1, question.id
        )
        text = self.lessons.text(entry.id, language).questions[question.id]
        number = entry.questions.index(question) + 1
        heading = translate(
            language, texts.QUESTION_NUMBER, number=number, count=len(entry.questions)
        )
        buttons = [
            Button(text.options[o], payload(QUIZ_INTENT, lesson=entry.id, q=question.id, a=o))
            for o in question.options
        ]
        buttons += self._way_out(language, workshop)
        return Reply(
            f"{heading}\n{text.question}", language, topic=LESSON_TOPIC, buttons=tuple(buttons)
        )

    def answer(
        self,
        speaker: Speaker,
        language: str,
        lesson_id: str,
        question_id: str,
        option: str,
        workshop: WorkshopPace | None = None,
    ) -> list[Reply]:
        """Feedback on an answer and the next question, or the results after the last one.
        In a workshop the trainer closes the quiz and chooses when the results are shown."""
        entry = self.lessons.catalogue.get(lesson_id)
        question = entry.question(question_id) if entry else None
        if entry is None or question is None:
            return [self.menu(speaker, language, texts.NO_SUCH_LESSON)]
        if option not in question.options:
            return [self.question(speaker, language, entry, question.id, workshop)]
        if workshop is not None and workshop.quiz_closed:
            return [
                Reply(
                    translate(language, texts.QUIZ_CLOSED),
                    language,
                    topic=LESSON_TOPIC,
                    buttons=(workshop.help_button,),
                )
            ]
        index = entry.questions.index(question)
        last = index == len(entry.questions) - 1
        workshop_id = workshop.id if workshop else None
        position = self.progress.answer(speaker, lesson_id, workshop_id, question.id, option, last)
        hidden = workshop is not None and not workshop.results_shown
        if hidden:
            said = Reply(translate(language, texts.ANSWER_SAVED), language, topic=LESSON_TOPIC)
        else:
            text = self.lessons.text(lesson_id, language).questions[question.id]
            said = Reply(
                feedback(text, option),
                language,
                topic=LESSON_TOPIC,
            )
        if not last:
            following = entry.questions[index + 1].id
            return [said, self.question(speaker, language, entry, following, workshop)]
        if hidden:
            assert workshop is not None
            return [
                said,
                Reply(
                    translate(language, texts.RESULTS_LATER),
                    language,
                    topic=LESSON_TOPIC,
                    buttons=(workshop.help_button,),
                ),
            ]
        return [said, self.results(language, entry, position)]

    def results(self, language: str, entry: LessonEntry, position: Position) -> Reply:
        right = sum(position.answers.get(q.id) == q.right for q in entry.questions)
        result = translate(language, texts.QUIZ_RESULT, right=right, count=len(entry.questions))
        titles = self._store.titles(list(entry.topics), language)
        buttons = [
            Button(titles[t], payload("answer", topic=t)) for t in entry.topics if t in titles
        ]
        following = self._next_lesson(entry)
        if following is not None:
            buttons.append(_lesson_button(following, self.lessons.text(following, language).title))
        buttons += [lessons_button(language), main_menu_button(language)]
        text = f"{result}\n{translate(language, texts.LESSON_DONE)}"
        return Reply(text, language, topic=LESSON_TOPIC, buttons=tuple(buttons))

    def own_results(self, language: str, lesson_id: str, position: Position) -> Reply:
        """A participant's answers with their feedback, when the trainer shows the results."""
        entry = self.lessons.catalogue[lesson_id]
        text = self.lessons.text(lesson_id, language)
        lines = [translate(language, texts.YOUR_RESULTS)]
        for number, question in enumerate(entry.questions, 1):
            chosen = position.answers.get(question.id)
            if chosen in question.options:
                said = feedback(text.questions[question.id], chosen)
                lines.append(f"{number}. {said}")
        right = sum(position.answers.get(q.id) == q.right for q in entry.questions)
        lines.append(
            translate(language, texts.QUIZ_RESULT, right=right, count=len(entry.questions))
        )
        return Reply("\n".join(lines), language, topic=LESSON_TOPIC)

    def _next_lesson(self, entry: LessonEntry) -> str | None:
        ids = list(self.lessons.catalogue)
        position = ids.index(entry.id)
        return ids[position + 1] if position + 1 < len(ids) else None

    # The self-check

    def selfcheck(
        self, speaker: Speaker, language: str, question_id: str | None, option: str | None
    ) -> list[Reply]:
        """The introduction and first question; or feedback on an answer and the next
        question; or, after the last one, the strong and weak areas."""
        questions = self.lessons.selfcheck
        ids = [q.id for q in questions]
        if question_id is None or question_id not in ids:
            intro = translate(language, texts.SELFCHECK_INTRO, count=len(questions))
            return [Reply(intro, language, topic=SELFCHECK_TOPIC), self._check(language, 0)]
        index = ids.index(question_id)
        question = questions[index]
        if option not in question.options:
            return [self._check(language, index)]
        last = index == len(questions) - 1
        self.progress.selfcheck_answer(speaker, question.id, option, last)
        text = self.lessons.selfcheck_text(question.id, language)
        said = Reply(
            feedback(text, option),
            language,
            topic=SELFCHECK_TOPIC,
        )
        if not last:
            return [said, self._check(language, index + 1)]
        return [said, self._selfcheck_result(speaker, language)]

    def _check(self, language: str, index: int) -> Reply:
        question = self.lessons.selfcheck[index]
        text = self.lessons.selfcheck_text(question.id, language)
        heading = translate(
            language, texts.QUESTION_NUMBER, number=index + 1, count=len(self.lessons.selfcheck)
        )
        buttons = tuple(
            Button(text.options[o], payload(SELFCHECK_INTENT, q=question.id, a=o))
            for o in question.options
        )
        return Reply(
            f"{heading}\n{text.question}", language, topic=SELFCHECK_TOPIC, buttons=buttons
        )

    def _selfcheck_result(self, speaker: Speaker, language: str) -> Reply:
        lessons = self.lessons
        taken = self.progress.selfchecks(speaker.conversation_id)
        scores = area_scores(lessons, taken[-1].answers)
        strong = [a for a in AREAS if scores[a][1] and scores[a][0] >= STRONG_SHARE * scores[a][1]]
        # The weakest first: most questions missed, then the framework's order.
        weak = sorted(
            (a for a in AREAS if a not in strong and scores[a][1]),
            key=lambda a: (scores[a][0] / scores[a][1], AREAS.index(a)),
        )
        lines = []
        total = len(lessons.selfcheck)
        right = sum(score[0] for score in scores.values())
        lines.append(translate(language, texts.QUIZ_RESULT, right=right, count=total))
        if len(taken) > 1:
            before = sum(s[0] for s in area_scores(lessons, taken[-2].answers).values())
            lines.append(
                translate(language, texts.SELFCHECK_CHANGE, before=before, count=total, after=right)
            )
        names = lambda areas: ", ".join(lessons.area_name(a, language) for a in areas)  # noqa: E731
        if strong:
            lines.append(translate(language, texts.SELFCHECK_STRONG, areas=names(strong)))
        suggested: list[str] = []
        if weak:
            lines.append(translate(language, texts.SELFCHECK_WEAK, areas=names(weak)))
            for area in weak:
                suggested += lessons.for_area(area)
        else:
            lines.append(translate(language, texts.SELFCHECK_ALL_RIGHT))
        buttons = [
            _lesson_button(lesson_id, lessons.text(lesson_id, language).title)
            for lesson_id in suggested[:SUGGESTED_LESSONS]
        ]
        buttons += [
            Button(translate(language, texts.SELFCHECK_AGAIN), payload(SELFCHECK_INTENT)),
            lessons_button(language),
            main_menu_button(language),
        ]
        return Reply("\n".join(lines), language, topic=SELFCHECK_TOPIC, buttons=tuple(buttons))


def area_scores(lessons: Lessons, answers: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Per area, (answered right, questions)."""
    scores = {area: (0, 0) for area in AREAS}
    for question in lessons.selfcheck:
        right, count = scores[question.area or ""]
        scores[question.area or ""] = (
            right + (answers.get(question.id) == question.right),
            count + 1,
        )
    return scores


def feedback(text: QuestionText, option: str) -> str:
    """The feedback on an option; it starts by saying whether the option is right, in the
    words a trainer would use in that language."""
    return text.feedback[option]
