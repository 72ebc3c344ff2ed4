"""Shell: the command line `xl-underskud` (Danish help and messages).

Exit codes: 0 = done, 1 = the workbook has errors (nothing written), 2 = wrong use of the
command. The input workbook is only ever read.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from . import __version__
from .engine import evaluate
from .jsonout import errors_json, settlement_json
from .output_tables import settlement_tables
from .records import Message, error

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
DEFAULT_TEMPLATE = "Underskudsgaranti.xlsx"
DEFAULT_EXAMPLE = "Underskudsgaranti_eksempel.xlsx"


class _DanishFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "Brug: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _DanishFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenter"
        self._optionals.title = "tilvalg"
        self.add_argument("-h", "--help", action="help", help="vis denne hjælp og stop")

    def error(self, message):
        self.print_usage(sys.stderr)
        translated = (message.replace("the following arguments are required", "mangler")
                      .replace("unrecognized arguments", "ukendte argumenter")
                      .replace("invalid choice", "ukendt valg")
                      .replace("invalid int value", "ikke et heltal")
                      .replace("expected one argument", "kræver en værdi")
                      .replace("argument ", "argument "))
        print(f"{self.prog}: fejl: {translated}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _location(m: Message) -> str:
    parts = []
    if m.source.sheet:
        parts.append(f"ark {m.source.sheet}")
    if m.source.row:
        parts.append(f"række {m.source.row}")
    if m.source.column:
        parts.append(f"kolonne {m.source.column}")
    return ", ".join(parts) if parts else "filen"


def _print_messages(messages: list[Message], stream) -> None:
    for m in messages:
        label = "FEJL" if m.is_error else "Advarsel"
        print(f"{label} ({_location(m)}): {m.text}", file=stream)


def _read(path: Path):
    from .xlsx.reader import read_workbook  # imported here: `--help` stays fast

    return read_workbook(path)


def _cmd_valider(args) -> int:
    raw = _read(Path(args.fil))
    _, _, messages = evaluate(raw, args.aar)
    errors = [m for m in messages if m.is_error]
    if args.json:
        out = errors_json(messages)
        out["advarsler"] = [m.as_dict() for m in messages if not m.is_error]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print_messages(messages, sys.stdout if not errors else sys.stderr)
        if errors:
            print(f"{len(errors)} fejl i {Path(args.fil).name}. Ret dem og prøv igen.",
                  file=sys.stderr)
        else:
            print(f"Ingen fejl i {Path(args.fil).name}.")
    return EXIT_INVALID if errors else EXIT_OK


def _kr(oere: int) -> str:
    sign = "-" if oere < 0 else ""
    kr, rest = divmod(abs(oere), 100)
    return f"{sign}{kr:,}".replace(",", ".") + f",{rest:02d} kr."


def _default_report(fil: Path, year: int | None) -> Path:
    suffix = f"_afregning_{year}" if year else "_afregning"
    return fil.with_name(fil.stem + suffix + ".xlsx")


def _cmd_beregn(args) -> int:
    fil = Path(args.fil)
    out = Path(args.ud) if args.ud else (None if args.json else _default_report(fil, args.aar))
    if out is not None and fil.exists() and out.resolve() == fil.resolve():
        messages = [error(None, None, None, "Rapporten må ikke skrives oven i indfilen; vælg et "
                                            "andet navn med --ud.")]
        return _fail(args, messages)
    if out is not None and not out.parent.exists():
        return _fail(args, [error(None, None, None, f"Mappen {out.parent} findes ikke.")])
    raw = _read(fil)
    settlement, inputs, messages = evaluate(raw, args.aar)
    if settlement is None:
        return _fail(args, messages)
    if out is not None:
        from .xlsx.report import write_report

        write_report(out, settlement_tables(settlement, inputs, fil.name, date.today()))
    if args.json:
        print(json.dumps(settlement_json(settlement), ensure_ascii=False, indent=2))
        return EXIT_OK
    _print_messages(messages, sys.stdout)
    print(f"Afregning for {fil.name} (periode: {settlement.settings.period.value})")
    print(f"{'Aftale':<8}{'Periode':<10}{'Vinduesdøgn':>12}{'Betalte':>10}{'Tomme':>8}"
          f"{'Beløb':>20}")
    for ap in settlement.agreement_periods:
        print(f"{ap.agreement_id:<8}{ap.period:<10}{ap.window_days:>12}{ap.paid_days:>10}"
              f"{ap.vacant_days:>8}{_kr(ap.amount_oere):>20}")
    print(f"{'I alt':<48}{_kr(settlement.total_oere):>20}")
    print(f"Rapport skrevet: {out}")
    return EXIT_OK


def _fail(args, messages: list[Message]) -> int:
    if getattr(args, "json", False):
        print(json.dumps(errors_json(messages), ensure_ascii=False, indent=2))
    _print_messages(messages, sys.stderr)
    n = sum(1 for m in messages if m.is_error)
    print(f"{n} fejl. Intet er skrevet.", file=sys.stderr)
    return EXIT_INVALID


def _cmd_skabelon(args) -> int:
    from .xlsx.template import build_workbook

    path = build_workbook(args.ud or DEFAULT_TEMPLATE)
    print(f"Standardregnearket er skrevet: {path}")
    return EXIT_OK


def _cmd_eksempel(args) -> int:
    from .example import write_example

    path = write_example(args.ud or DEFAULT_EXAMPLE)
    print(f"Eksempel skrevet: {path}")
    print(f"Prøv: xl-underskud beregn {path}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="xl-underskud",
        description="Underskudsgaranti for nye pladser (KKR Hovedstaden): kontrol og afregning "
                    "af standardregnearket.",
        epilog="Afslutningskoder: 0 = udført, 1 = fejl i projektmappen (intet skrevet), "
               "2 = forkert brug af kommandoen.")
    parser.add_argument("--version", action="version", version=f"xl-underskud {__version__}",
                        help="vis versionen og stop")
    sub = parser.add_subparsers(dest="kommando", metavar="KOMMANDO", title="kommandoer",
                                parser_class=_Parser)

    p = sub.add_parser("valider", help="kontrollér en projektmappe og vis alle fejl",
                       description="Kontrollér projektmappen og vis alle fejl og advarsler.")
    p.add_argument("fil", metavar="FIL", help="standardregnearket (.xlsx eller .xlsm)")
    p.add_argument("--aar", type=int, metavar="ÅR", help="kontrollér afregningen af dette år")
    p.add_argument("--json", action="store_true", help="skriv resultatet som JSON")
    p.set_defaults(func=_cmd_valider)

    p = sub.add_parser("beregn", help="beregn afregningen og skriv en rapport",
                       description="Beregn tomme døgn, garantibeløb og fordeling på kommuner. "
                                   "Skriver en ny rapport; FIL ændres aldrig.")
    p.add_argument("fil", metavar="FIL", help="standardregnearket (.xlsx eller .xlsm)")
    p.add_argument("--aar", type=int, metavar="ÅR",
                   help="afregningsåret (standard: Indstillinger, ellers alle år)")
    p.add_argument("--ud", metavar="RAPPORT.xlsx",
                   help="rapportens filnavn (standard: FIL_afregning.xlsx; med --json ingen "
                        "rapport, medmindre --ud er givet)")
    p.add_argument("--json", action="store_true",
                   help="skriv afregningen som JSON (beløb i øre) på standardoutput")
    p.set_defaults(func=_cmd_beregn)

    p = sub.add_parser("skabelon", help="skriv det tomme standardregneark",
                       description="Skriv det tomme standardregneark med folketal 2022–2024.")
    p.add_argument("--ud", metavar="FIL", help=f"filnavn (standard: {DEFAULT_TEMPLATE})")
    p.set_defaults(func=_cmd_skabelon)

    p = sub.add_parser("eksempel", help="skriv et udfyldt eksempel",
                       description="Skriv et udfyldt eksempel med tre aftaler og 18 pladser.")
    p.add_argument("--ud", metavar="FIL", help=f"filnavn (standard: {DEFAULT_EXAMPLE})")
    p.set_defaults(func=_cmd_eksempel)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
