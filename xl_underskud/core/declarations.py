"""The declaration of the standard workbook: one `Table` per input sheet, as data.

This single declaration drives three things, so they cannot drift apart:
- the workbook builder (`xlsx/template.py`): sheet, Excel Table, headers, widths, formats,
  data validation and the input help shown in Excel;
- the reader (`xlsx/reader.py`): which tables and headers to look for;
- the field validator (`parse.py`): type, required, bounds and allowed values per column.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    TEXT = "tekst"
    ID = "id"  # text; a whole number typed as a number is accepted as its digits
    INTEGER = "heltal"
    DECIMAL = "beløb"
    PERCENT = "procent"  # fraction 0–1; 50 or 95 typed as whole percent is accepted
    DATE = "dato"
    CHOICE = "valg"
    MUNICIPALITY = "kommune"  # a municipality name (or a region, where allowed)


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: Kind
    required: bool = True
    minimum: float | None = None  # inclusive
    maximum: float | None = None  # inclusive
    positive: bool = False  # strictly > 0
    choices: tuple[str, ...] = ()
    width: float = 14
    num_format: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Table:
    sheet: str
    name: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()  # fields that together identify a row
    title: str = ""
    intro: str = ""
    optional: bool = False  # a workbook without this table is still valid (rate tools)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


DATE_FORMAT = "dd-mm-yyyy"
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
INTEGER_FORMAT = "0"
POPULATION_FORMAT = "#,##0"

PARAGRAPHS = ("§ 103", "§ 104", "§ 107", "§ 108")

AFTALER = Table(
    sheet="Aftaler",
    name="tblAftaler",
    title="Forpligtende købsaftaler med underskudsgaranti",
    intro="Én række pr. godkendt udvidelse (købsaftale).",
    unique=("agreement_id",),
    columns=(
        Column("AftaleID", "agreement_id", Kind.ID, width=12,
               help="Aftalens entydige id, fx A1."),
        Column("Driftsherre", "operator", Kind.MUNICIPALITY, width=22,
               help="Kommunen eller regionen, der driver tilbuddet."),
        Column("Tilbud", "offer", Kind.TEXT, width=28, help="Tilbuddets navn."),
        Column("Paragraf", "paragraph", Kind.CHOICE, choices=PARAGRAPHS, width=10,
               help="Serviceloven: § 107/§ 108 botilbud, § 103/§ 104 aktivitetstilbud."),
        Column("Antal pladser", "places", Kind.INTEGER, minimum=1, width=10,
               num_format=INTEGER_FORMAT, help="Antal garanterede pladser (mindst 1)."),
        Column("Godkendt dato", "approved", Kind.DATE, width=13, num_format=DATE_FORMAT,
               help="Datoen, hvor KKR godkendte aftalen (dd-mm-åååå)."),
        Column("Bemærkning", "note", Kind.TEXT, required=False, width=36,
               help="Fri tekst. Skriv aldrig navne eller CPR-numre."),
    ),
)

PLADSER = Table(
    sheet="Pladser",
    name="tblPladser",
    title="Garanterede pladser",
    intro="Én række pr. plads. Ibrugtagningsdato er første dag, en konkret borger brugte pladsen.",
    unique=("agreement_id", "place_no"),
    columns=(
        Column("AftaleID", "agreement_id", Kind.ID, width=12, help="Aftalens id fra arket Aftaler."),
        Column("PladsNr", "place_no", Kind.INTEGER, minimum=1, width=10,
               num_format=INTEGER_FORMAT, help="Pladsens nummer 1, 2, … inden for aftalen."),
        Column("Ibrugtagningsdato", "start_date", Kind.DATE, required=False, width=17,
               num_format=DATE_FORMAT,
               help="Første dag en borger brugte pladsen. Tom: første ophold bruges."),
    ),
)

TAKSTER = Table(
    sheet="Takster",
    name="tblTakster",
    title="Døgntakster pr. aftale og år",
    intro="Én række pr. aftale og kalenderår.",
    unique=("agreement_id", "year"),
    columns=(
        Column("AftaleID", "agreement_id", Kind.ID, width=12, help="Aftalens id fra arket Aftaler."),
        Column("År", "year", Kind.INTEGER, minimum=2000, maximum=2100, width=8,
               num_format=INTEGER_FORMAT, help="Kalenderåret taksten gælder for."),
        Column("Døgntakst", "daily_rate", Kind.DECIMAL, positive=True, width=14,
               num_format=MONEY_FORMAT, help="Takst i kr. pr. døgn (større end 0)."),
        Column("Belægningsprocent", "occupancy_rate", Kind.PERCENT, required=False,
               positive=True, maximum=1, width=18, num_format=PERCENT_FORMAT,
               help="Belægningsprocenten i takstberegningen, fx 95 %."),
    ),
)

OPHOLD = Table(
    sheet="Ophold",
    name="tblOphold",
    title="Ophold på de garanterede pladser",
    intro="Én række pr. ophold. Brug et pseudonymt id, aldrig navn eller CPR-nummer.",
    unique=("stay_id",),
    columns=(
        Column("OpholdID", "stay_id", Kind.ID, width=12, help="Pseudonymt id, fx O-017."),
        Column("AftaleID", "agreement_id", Kind.ID, width=12, help="Aftalens id fra arket Aftaler."),
        Column("PladsNr", "place_no", Kind.INTEGER, minimum=1, width=10,
               num_format=INTEGER_FORMAT, help="Pladsens nummer fra arket Pladser."),
        Column("Betalende kommune", "paying_municipality", Kind.MUNICIPALITY, required=False,
               width=22, help="Kommunen, der betaler for opholdet."),
        Column("Fra dato", "from_date", Kind.DATE, width=12, num_format=DATE_FORMAT,
               help="Første dag på pladsen."),
        Column("Til dato", "to_date", Kind.DATE, required=False, width=12, num_format=DATE_FORMAT,
               help="Sidste dag på pladsen. Tom: bor der stadig."),
        Column("Betalt til", "paid_until", Kind.DATE, required=False, width=12,
               num_format=DATE_FORMAT,
               help="Sidste dag i opsigelsesperioden, som betales. Tom: samme som Til dato."),
    ),
)

BEFOLKNING = Table(
    sheet="Befolkning",
    name="tblBefolkning",
    title="Fordelingsnøgle: folketal",
    intro="Folketal pr. kommune og opgørelsesdato. Kilde: Danmarks Statistik (FOLK1AM), CC BY 4.0.",
    unique=("municipality_code", "key_date"),
    columns=(
        Column("Kommunekode", "municipality_code", Kind.INTEGER, minimum=101, maximum=999,
               width=12, num_format=INTEGER_FORMAT, help="Tre-cifret kommunekode, fx 101."),
        Column("Kommune", "municipality", Kind.TEXT, width=22, help="Kommunens navn."),
        Column("Opgørelsesdato", "key_date", Kind.DATE, width=15, num_format=DATE_FORMAT,
               help="Datoen folketallet gælder, fx 01-01-2024."),
        Column("Folketal", "population", Kind.INTEGER, positive=True, width=12,
               num_format=POPULATION_FORMAT, help="Antal indbyggere (større end 0)."),
    ),
)

DAEKNING = Table(
    sheet="Indstillinger",
    name="tblDaekning",
    title="Dækningsandel pr. garantiår",
    intro="Andel af døgntaksten, som fællesskabet dækker for et tomt døgn.",
    unique=("guarantee_year",),
    columns=(
        Column("Garantiår", "guarantee_year", Kind.INTEGER, minimum=1, maximum=50, width=12,
               num_format=INTEGER_FORMAT, help="1 = første år fra ibrugtagning."),
        Column("Dækningsandel", "coverage_share", Kind.PERCENT, minimum=0, maximum=1, width=15,
               num_format=PERCENT_FORMAT, help="Fx 50 %."),
    ),
)

RATE_SHEET = "Takstberegning"

OMKOSTNINGER = Table(
    sheet=RATE_SHEET,
    name="tblOmkostninger",
    title="Takstberegning og takstkontrol",
    intro="Årets omkostninger pr. tilbud. Beregningen viser døgntakst, overhead mod normen på 6 % "
          "og takstloftet (udgift pr. dag højst PL − 0,5 % om året som gennemsnit over op til 6 "
          "år: til og med 2020 fra 2014-niveauet, derefter fra niveauet 6 år før).",
    unique=("offer", "year"),
    optional=True,
    columns=(
        Column("Tilbud", "offer", Kind.TEXT, width=28, help="Tilbuddets navn."),
        Column("År", "year", Kind.INTEGER, minimum=2000, maximum=2100, width=8,
               num_format=INTEGER_FORMAT, help="Regnskabs- eller budgetår."),
        Column("Direkte omkostninger", "direct", Kind.DECIMAL, minimum=0, width=16,
               num_format=MONEY_FORMAT, help="Årets direkte omkostninger i kr."),
        Column("Indirekte omkostninger", "indirect", Kind.DECIMAL, minimum=0, width=16,
               num_format=MONEY_FORMAT, help="Årets indirekte omkostninger (overhead) i kr."),
        Column("Pladser", "places", Kind.INTEGER, minimum=1, width=9, num_format=INTEGER_FORMAT,
               help="Antal pladser i tilbuddet."),
        Column("Belægningsprocent", "occupancy_rate", Kind.PERCENT, positive=True, maximum=1,
               width=14, num_format=PERCENT_FORMAT, help="Forventet belægning, fx 95 %."),
    ),
)

PLINDEKS = Table(
    sheet=RATE_SHEET,
    name="tblPLIndeks",
    title="",
    intro="",
    unique=("year",),
    optional=True,
    columns=(
        Column("År", "year", Kind.INTEGER, minimum=2000, maximum=2100, width=8,
               num_format=INTEGER_FORMAT, help="Året PL-fremskrivningen gælder."),
        Column("PL-indeks", "pl_index", Kind.DECIMAL, minimum=-0.5, maximum=0.5, width=11,
               num_format=PERCENT_FORMAT,
               help="Pris- og lønfremskrivning i året, fx 2,1 % (skrives 2,1 %)."),
    ),
)

INPUT_TABLES = (AFTALER, PLADSER, TAKSTER, OPHOLD, BEFOLKNING)
RATE_TABLES = (OMKOSTNINGER, PLINDEKS)
ALL_TABLES = INPUT_TABLES + (DAEKNING,) + RATE_TABLES


@dataclass(frozen=True)
class Setting:
    """A named cell on sheet Indstillinger."""

    name: str  # Excel defined name
    field: str
    label: str
    kind: Kind
    default: object
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    help: str = ""


SETTINGS_SHEET = "Indstillinger"

SETTINGS = (
    Setting("Garantiaar", "guarantee_years", "Garantiperiode (år)", Kind.INTEGER, 3, minimum=1,
            help="Antal år fra ibrugtagning, garantien løber."),
    Setting("MaksPladser", "max_places_total", "Højst antal garanterede pladser i alt",
            Kind.INTEGER, 20, minimum=1, help="Modellens loft er 20 pladser."),
    Setting("Noegledato", "key_date_rule", "Nøgledato for folketal", Kind.CHOICE,
            "Afregningsåret", choices=("Afregningsåret", "Året før"),
            help="Folketal pr. 1. januar i afregningsåret eller året før."),
    Setting("Periode", "period", "Afregningsperiode", Kind.CHOICE, "År",
            choices=("År", "Kvartal", "Måned"), help="Beløb opgøres og afrundes pr. periode."),
    Setting("FratraekNormalTomgang", "deduct_normal_vacancy", "Fratræk normal tomgang",
            Kind.CHOICE, "Nej", choices=("Ja", "Nej"),
            help="Ja: (1 − belægningsprocent) × vinduesdøgn trækkes fra de tomme døgn."),
    Setting("Afregningsaar", "settlement_year", "Afregningsår (tom = alle år)", Kind.INTEGER,
            None, minimum=2000, help="Året, der afregnes. Tom: alle år med garanterede døgn."),
    Setting("ScenarieBelaegning", "scenario_occupancy", "Eksponering: forventet belægning",
            Kind.PERCENT, None,
            help="Belægning på en plads, når den er taget i brug. Tom: aftalens belægningsprocent."),
    Setting("ScenariePladserPrMaaned", "scenario_places_per_month",
            "Eksponering: pladser fyldt pr. måned", Kind.DECIMAL, None,
            help="Indfasning fra åbningen (godkendelsesdatoen), fx 1. Tom: alle fra start."),
    Setting("ScenarieIndeks", "scenario_index", "Eksponering: årlig takstfremskrivning",
            Kind.PERCENT, 0, help="Fremtidige takster = seneste kendte takst × (1 + indeks) pr. år."),
)

DEFAULT_COVERAGE = ((1, 0.5), (2, 0.5), (3, 0.5))


@dataclass(frozen=True)
class SheetButton:
    """A button on the standard workbook for the add-in: a shape hyperlinked to a cell.

    The add-in runs `script` when the user clicks the shape (which selects `cell`). XlsxWriter
    names the n-th text box of a sheet "TextBox n", so the order here is the order of drawing.
    """

    script: str
    label: str
    sheet: str
    cell: str
    shape: str
    help: str


GUIDE_SHEET = "Vejledning"
SHEET_BUTTONS = (
    SheetButton("beregn", "Beregn", GUIDE_SHEET, "C3", "TextBox 1",
                "Beregner afregningen og skriver arkene Resultat, Fordeling og Kommuneoversigt."),
    SheetButton("valider", "Kontrollér", GUIDE_SHEET, "C6", "TextBox 2",
                "Kontrollerer projektmappen og skriver alle fejl på arket Fejl."),
    SheetButton("ryd_resultater", "Ryd resultater", GUIDE_SHEET, "C9", "TextBox 3",
                "Fjerner resultatarkene."),
    SheetButton("opgoerelser", "Opgørelser", GUIDE_SHEET, "C12", "TextBox 4",
                "Skriver arket Opgørelser: hvad hver kommune og driftsherre betaler, modtager og "
                "netto, og hver kommunes del pr. aftale."),
    SheetButton("opdater_befolkning", "Opdater folketal", GUIDE_SHEET, "C15", "TextBox 5",
                "Henter folketal pr. 1. januar i afregningsåret (ellers i år) fra Danmarks "
                "Statistik og skriver dem i tblBefolkning."),
)
