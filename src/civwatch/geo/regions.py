"""Names of Ukraine's first-level divisions, keyed by their GeoNames admin1 code.

GeoNames codes UA.01-UA.27 (the 24 oblasts, Crimea, and the cities of Kyiv and Sevastopol
with special status). English short forms follow the Ukrainian national transliteration.
"""

from __future__ import annotations

#: admin1 code -> (English name, Ukrainian name)
UKRAINE_ADMIN1: dict[str, tuple[str, str]] = {
    "01": ("Cherkasy Oblast", "Черкаська область"),
    "02": ("Chernihiv Oblast", "Чернігівська область"),
    "03": ("Chernivtsi Oblast", "Чернівецька область"),
    "04": ("Dnipropetrovsk Oblast", "Дніпропетровська область"),
    "05": ("Donetsk Oblast", "Донецька область"),
    "06": ("Ivano-Frankivsk Oblast", "Івано-Франківська область"),
    "07": ("Kharkiv Oblast", "Харківська область"),
    "08": ("Kherson Oblast", "Херсонська область"),
    "09": ("Khmelnytskyi Oblast", "Хмельницька область"),
    "10": ("Kirovohrad Oblast", "Кіровоградська область"),
    "11": ("Autonomous Republic of Crimea", "Автономна Республіка Крим"),
    "12": ("Kyiv City", "місто Київ"),
    "13": ("Kyiv Oblast", "Київська область"),
    "14": ("Luhansk Oblast", "Луганська область"),
    "15": ("Lviv Oblast", "Львівська область"),
    "16": ("Mykolaiv Oblast", "Миколаївська область"),
    "17": ("Odesa Oblast", "Одеська область"),
    "18": ("Poltava Oblast", "Полтавська область"),
    "19": ("Rivne Oblast", "Рівненська область"),
    "20": ("Sevastopol City", "місто Севастополь"),
    "21": ("Sumy Oblast", "Сумська область"),
    "22": ("Ternopil Oblast", "Тернопільська область"),
    "23": ("Vinnytsia Oblast", "Вінницька область"),
    "24": ("Volyn Oblast", "Волинська область"),
    "25": ("Zakarpattia Oblast", "Закарпатська область"),
    "26": ("Zaporizhzhia Oblast", "Запорізька область"),
    "27": ("Zhytomyr Oblast", "Житомирська область"),
}
