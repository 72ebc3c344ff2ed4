"""The declaration of the standard workbook: every input table and every setting, as data.

This is the one place where a column or a setting is written down. From it come:
- the typed records the rules work on (`records.py` builds their fields from the columns);
- reading and parsing (`grid.py`, `parse.py`): headers, type, required, range, length, choices;
- the defaults of every setting (`records.Settings` is built from `SETTINGS`);
- the standard workbook (`xlsx/template.py`): sheets, Excel Tables, formats, widths, the input
  help and the Excel data validation, derived from the same ranges the parser checks;
- the Vejledning sheet's description of what to fill in where (`guide_lines`);
- the column names inside messages (`Table.header`, `records.cell_error`).

Adding a column that a rule uses: one `Column` here, the rule, and its test.
Every number has a declared range and every text a declared maximum length (SPEC rule 12);
`Column.__post_init__` refuses a declaration without them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum


class Kind(str, Enum):
    TEXT = "tekst"
    ID = "id"  # text; a whole number typed as a number is accepted as its digits
    INTEGER = "heltal"
    DECIMAL = "beløb"
    PERCENT = "procent"  # a fraction (0,95 = 95 %); a whole number 95 is read as 95 %
    DATE = "dato"
    CHOICE = "valg"
    YES_NO = "ja/nej"  # "Ja"/"Nej" (or TRUE/FALSE) → bool
    MUNICIPALITY = "kommune"  # a municipality name (or a region, where allowed)

    @property
    def python_type(self) -> type:
        return {Kind.INTEGER: int, Kind.DECIMAL: Decimal, Kind.PERCENT: Decimal,
                Kind.DATE: date, Kind.YES_NO: bool}.get(self, str)

    @property
    def is_number(self) -> bool:
        return self in (Kind.INTEGER, Kind.DECIMAL, Kind.PERCENT)

    @property
    def is_text(self) -> bool:
        return self in (Kind.TEXT, Kind.ID, Kind.MUNICIPALITY)


class Period(str, Enum):
    """Settlement period (SPEC rule 6); the values are what the workbook shows."""

    YEAR = "År"
    QUARTER = "Kvartal"
    MONTH = "Måned"


class KeyDateRule(str, Enum):
    """Whose population splits a year's amounts (SPEC rule 7)."""

    SAME_YEAR = "Afregningsåret"
    PREVIOUS_YEAR = "Året før"


# The range of every date in a workbook (a small number in a date cell is 1900; a typo is 2202).
DATE_MIN, DATE_MAX = date(1990, 1, 1), date(2100, 12, 31)
YES, NO = "Ja", "Nej"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: Kind
    required: bool = True
    minimum: Decimal | int | None = None  # inclusive
    maximum: Decimal | int | None = None  # inclusive
    positive: bool = False  # strictly > 0 (the lower bound is exclusive)
    max_length: int | None = None  # characters, for text
    choices: tuple[str, ...] = ()
    width: float = 14
    num_format: str | None = None
    help: str = ""

    def __post_init__(self):
        # SPEC rule 12: a declaration without a range or a length is a mistake of the declaration.
        if self.kind.is_number and (self.maximum is None or
                                    (self.minimum is None and not self.positive)):
            raise ValueError(f"{self.header}: a number column needs a declared range")
        if self.kind.is_text and self.max_length is None:
            raise ValueError(f"{self.header}: a text column needs a declared maximum length")
        if self.kind in (Kind.CHOICE, Kind.YES_NO) and not self.choices:
            raise ValueError(f"{self.header}: a choice column needs its choices")

    @property
    def python_type(self):
        return self.kind.python_type if self.required else self.kind.python_type | None

    def bound_text(self, value) -> str:
        """A bound (or value) of this column in Danish: 1.000, 2,5 or 20 %."""
        if self.kind == Kind.PERCENT:
            return percent_text(value)
        return f"{Decimal(value).normalize():,f}".replace(",", "_").replace(".", ",") \
            .replace("_", ".")

    def range_text(self) -> str:
        """The declared range in Danish, e.g. 'fra 1 til 20', 'over 0 og højst 100 %'."""
        if self.positive:
            return f"over 0 og højst {self.bound_text(self.maximum)}"
        return f"fra {self.bound_text(self.minimum)} til {self.bound_text(self.maximum)}"


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

    def header(self, field: str) -> str:
        """The header a user sees for a field: what every message about the column names."""
        return self.column(field).header


