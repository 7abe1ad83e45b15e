"""What WhatsApp writes in an export in the phone's language: English, Ukrainian and
Russian (the languages of phones in Ukraine).

The wording is WhatsApp's own (its iOS ``Localizable.strings`` and Android ``strings.xml``
as open-source export parsers list them, and real exports); only the first words of a
long notice are matched, since WhatsApp rewrites the rest from version to version. A
language not listed here still imports: an attachment is then recognised by its file being
in the export (:mod:`civwatch.intake.whatsapp`).
"""

from __future__ import annotations

import re

#: The label of an iOS attachment, ``<attached: FILE>``: English, Ukrainian, Russian.
IOS_ATTACHED = ("attached", "додано", "вкладено", "прикреплено", "вложено")
#: The note after an Android attachment, ``FILE (file attached)``.
ANDROID_ATTACHED = (
    "file attached",
    "файл додано",
    "файл прикріплено",
    "файл добавлен",
    "файл прикреплен",
)

#: A message whose media the export left out. Android writes one line for every kind
#: (``<Media omitted>``); iOS one per kind (``image omitted``), after a U+200E mark.
OMITTED_MEDIA = (
    # English
    "<Media omitted>",
    "image omitted",
    "video omitted",
    "audio omitted",
    "sticker omitted",
    "document omitted",
    "GIF omitted",
    "Contact card omitted",
    # Ukrainian
    "<Медіа пропущено>",
    "<Медіафайл пропущено>",
    "<Без медіафайлів>",
    "зображення відсутнє",
    "відео відсутнє",
    "аудіо відсутнє",
    "Наклейку не додано",
    "документ пропущено",
    "GIF-анімацію пропущено",
    "Картка контакту відсутня",
    # Russian
    "<Без медиафайлов>",
    "<Файл пропущен>",
    "<Медиафайл пропущен>",
    "<Медиа скрыто>",
    "изображение отсутствует",
    "видео отсутствует",
    "аудиофайл отсутствует",
    "аудио отсутствует",
    "стикер не добавлен",
    "документ отсутствует",
    "GIF отсутствует",
    "Карточка контакта отсутствует",
)

#: A message its sender deleted: nothing is left of it but this text.
DELETED = (
    "This message was deleted",
    "You deleted this message",
    "Це повідомлення було видалено",
    "Це повідомлення видалено",
    "Ви видалили це повідомлення",
    "Данное сообщение удалено",
    "Это сообщение удалено",
    "Вы удалили это сообщение",
    "Вы удалили данное сообщение",
)

#: Notices WhatsApp itself writes into a chat, by their first words: the encryption
#: notice, a changed security code, a missed call.
NOTICES = (
    "Messages and calls are end-to-end encrypted",
    "Messages and calls are now end-to-end encrypted",
    "Messages to this group are now secured",
    "Your security code with ",
    "Missed voice call",
    "Missed video call",
    "Повідомлення й дзвінки захищено наскрізним шифруванням",
    "Повідомлення та дзвінки захищено наскрізним шифруванням",
    "Ваші повідомлення та дзвінки захищено",
    "Код безпеки з контактом",
    "Пропущений аудіодзвінок",
    "Пропущений відеодзвінок",
    "Сообщения и звонки защищены сквозным шифрованием",
    "Ваши сообщения и звонки защищены",
    "Ваш код безопасности с контактом",
    "Пропущенный аудиозвонок",
    "Пропущенный видеозвонок",
)

#: A group's events as WhatsApp words them (a group created, someone added, leaving, a
#: new subject...; ``(-ла)``/``(-а)`` are the forms WhatsApp writes for either sex).
#: Looked for only where no person speaks: in a line without a sender, or in what an
#: Android line puts before its first colon ("Олена додав(-ла): Петро").
GROUP_EVENTS = (
    " created group ",
    " created this group",
    " joined using this group's invite link",
    " changed the subject ",
    " changed this group's icon",
    " changed the group description",
    " changed their phone number",
    "створив(-ла) групу",
    "створили групу",
    "додав(-ла)",
    "вийшов(-ла)",
    "видалив(-ла)",
    "приєднався(-лась)",
    "змінив(-ла)",
    "создал(-а) группу",
    "создал(а) группу",
    "создали группу",
    "добавил(-а)",
    "добавлен(-а)",
    "вышел(-а)",
    "покинул(-а)",
    "удалил(-а)",
    "присоединился(-ась)",
    "изменил(-а)",
)

#: 12-hour markers: English ``AM``/``PM`` (``a.m.``...), Ukrainian ``дп``/``пп``.
MORNING = ("am", "дп")
AFTERNOON = ("pm", "пп")

#: How an Android export names its chat file, before the chat's name.
CHAT_FILE_PREFIXES = (
    "WhatsApp Chat with ",
    "WhatsApp Chat - ",
    "WhatsApp Chat ",
    "Чат WhatsApp з ",
    "Чат WhatsApp із ",
    "Чат WhatsApp с контактом ",
    "Чат WhatsApp с группой ",
    "Чат WhatsApp с ",
)


def _words(values: tuple[str, ...]) -> str:
    return "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))


OMITTED_PATTERN = re.compile(rf"^(?:{_words(OMITTED_MEDIA)})\.?$", re.I)
DELETED_PATTERN = re.compile(rf"^(?:{_words(DELETED)})\.?$", re.I)
NOTICE_PATTERN = re.compile(rf"^(?:{_words(NOTICES)})", re.I)
GROUP_EVENT_PATTERN = re.compile(_words(GROUP_EVENTS), re.I)
IOS_ATTACHED_LABELS = frozenset(w.casefold() for w in IOS_ATTACHED)
ANDROID_ATTACHED_NOTES = frozenset(w.casefold() for w in ANDROID_ATTACHED)
AMPM = _words(MORNING + AFTERNOON)


def is_omitted(text: str) -> bool:
    """Whether ``text`` is all WhatsApp wrote for a medium left out of the export."""
    return OMITTED_PATTERN.match(text) is not None


def is_deleted(text: str) -> bool:
    """Whether ``text`` is what WhatsApp leaves of a deleted message."""
    return DELETED_PATTERN.match(text) is not None


def is_notice(text: str) -> bool:
    """Whether ``text`` is a notice WhatsApp itself wrote into the chat."""
    return NOTICE_PATTERN.match(text) is not None


def is_group_event(text: str) -> bool:
    """Whether ``text`` (where no person speaks) tells of a group's event."""
    return GROUP_EVENT_PATTERN.search(text) is not None


def afternoon(marker: str) -> bool:
    """Whether a 12-hour marker (``PM``, ``p.m.``, ``пп``) is after noon."""
    return marker.replace(".", "").replace(" ", "").casefold() in AFTERNOON
