"""Chat exports as Telegram Desktop and WhatsApp write them, made small for tests."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from tests.support.files import noise_jpeg

NNBSP = "\u202f"
LRM = "\u200e"
MISSING = "(File not included. Change data exporting settings to download.)"


def telegram_messages(photo: str, video: str) -> list[dict[str, Any]]:
    return [
        {
            "id": 1,
            "type": "service",
            "date": "2024-03-01T10:00:00",
            "date_unixtime": "1709280000",
            "actor": "Kharkiv Now",
            "actor_id": "channel1001",
            "action": "create_channel",
            "title": "Kharkiv Now",
            "text": "",
            "text_entities": [],
        },
        {
            "id": 2,
            "type": "message",
            "date": "2024-03-01T10:05:00",
            "date_unixtime": "1709280300",
            "from": "Kharkiv Now",
            "from_id": "channel1001",
            "photo": photo,
            "width": 320,
            "height": 240,
            "text": "Strike on a school in Saltivka",
            "text_entities": [{"type": "plain", "text": "Strike on a school in Saltivka"}],
        },
        {
            "id": 3,
            "type": "message",
            "date": "2024-03-01T10:07:00",
            "date_unixtime": "1709280420",
            "edited": "2024-03-01T10:09:00",
            "edited_unixtime": "1709280540",
            "from": "Kharkiv Now",
            "from_id": "channel1001",
            "forwarded_from": "Oblast administration",
            "reply_to_message_id": 2,
            "text": [
                "Details: ",
                {"type": "bold", "text": "3 injured"},
                ", see ",
                {"type": "text_link", "text": "the statement", "href": "https://example.org/s"},
                " and ",
                {"type": "link", "text": "https://example.org/map"},
            ],
            "text_entities": [],
        },
        {
            "id": 4,
            "type": "message",
            "date": "2024-03-01T10:10:00",
            "date_unixtime": "1709280600",
            "from": "Kharkiv Now",
            "from_id": "channel1001",
            "saved_from": "Eyewitness",
            "file": video,
            "media_type": "video_file",
            "mime_type": "video/mp4",
            "text": "",
            "text_entities": [],
        },
        {
            "id": 5,
            "type": "message",
            "date": "2024-03-01T10:12:00",
            "date_unixtime": "1709280720",
            "from": "Kharkiv Now",
            "from_id": "channel1001",
            "photo": MISSING,
            "text": "Second photo (not exported)",
            "text_entities": [],
        },
    ]


def telegram_export(folder: Path, *, seed: int = 1) -> Path:
    """A single channel's export: a photo, a text with entities, a "video" and a message
    whose photo the export left out."""
    (folder / "photos").mkdir(parents=True)
    (folder / "video_files").mkdir()
    noise_jpeg(folder / "photos" / "photo_1@01-03-2024_10-05-00.jpg", seed=seed)
    noise_jpeg(folder / "video_files" / "clip.mp4", seed=seed + 100)  # bytes only matter
    doc = {
        "name": "Kharkiv Now",
        "type": "public_channel",
        "id": 1001,
        "messages": telegram_messages(
            "photos/photo_1@01-03-2024_10-05-00.jpg", "video_files/clip.mp4"
        ),
    }
    (folder / "result.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    return folder


def telegram_full_export(folder: Path) -> Path:
    """A whole account's export (``chats.list``): two chats, media under chats/chat_NNN/."""
    chats = []
    for n in (1, 2):
        sub = folder / "chats" / f"chat_00{n}" / "photos"
        sub.mkdir(parents=True)
        noise_jpeg(sub / "p.jpg", seed=40 + n)
        chats.append(
            {
                "name": f"Group {n}",
                "type": "private_group",
                "id": 2000 + n,
                "messages": [
                    {
                        "id": 10,
                        "type": "message",
                        "date": "2024-03-02T08:00:00",
                        "date_unixtime": "1709359200",
                        "from": "Petro",
                        "from_id": "user7",
                        "photo": f"chats/chat_00{n}/photos/p.jpg",
                        "text": f"photo in group {n}",
                    },
                    {
                        "id": 11,
                        "type": "message",
                        "date": "2024-03-02T08:01:00",
                        "date_unixtime": "1709359260",
                        "from": "Petro",
                        "from_id": "user7",
                        "text": "text only",
                    },
                ],
            }
        )
    doc = {
        "about": "Here is the data you requested.",
        "personal_information": {"first_name": "Test"},
        "chats": {"about": "chats", "list": chats},
        "left_chats": {"about": "left", "list": []},
    }
    (folder / "result.json").write_text(json.dumps(doc, indent=1))
    return folder


