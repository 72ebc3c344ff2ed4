"""SPEC rule 7: split an amount over the paying municipalities by population share.

Largest remainder in whole øre: every municipality first gets the whole øre of its exact
share (amount × population / total, rounded down); the øre left over go one each to the
largest remainders. Ties go to the larger population, then the lower municipality code. The
parts therefore add up to the amount exactly. Integer arithmetic only.
"""
from __future__ import annotations


import numpy as np


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


def split_many(amounts_oere, populations) -> np.ndarray:
    """The same split for many amounts over one population key at once.

    `amounts_oere` (n, all ≥ 0) and `populations` (m, all > 0, in municipality-code order) give
    an n × m array of øre, row i being `split_by_population(amounts[i], …)`: same rule, same
    ties (larger population, then lower code = earlier column), vectorised for large
    settlements. Falls back to Python integers where int64 could overflow.
    """
    amounts = np.asarray(amounts_oere, dtype=np.int64)
    pops = np.asarray(populations, dtype=np.int64)
    if amounts.size == 0:
        return np.zeros((0, pops.size), dtype=np.int64)
    if (amounts < 0).any() or (pops <= 0).any():
        raise ValueError("Beløb skal være ≥ 0 og folketal > 0.")
    total = int(pops.sum())
    if int(amounts.max()) * int(pops.max()) >= 2**62:
        codes = list(range(pops.size))
        return np.array([[split_by_population(int(a), dict(zip(codes, pops.tolist())))[c]
                          for c in codes] for a in amounts.tolist()], dtype=object)
    product = amounts[:, None] * pops[None, :]
    whole, rest = np.divmod(product, total)
    left = amounts - whole.sum(axis=1)
    # rank within each row: larger remainder first, then larger population, then lower code
    column = np.broadcast_to(np.arange(pops.size), rest.shape)
    order = np.lexsort((column, np.broadcast_to(-pops, rest.shape), -rest), axis=-1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(pops.size)[None, :].repeat(len(amounts), 0), axis=1)
    return whole + (rank < left[:, None])