DATE_FORMAT = "dd-mm-yyyy"
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
INTEGER_FORMAT = "0"
POPULATION_FORMAT = "#,##0"

# Declared limits (SPEC rule 12). Generous for real use, small enough that nothing overflows.
ID_LENGTH = 40
NAME_LENGTH = 60  # a municipality or region
TEXT_LENGTH = 200  # an offer's name
NOTE_LENGTH = 1000
MAX_PLACES = 1000  # places of one agreement, place numbers
MAX_TOTAL_PLACES = 1_000_000  # the cap on all agreements (nationwide use: 20,000 places, and more)
MAX_DAILY_RATE = Decimal(1_000_000)  # kr. per døgn
MAX_COST = Decimal(10) ** 10  # kr. per year
MAX_POPULATION = 10_000_000
YEAR_MIN, YEAR_MAX = 2000, 2100
MAX_GUARANTEE_YEARS = 10

PARAGRAPHS = ("§ 103", "§ 104", "§ 107", "§ 108")


def id_column(header: str, field: str, help: str, **kw) -> Column:
    return Column(header, field, Kind.ID, max_length=ID_LENGTH, width=12, help=help, **kw)


def year_column(help: str, width: float = 8) -> Column:
    return Column("År", "year", Kind.INTEGER, minimum=YEAR_MIN, maximum=YEAR_MAX, width=width,
                  num_format=INTEGER_FORMAT, help=help)


def agreement_ref() -> Column:
    return id_column("AftaleID", "agreement_id", "Aftalens id fra arket Aftaler.")