def whatsapp_ios(folder: Path, *, twelve_hour: bool = False, seed: int = 5) -> Path:
    """An iPhone's export: day-first dates (a 13th of March decides it), a photo, a
    multi-line message, the encryption notice; 12-hour times with U+202F when asked."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = "00000012-PHOTO-2024-03-13-10-16-02.jpg"
    noise_jpeg(folder / photo, seed=seed)
    if twelve_hour:
        # Month first, as a US phone writes it: 3/13/24 decides the order.
        t = lambda d, h: f"[{d}, {h}{NNBSP}PM]"  # noqa: E731
        d1, d2 = "3/12/24", "3/13/24"
        times = ("1:15:30", "1:16:02", "1:17:00", "12:05:00")
    else:
        t = lambda d, h: f"[{d}, {h}]"  # noqa: E731
        d1, d2 = "12.03.24", "13.03.24"
        times = ("13:15:30", "13:16:02", "13:17:00", "12:05:00")
    lines = [
        f"{t(d1, times[0])} Kharkiv group: {LRM}Messages and calls are end-to-end encrypted.",
        f"{t(d1, times[0])} Olena: Explosion near the market",
        f"{LRM}{t(d2, times[1])} Olena: {LRM}<attached: {photo}>",
        f"{t(d2, times[2])} Petro: Three lines:",
        "second line",
        "third line",
        f"{t(d2, times[3])} Petro: {LRM}image omitted",
    ]
    (folder / "_chat.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def whatsapp_android(folder: Path, *, seed: int = 6, ambiguous: bool = False) -> Path:
    """An Android phone's export ("WhatsApp Chat with Kharkiv group.txt")."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = "IMG-20240314-WA0001.jpg"
    noise_jpeg(folder / photo, seed=seed)
    day = "03/04/2024" if ambiguous else "14/03/2024"
    lines = [
        f"{day}, 09:00 - Messages and calls are end-to-end encrypted. Tap to learn more.",
        f"{day}, 09:01 - Olena: Shelling in the north",
        f"{day}, 09:02 - Olena: {photo} (file attached)",
        "the crater",
        f"{day}, 09:03 - +380 67 000 0000: <Media omitted>",
        f"{day}, 09:04 - Petro: line one",
        "line two",
    ]
    (folder / "WhatsApp Chat with Kharkiv group.txt").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    return folder


