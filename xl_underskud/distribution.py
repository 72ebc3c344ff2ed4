"""SPEC rule 7: split an amount over the paying municipalities by population share.

Largest remainder in whole øre: every municipality first gets the whole øre of its exact
share (amount × population / total, rounded down); the øre left over go one each to the
largest remainders. Ties go to the larger population, then the lower municipality code. The
parts therefore add up to the amount exactly. Integer arithmetic only.
"""
from __future__ import annotations

from fractions import Fraction


def split_by_population(amount_oere: int, population: dict[int, int]) -> dict[int, int]:
    """{municipality code: øre}. `population` maps code → population (all > 0)."""
    if not population:
        raise ValueError("Der er ingen kommuner at fordele beløbet på.")
    if any(p <= 0 for p in population.values()):
        raise ValueError("Folketal skal være større end 0.")
    sign = -1 if amount_oere < 0 else 1
    amount = abs(int(amount_oere))
    total = sum(population.values())
    parts, remainders = {}, []
    for code, pop in population.items():
        whole, rest = divmod(amount * pop, total)
        parts[code] = whole
        remainders.append((-rest, -pop, code))
    left = amount - sum(parts.values())
    for _, _, code in sorted(remainders)[:left]:
        parts[code] += 1
    return {code: sign * value for code, value in parts.items()}


def share(population: dict[int, int], code: int) -> Fraction:
    """The exact population share of one municipality."""
    return Fraction(population[code], sum(population.values()))
