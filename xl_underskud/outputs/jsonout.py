"""The machine-readable settlement: format xl-underskud/afregning@1 and xl-underskud/fejl@1."""
from __future__ import annotations

from xl_underskud.core.records import Message
from xl_underskud.core.rules.settlement import Settlement

SETTLEMENT_FORMAT = "xl-underskud/afregning@1"
ERROR_FORMAT = "xl-underskud/fejl@1"


def settlement_json(s: Settlement) -> dict:
    return {
        "format": SETTLEMENT_FORMAT,
        "aftaler": [
            {"aftale_id": ap.agreement_id, "periode": ap.period, "vinduesdoegn": ap.window_days,
             "betalte_doegn": ap.paid_days, "tomme_doegn": ap.vacant_days,
             "beloeb_oere": ap.amount_oere}
            for ap in sorted(s.agreement_periods, key=lambda ap: (ap.agreement_id, ap.period))
        ],
        "fordeling": [
            {"aftale_id": p.agreement_id, "periode": p.period, "kommunekode": p.municipality_code,
             "kommune": p.municipality, "folketal": p.population, "beloeb_oere": p.amount_oere}
            for p in sorted(s.parts, key=lambda p: (p.agreement_id, p.period, p.municipality_code))
        ],
        "kommuner": [
            {"kommunekode": m.code, "kommune": m.name, "periode": m.period,
             "betaler_oere": m.pays_oere, "modtager_oere": m.receives_oere,
             "netto_oere": m.net_oere}
            for m in sorted(s.positions, key=lambda m: (m.code, m.period))
        ],
        "advarsler": [m.as_dict() for m in s.warnings if not m.is_error],
    }


def errors_json(messages: list[Message]) -> dict:
    return {"format": ERROR_FORMAT, "fejl": [m.as_dict() for m in messages if m.is_error]}