def zipped(folder: Path, archive: Path, *, top: str | None = None) -> Path:
    """``folder`` as a ZIP (under the folder name ``top`` when given)."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = str(path.relative_to(folder))
                zf.write(path, f"{top}/{name}" if top else name)
    return archive


def _localised_lines(language: str, layout: str, photo: str, twelve_hour: bool) -> list[str]:
    """A group chat as a Ukrainian or Russian phone exports it: the encryption notice, the
    group created and someone added (the Android line with a colon after the event), a
    text, a photo with its caption, a medium left out, a multi-line message, a deleted
    message, someone leaving, and a text that merely uses a word of those events."""
    if layout == "android":
        day = "14.03.24" if language == "uk" else "14.03.2024"

        def at(minute: int) -> str:
            return f"{day}, 09:{minute:02d} - "

        if language == "uk":
            return [
                at(0) + "Повідомлення й дзвінки захищено наскрізним шифруванням. Прочитати "
                "чи прослухати їх не зможе жодна стороння особа, навіть із WhatsApp. "
                "Докладніше",
                at(0) + "Олена створив(-ла) групу «Харків»",
                at(0) + "Олена додав(-ла): Петро",
                at(1) + "Олена: Обстріл на півночі",
                at(2) + f"Олена: {photo} (файл додано)",
                "воронка біля школи",
                at(3) + "+380 67 000 0000: <Медіа пропущено>",
                at(4) + "Петро: рядок перший",
                "рядок другий",
                at(5) + "Петро: Це повідомлення було видалено",
                at(6) + "Петро вийшов(-ла)",
                at(7) + "Петро: Ми вийшли з укриття, нас додали до списку",
            ]
        return [
            at(0) + "Сообщения и звонки защищены сквозным шифрованием. Третьи лица, "
            "включая WhatsApp, не могут прочитать или прослушать их.",
            at(0) + "Иван создал(-а) группу «Харьков»",
            at(0) + "Иван добавил(-а) участников: Петр",
            at(1) + "Иван: Обстрел на севере",
            at(2) + f"Иван: {photo} (файл добавлен)",
            "воронка возле школы",
            at(3) + "+380 67 000 0000: <Без медиафайлов>",
            at(4) + "Петр: строка первая",
            "строка вторая",
            at(5) + "Петр: Данное сообщение удалено",
            at(6) + "Петр вышел(-а)",
            at(7) + "Петр: Мы вышли из укрытия, нас добавили в список",
        ]
    day = "13.03.24"
    if twelve_hour:
        stamps = ["1:15:30 пп", "1:15:31 пп", "1:15:40 пп", "1:16:02 пп", "1:17:00 пп",
                  "12:05:00 пп", "12:06:00 дп", "1:19:00 пп"]  # fmt: skip
        stamps = [s.replace(" ", NNBSP) for s in stamps]
    else:
        stamps = ["13:15:30", "13:15:31", "13:15:40", "13:16:02", "13:17:00", "12:05:00",
                  "00:06:00", "13:19:00"]  # fmt: skip

    def at(i: int) -> str:
        return f"[{day}, {stamps[i]}] "

    if language == "uk":
        return [
            at(0) + f"Харків: {LRM}Повідомлення й дзвінки захищено наскрізним шифруванням. "
            "Прочитати чи прослухати їх не зможе жодна стороння особа, навіть із WhatsApp.",
            at(1) + f"Харків: {LRM}Олена створив(-ла) групу «Харків»",
            at(2) + "Олена: Вибух біля ринку",
            LRM + at(3) + f"Олена: {LRM}<додано: {photo}>",
            at(4) + "Петро: Три рядки:",
            "другий рядок",
            "третій рядок",
            at(5) + f"Петро: {LRM}зображення відсутнє",
            at(6) + f"Петро: {LRM}<додано: 00000099-PHOTO-2024-03-13-00-06-00.jpg>",
            at(7) + f"Петро: {LRM}Це повідомлення було видалено.",
        ]
    return [
        at(0) + f"Харьков: {LRM}Сообщения и звонки защищены сквозным шифрованием. Третьи "
        "лица, включая WhatsApp, не могут прочитать ваши сообщения или прослушать звонки.",
        at(1) + f"Харьков: {LRM}Иван создал(-а) группу «Харьков»",
        at(2) + "Иван: Взрыв возле рынка",
        LRM + at(3) + f"Иван: {LRM}<прикреплено: {photo}>",
        at(4) + "Петр: Три строки:",
        "вторая строка",
        "третья строка",
        at(5) + f"Петр: {LRM}изображение отсутствует",
        at(6) + f"Петр: {LRM}<прикреплено: 00000099-PHOTO-2024-03-13-00-06-00.jpg>",
        at(7) + f"Петр: {LRM}Данное сообщение удалено.",
    ]


def whatsapp_localised(
    folder: Path, language: str, layout: str, *, twelve_hour: bool = False, seed: int = 7
) -> Path:
    """A group chat exported by a phone set to Ukrainian (``uk``) or Russian (``ru``), in
    the iOS (``_chat.txt``) or Android (``Чат WhatsApp з ….txt``) layout, with its photo."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = "IMG-20240314-WA0001.jpg" if layout == "android" else "00000012-PHOTO-2024-03-13.jpg"
    noise_jpeg(folder / photo, seed=seed)
    lines = _localised_lines(language, layout, photo, twelve_hour)
    if layout == "ios":
        name = "_chat.txt"
    else:
        name = "Чат WhatsApp з Харків.txt" if language == "uk" else "Чат WhatsApp с Харьков.txt"
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