AFTALER = Table(
    sheet="Aftaler",
    name="tblAftaler",
    title="Forpligtende købsaftaler med underskudsgaranti",
    intro="Én række pr. godkendt udvidelse (købsaftale).",
    unique=("agreement_id",),
    columns=(
        id_column("AftaleID", "agreement_id", "Aftalens entydige id, fx A1."),
        Column("Driftsherre", "operator", Kind.MUNICIPALITY, max_length=NAME_LENGTH, width=22,
               help="Kommunen eller regionen, der driver tilbuddet."),
        Column("Tilbud", "offer", Kind.TEXT, max_length=TEXT_LENGTH, width=28,
               help="Tilbuddets navn."),
        Column("Paragraf", "paragraph", Kind.CHOICE, choices=PARAGRAPHS, width=10,
               help="Serviceloven: § 107/§ 108 botilbud, § 103/§ 104 aktivitetstilbud."),
        Column("Antal pladser", "places", Kind.INTEGER, minimum=1, maximum=MAX_PLACES, width=10,
               num_format=INTEGER_FORMAT, help="Antal garanterede pladser (mindst 1)."),
        Column("Godkendt dato", "approved", Kind.DATE, width=13, num_format=DATE_FORMAT,
               help="Datoen, hvor KKR godkendte aftalen (dd-mm-åååå)."),
        Column("Bemærkning", "note", Kind.TEXT, required=False, max_length=NOTE_LENGTH, width=36,
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
        agreement_ref(),
        Column("PladsNr", "place_no", Kind.INTEGER, minimum=1, maximum=MAX_PLACES, width=10,
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
        agreement_ref(),
        year_column("Kalenderåret taksten gælder for."),
        Column("Døgntakst", "daily_rate", Kind.DECIMAL, positive=True, maximum=MAX_DAILY_RATE,
               width=14, num_format=MONEY_FORMAT, help="Takst i kr. pr. døgn (større end 0)."),
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
        id_column("OpholdID", "stay_id", "Pseudonymt id, fx O-017."),
        agreement_ref(),
        Column("PladsNr", "place_no", Kind.INTEGER, minimum=1, maximum=MAX_PLACES, width=10,
               num_format=INTEGER_FORMAT, help="Pladsens nummer fra arket Pladser."),
        Column("Betalende kommune", "paying_municipality", Kind.MUNICIPALITY, required=False,
               max_length=NAME_LENGTH, width=22, help="Kommunen, der betaler for opholdet."),
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
        Column("Kommune", "municipality", Kind.TEXT, max_length=NAME_LENGTH, width=22,
               help="Kommunens navn."),
        Column("Opgørelsesdato", "key_date", Kind.DATE, width=15, num_format=DATE_FORMAT,
               help="Datoen folketallet gælder, fx 01-01-2024."),
        Column("Folketal", "population", Kind.INTEGER, positive=True, maximum=MAX_POPULATION,
               width=12, num_format=POPULATION_FORMAT, help="Antal indbyggere (større end 0)."),
    ),
)

# The model adopted by KKR Hovedstaden: 50 % of the daily rate in each of three guarantee years.
DEFAULT_GUARANTEE_YEARS = 3
DEFAULT_COVERAGE_SHARE = Decimal("0.5")
DEFAULT_COVERAGE = tuple((year, DEFAULT_COVERAGE_SHARE)
                         for year in range(1, DEFAULT_GUARANTEE_YEARS + 1))

DAEKNING = Table(
    sheet="Indstillinger",
    name="tblDaekning",
    title="Dækningsandel pr. garantiår",
    intro="Andel af døgntaksten, som fællesskabet dækker for et tomt døgn.",
    unique=("guarantee_year",),
    columns=(
        Column("Garantiår", "guarantee_year", Kind.INTEGER, minimum=1,
               maximum=MAX_GUARANTEE_YEARS, width=12, num_format=INTEGER_FORMAT,
               help="1 = første år fra ibrugtagning."),
        Column("Dækningsandel", "coverage_share", Kind.PERCENT, positive=True, maximum=1,
               width=15, num_format=PERCENT_FORMAT, help="Fx 50 %."),
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
        Column("Tilbud", "offer", Kind.TEXT, max_length=TEXT_LENGTH, width=28,
               help="Tilbuddets navn."),
        year_column("Regnskabs- eller budgetår."),
        Column("Direkte omkostninger", "direct", Kind.DECIMAL, minimum=0, maximum=MAX_COST,
               width=16, num_format=MONEY_FORMAT, help="Årets direkte omkostninger i kr."),
        Column("Indirekte omkostninger", "indirect", Kind.DECIMAL, minimum=0, maximum=MAX_COST,
               width=16, num_format=MONEY_FORMAT,
               help="Årets indirekte omkostninger (overhead) i kr."),
        Column("Pladser", "places", Kind.INTEGER, minimum=1, maximum=MAX_PLACES, width=9,
               num_format=INTEGER_FORMAT, help="Antal pladser i tilbuddet."),
        Column("Belægningsprocent", "occupancy_rate", Kind.PERCENT, positive=True, maximum=1,
               width=14, num_format=PERCENT_FORMAT, help="Forventet belægning, fx 95 %."),
    ),
)

PLINDEKS = Table(
    sheet=RATE_SHEET,
    name="tblPLIndeks",
    title="PL-indeks (pris- og lønfremskrivning)",
    intro="",
    unique=("year",),
    optional=True,
    columns=(
        year_column("Året PL-fremskrivningen gælder."),
        Column("PL-indeks", "pl_index", Kind.PERCENT, minimum=Decimal("-0.2"),
               maximum=Decimal("0.2"), width=11, num_format=PERCENT_FORMAT,
               help="Pris- og lønfremskrivning i året, fx 2,1 % (skrives 2,1 %)."),
    ),
)

LEDGER_SHEET = "Afregnet"
MAX_LEDGER_AMOUNT = Decimal(10) ** 10  # kr. on one ledger row, either sign

# What has been settled (SPEC rule 14): append-only, one row per part settled or corrected.
# `afregning --periode` writes it into a copy of the master; `core/rules/ledger.py` reads it.
AFREGNET = Table(
    sheet=LEDGER_SHEET,
    name="tblAfregnet",
    title="Afregnet: hvad der er afregnet",
    intro="Skrives af afregningen; ret aldrig en række. En efterregulering er en ny række med "
          "forskellen; det afregnede for en del er summen af dens rækker.",
    optional=True,
    columns=(
        agreement_ref(),
        Column("Periode", "period", Kind.TEXT, max_length=7, width=10,
               help="Den afregnede periode: 2024, 2024K1 eller 2024M03."),
        Column("Kommunekode", "municipality_code", Kind.INTEGER, minimum=101, maximum=999,
               width=14, num_format=INTEGER_FORMAT, help="Den betalende kommunes kode."),
        Column("Beløb", "amount", Kind.DECIMAL, minimum=-MAX_LEDGER_AMOUNT,
               maximum=MAX_LEDGER_AMOUNT, width=16, num_format=MONEY_FORMAT,
               help="Afregnet beløb i kr. (negativt: tilbagebetalt)."),
        Column("Afregnet dato", "settled_on", Kind.DATE, width=15, num_format=DATE_FORMAT,
               help="Afregningsdatoen."),
        Column("Kontrol", "check", Kind.TEXT, max_length=14, width=16,
               help="Kontrolsum over rækkens værdier: en rettet række opdages."),
    ),
)

INPUT_TABLES = (AFTALER, PLADSER, TAKSTER, OPHOLD, BEFOLKNING)
RATE_TABLES = (OMKOSTNINGER, PLINDEKS)
ALL_TABLES = INPUT_TABLES + (DAEKNING,) + RATE_TABLES + (AFREGNET,)


@dataclass(frozen=True)
class Setting:
    """A named cell on sheet Indstillinger: a `Column` (label, type, range, help) with a name
    and a default. `enum` turns a choice into its Enum member."""

    name: str  # Excel defined name
    column: Column
    default: object  # the typed value (an Enum member, a bool, a Decimal …) or None
    enum: type[Enum] | None = None

    @property
    def field(self) -> str:
        return self.column.field

    @property
    def label(self) -> str:
        return self.column.header

    @property
    def python_type(self):
        base = self.enum or self.column.kind.python_type
        return base if self.default is not None else base | None

    def typed(self, value):
        """A value as parsed from the cell (a choice's text, a bool …) → the setting's type."""
        if self.enum is not None and value is not None:
            return self.enum(value)
        return value

    def cell_value(self, value):
        """The setting's typed value as the workbook cell shows it."""
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, bool):
            return YES if value else NO
        if isinstance(value, Decimal):
            return float(value)
        return value


SETTINGS_SHEET = "Indstillinger"


def _choice(enum: type[Enum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


SETTINGS = (
    Setting("Garantiaar", Column(
        "Garantiperiode (år)", "guarantee_years", Kind.INTEGER, minimum=1,
        maximum=MAX_GUARANTEE_YEARS, help="Antal år fra ibrugtagning, garantien løber."),
        DEFAULT_GUARANTEE_YEARS),
    Setting("MaksPladser", Column(
        "Højst antal garanterede pladser i alt", "max_places_total", Kind.INTEGER, minimum=1,
        maximum=MAX_TOTAL_PLACES, help="Modellens loft er 20 pladser."), 20),
    Setting("Noegledato", Column(
        "Nøgledato for folketal", "key_date_rule", Kind.CHOICE, choices=_choice(KeyDateRule),
        help="Folketal pr. 1. januar i afregningsåret eller året før."),
        KeyDateRule.SAME_YEAR, KeyDateRule),
    Setting("Periode", Column(
        "Afregningsperiode", "period", Kind.CHOICE, choices=_choice(Period),
        help="Beløb opgøres og afrundes pr. periode."), Period.YEAR, Period),
    Setting("FratraekNormalTomgang", Column(
        "Fratræk normal tomgang", "deduct_normal_vacancy", Kind.YES_NO, choices=(YES, NO),
        help="Ja: (1 − belægningsprocent) × vinduesdøgn trækkes fra de tomme døgn."), False),
    Setting("Afregningsaar", Column(
        "Afregningsår (tom = alle år)", "settlement_year", Kind.INTEGER, minimum=YEAR_MIN,
        maximum=YEAR_MAX, help="Året, der afregnes. Tom: alle år med garanterede døgn."), None),
    Setting("ScenarieBelaegning", Column(
        "Eksponering: forventet belægning", "scenario_occupancy", Kind.PERCENT, positive=True,
        maximum=1,
        help="Belægning på en plads, når den er taget i brug. Tom: aftalens belægningsprocent."),
        None),
    Setting("ScenariePladserPrMaaned", Column(
        "Eksponering: pladser fyldt pr. måned", "scenario_places_per_month", Kind.DECIMAL,
        positive=True, maximum=MAX_PLACES,
        help="Indfasning fra åbningen (godkendelsesdatoen), fx 1. Tom: alle fra start."), None),
    Setting("ScenarieIndeks", Column(
        "Eksponering: årlig takstfremskrivning", "scenario_index", Kind.PERCENT,
        minimum=Decimal("-0.2"), maximum=Decimal("0.2"),
        help="Fremtidige takster = seneste kendte takst × (1 + indeks) pr. år."), Decimal(0)),
    # The statements (opgørelser): who sends them, when a payment falls due, its reference.
    Setting("Sekretariat", Column(
        "Opgørelser: afsender", "secretariat", Kind.TEXT, max_length=TEXT_LENGTH,
        help="Sekretariatet, der sender opgørelserne."),
        "Fælleskommunalt sekretariat for det specialiserede socialområde og "
        "specialundervisning"),
    Setting("SekretariatEmail", Column(
        "Opgørelser: kontakt e-mail", "contact_email", Kind.TEXT, max_length=NAME_LENGTH,
        required=False, help="Spørgsmål til opgørelsen. Tom: vises ikke."), None),
    Setting("SekretariatTelefon", Column(
        "Opgørelser: kontakt telefon", "contact_phone", Kind.TEXT, max_length=NAME_LENGTH,
        required=False, help="Tom: vises ikke."), None),
    Setting("Betalingsfrist", Column(
        "Opgørelser: betalingsfrist (dage)", "payment_days", Kind.INTEGER, minimum=0,
        maximum=365, help="Forfaldsdato = afregningsdatoen + så mange dage."), 30),
    Setting("Betalingsreference", Column(
        "Opgørelser: betalingsreference", "reference_rule", Kind.TEXT, max_length=ID_LENGTH,
        help="Reference pr. betaler; {periode} og {kommunekode} udfyldes, fx "
             "UG-2024K1-101."), "UG-{periode}-{kommunekode}"),
)
SETTING = {s.name: s for s in SETTINGS}


# The layout of the standard workbook, as a custom document property of the file (docProps/
# custom.xml): a reader can tell a workbook made for an older or newer program.
#   1 = workbooks made before the property existed (template of 4a947ee and earlier).
#   2 = the property itself; sheets, tables and settings as in version 1.
# Raise it when a table, column or setting is added, renamed or moved, and make `opgrader`
# carry the older layout's values over.
FORMAT_VERSION = 2
FORMAT_VERSION_PROPERTY = "xl_underskud_formatversion"
FORMAT_VERSION_MISSING = 1  # a standard workbook without the property
# The seal over tblAfregnet (rules/ledger.seal): rows count, last settlement date and a
# checksum of every row, written with each ledger the program writes. A row deleted, cleared
# or added by hand is then detected, which the row's own Kontrol cannot do.
LEDGER_SEAL_PROPERTY = "xl_underskud_afregnet"


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
LIST_SHEET = "Lister"  # hidden: the names the data-validation lists offer
# The sheets of the standard workbook, in order; input sheets are those holding a table.
WORKBOOK_SHEETS = (GUIDE_SHEET, "Aftaler", "Pladser", "Takster", "Ophold", "Befolkning",
                   SETTINGS_SHEET, RATE_SHEET, LEDGER_SHEET)
INPUT_SHEETS = tuple(dict.fromkeys(t.sheet for t in ALL_TABLES))
# missing: the defaults / no rate tools / nothing settled yet
OPTIONAL_SHEETS = (SETTINGS_SHEET, RATE_SHEET, LEDGER_SHEET)

SHEET_BUTTONS = (
    SheetButton("beregn", "Beregn", GUIDE_SHEET, "C3", "TextBox 1",
                "Beregner afregningen og skriver arkene Resultat, Tomgang, Fordeling og "
                "Kommuneoversigt."),
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


def percent_text(share: Decimal) -> str:
    """0.5 → '50 %', 0.755 → '75,5 %'."""
    return f"{(Decimal(share) * 100).normalize():f} %".replace(".", ",")


def guide_lines() -> list[str]:
    """What to fill in where, for the Vejledning sheet: one line per input sheet, from the
    tables' own intros and headers, and one for the settings with their defaults."""
    lines = []
    for sheet in INPUT_SHEETS:
        tables = [t for t in ALL_TABLES if t.sheet == sheet]
        if sheet == SETTINGS_SHEET:
            labels = ", ".join(s.label.split(" (")[0].lower() for s in SETTINGS)
            lines.append(f"{sheet}: {DAEKNING.intro} Kolonner: {', '.join(DAEKNING.headers)} "
                         f"(standard {percent_text(DEFAULT_COVERAGE_SHARE)} i "
                         f"{DEFAULT_GUARANTEE_YEARS} år). Desuden: {labels}. Tomme felter giver "
                         f"modellens standard.")
            continue
        parts = [f"{t.intro} Kolonner: {', '.join(t.headers)}." if t.intro else
                 f"{t.title or t.name}: {', '.join(t.headers)}." for t in tables]
        optional = " (valgfrit)" if all(t.optional for t in tables) else ""
        lines.append(f"{sheet}{optional}: " + " ".join(parts))
    return lines
