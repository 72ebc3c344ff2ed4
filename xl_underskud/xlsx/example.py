"""A filled, realistic example workbook (fictional offers; real population figures).

Three agreements approved by KKR Hovedstaden on 15 October 2021 — one operated by Region
Hovedstaden, two by member municipalities — 18 places opening gradually during 2022, stays
that move in and out, notice periods, and re-lets inside a notice period.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from xl_underskud.xlsx.template import build_workbook

D = date
APPROVED = D(2021, 10, 15)

AGREEMENTS = [
    ["A1", "Region Hovedstaden", "Bostedet Kildevang", "§ 108", 8, APPROVED,
     "Udvidelse af eksisterende tilbud, 8 nye pladser"],
    ["A2", "Gladsaxe", "Botilbuddet Søndergården", "§ 108", 6, APPROVED, ""],
    ["A3", "Frederiksberg", "Midlertidigt botilbud Engvej", "§ 107", 4, APPROVED, ""],
]

PLACES = [
    ["A1", 1, D(2022, 3, 1)], ["A1", 2, D(2022, 3, 1)], ["A1", 3, D(2022, 4, 1)],
    ["A1", 4, D(2022, 5, 1)], ["A1", 5, D(2022, 6, 1)], ["A1", 6, D(2022, 8, 1)],
    ["A1", 7, D(2022, 10, 1)], ["A1", 8, D(2022, 12, 1)],
    ["A2", 1, D(2022, 2, 1)], ["A2", 2, D(2022, 2, 1)], ["A2", 3, D(2022, 4, 1)],
    ["A2", 4, D(2022, 6, 1)], ["A2", 5, D(2022, 9, 1)], ["A2", 6, D(2022, 11, 1)],
    ["A3", 1, D(2022, 1, 1)], ["A3", 2, D(2022, 3, 1)], ["A3", 3, D(2022, 7, 1)],
    ["A3", 4, D(2022, 10, 1)],
]

RATES = [
    ["A1", 2022, Decimal("4850.00"), Decimal("0.95")], ["A1", 2023, Decimal("4995.50"), Decimal("0.95")],
    ["A1", 2024, Decimal("5140.25"), Decimal("0.95")], ["A1", 2025, Decimal("5290.00"), Decimal("0.95")],
    ["A2", 2022, Decimal("4200.00"), Decimal("0.92")], ["A2", 2023, Decimal("4326.00"), Decimal("0.92")],
    ["A2", 2024, Decimal("4455.75"), Decimal("0.92")], ["A2", 2025, Decimal("4590.00"), Decimal("0.92")],
    ["A3", 2022, Decimal("3650.50"), Decimal("0.90")], ["A3", 2023, Decimal("3760.00"), Decimal("0.90")],
    ["A3", 2024, Decimal("3872.80"), Decimal("0.90")], ["A3", 2025, Decimal("3990.00"), Decimal("0.90")],
]

STAYS = [
    ["O-001", "A1", 1, "København", D(2022, 3, 1), None, None],
    ["O-002", "A1", 2, "Gentofte", D(2022, 3, 1), D(2023, 6, 30), D(2023, 8, 31)],
    ["O-003", "A1", 2, "Hvidovre", D(2023, 8, 15), None, None],  # re-let in notice period
    ["O-004", "A1", 3, "Ballerup", D(2022, 4, 1), D(2023, 1, 31), D(2023, 2, 28)],
    ["O-005", "A1", 3, "Herlev", D(2023, 6, 1), None, None],
    ["O-006", "A1", 4, "København", D(2022, 5, 1), None, None],
    ["O-007", "A1", 5, "Rødovre", D(2022, 6, 1), D(2022, 12, 31), None],
    ["O-008", "A1", 5, "Gladsaxe", D(2023, 2, 1), D(2024, 9, 30), D(2024, 10, 31)],
    ["O-009", "A1", 5, "Tårnby", D(2024, 12, 1), None, None],
    ["O-010", "A1", 6, "Albertslund", D(2022, 8, 1), None, None],
    ["O-011", "A1", 7, "Frederiksberg", D(2022, 10, 1), None, None],
    ["O-012", "A1", 8, "Furesø", D(2022, 12, 1), D(2024, 5, 31), D(2024, 7, 31)],
    ["O-013", "A1", 8, "Lyngby-Taarbæk", D(2024, 9, 1), None, None],
    ["O-101", "A2", 1, "Gladsaxe", D(2022, 2, 1), None, None],
    ["O-102", "A2", 2, "Gentofte", D(2022, 2, 1), D(2023, 3, 31), D(2023, 4, 30)],
    ["O-103", "A2", 2, "København", D(2023, 7, 1), None, None],
    ["O-104", "A2", 3, "Høje-Taastrup", D(2022, 4, 1), None, None],
    ["O-105", "A2", 4, "Egedal", D(2022, 6, 1), D(2022, 10, 31), D(2022, 11, 30)],
    ["O-106", "A2", 4, "Fredensborg", D(2022, 11, 15), None, None],  # re-let in notice period
    ["O-107", "A2", 5, "Helsingør", D(2022, 9, 1), D(2024, 2, 29), D(2024, 3, 31)],
    ["O-108", "A2", 5, "Hillerød", D(2024, 6, 1), None, None],
    ["O-109", "A2", 6, "Allerød", D(2022, 11, 1), None, None],
    ["O-201", "A3", 1, "Frederiksberg", D(2022, 1, 1), D(2022, 12, 31), D(2023, 1, 31)],
    ["O-202", "A3", 1, "Dragør", D(2023, 3, 1), None, None],
    ["O-203", "A3", 2, "København", D(2022, 3, 1), None, None],
    ["O-204", "A3", 3, "Brøndby", D(2022, 7, 1), D(2023, 3, 31), None],
    ["O-205", "A3", 3, "Ishøj", D(2023, 5, 1), D(2023, 12, 31), D(2024, 1, 31)],
    ["O-206", "A3", 3, "Vallensbæk", D(2024, 4, 1), None, None],
    ["O-207", "A3", 4, "Glostrup", D(2022, 10, 1), None, None],
]


# Rate tools (fictional costs; illustrative PL index — fill in KL's official figures). The
# takst cap judges a year over a period of up to 6 years, so the years six before the checked
# ones (2017 for 2023, 2018 for 2024) are here too.
COSTS = [
    ["Bostedet Kildevang", 2014, Decimal("11200000"), Decimal("700000"), 8, Decimal("0.95")],
    ["Bostedet Kildevang", 2017, Decimal("11400000"), Decimal("710000"), 8, Decimal("0.95")],
    ["Bostedet Kildevang", 2018, Decimal("11550000"), Decimal("720000"), 8, Decimal("0.95")],
    ["Bostedet Kildevang", 2023, Decimal("12650000"), Decimal("760000"), 8, Decimal("0.95")],
    ["Bostedet Kildevang", 2024, Decimal("13020000"), Decimal("790000"), 8, Decimal("0.95")],
    ["Botilbuddet Søndergården", 2014, Decimal("7400000"), Decimal("430000"), 6, Decimal("0.92")],
    ["Botilbuddet Søndergården", 2018, Decimal("8050000"), Decimal("480000"), 6, Decimal("0.92")],
    ["Botilbuddet Søndergården", 2024, Decimal("9900000"), Decimal("650000"), 6, Decimal("0.92")],
]
PL_INDEX = [[year, Decimal(pl)] for year, pl in (
    (2015, "0.012"), (2016, "0.014"), (2017, "0.017"), (2018, "0.018"), (2019, "0.019"),
    (2020, "0.015"), (2021, "0.021"), (2022, "0.042"), (2023, "0.039"), (2024, "0.031"))]


def write_example(path: str | Path) -> Path:
    return build_workbook(path, {
        "tblAftaler": AGREEMENTS,
        "tblPladser": PLACES,
        "tblTakster": RATES,
        "tblOphold": STAYS,
        "tblOmkostninger": COSTS,
        "tblPLIndeks": PL_INDEX,
    })
