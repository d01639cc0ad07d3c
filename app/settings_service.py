"""Changing the settings a digibank may tune (loan period, deposit, labels, …) with checks."""

from __future__ import annotations

from pathlib import Path

from app import i18n
from app.config import Settings
from app.errors import UserError
from app.formatting import euro, parse_euro
from app.i18n import _
from app.printing.layouts import layout_names
from app.reminders.settings import REMINDER_SETTINGS, change_reminder_setting, describe_reminder_settings
from db.models import DEVICE_KINDS

EDITABLE = (
    "language",
    "loan_period_days",
    "default_deposit",
    "deposit_by_kind",
    "max_open_loans_per_borrower",
    "owner_line",
    "label_layout",
    "sync_interval_seconds",
    "backup_keep_days",
    "retention_months",
    "idle_lock_minutes",
    "ca_bundle",
    "insecure_http",
    "referrers",
    "eligibility_valid_months",
    "eligibility_expired",
    *REMINDER_SETTINGS,
)


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(name, current value as shown, explanation) for every editable setting."""
    return [
        ("language", settings.language, _("taal: nl, en of fr")),
        ("loan_period_days", str(settings.loan_period_days), _("standaard uitleentermijn in dagen")),
        ("default_deposit", euro(settings.default_deposit_cents), _("standaard waarborg, bv. 25,00")),
        (
            "deposit_by_kind",
            format_deposit_by_kind(settings.deposit_by_kind_cents),
            _("waarborg per soort toestel, bv. laptop=25,00;tablet=15,00 (andere: de standaard)"),
        ),
        (
            "max_open_loans_per_borrower",
            str(settings.max_open_loans_per_borrower),
            _("hoeveel toestellen één persoon tegelijk mag lenen"),
        ),
        ("owner_line", settings.owner_line, _("'Eigendom van …' op etiketten (leeg = naam van de locatie)")),
        ("label_layout", settings.label_layout, _("standaard etiketindeling")),
        (
            "sync_interval_seconds",
            str(settings.sync_interval_seconds),
            _("seconden tussen twee synchronisaties"),
        ),
        (
            "backup_keep_days",
            str(settings.backup_keep_days),
            _("dagen dat een back-up bewaard blijft (ook gewiste personen staan er tot dan in)"),
        ),
        (
            "retention_months",
            str(settings.retention_months),
            _("maanden na het laatste bezoek waarna iemand geanonimiseerd wordt"),
        ),
        (
            "idle_lock_minutes",
            str(settings.idle_lock_minutes),
            _("minuten zonder toetsenbord of muis waarna het venster vergrendelt"),
        ),
        ("ca_bundle", settings.ca_bundle, _("CA-bestand (PEM) van een eigen syncserver (leeg = systeem)")),
        (
            "insecure_http",
            _("ja") if settings.insecure_http else _("nee"),
            _("onbeveiligd http:// naar een andere computer toestaan (enkel op een vertrouwd netwerk)"),
        ),
        ("referrers", "; ".join(settings.referrers), _("doorverwijzers om uit te kiezen, gescheiden door ;")),
        (
            "eligibility_valid_months",
            str(settings.eligibility_valid_months),
            _("maanden dat een gecontroleerd bewijs geldig blijft"),
        ),
        (
            "eligibility_expired",
            settings.eligibility_expired,
            _("uitlenen met een verlopen bewijs: warn (waarschuwen) of refuse (eerst opnieuw controleren)"),
        ),
        *describe_reminder_settings(settings),
    ]


def format_deposit_by_kind(amounts: dict[str, int]) -> str:
    """{"laptop": 2500} → 'laptop=25,00' (the form the setting is typed in)."""
    return ";".join(f"{kind}={euro(cents).replace('€ ', '')}" for kind, cents in sorted(amounts.items()))


def parse_deposit_by_kind(value: str) -> dict[str, int]:
    """'laptop=25,00;tablet=15,00' → {"laptop": 2500, "tablet": 1500}; '' clears it."""
    amounts: dict[str, int] = {}
    for part in (value or "").split(";"):
        part = part.strip()
        if not part:
            continue
        kind, sep, amount = part.partition("=")
        kind = kind.strip().lower()
        if not sep or kind not in DEVICE_KINDS:
            raise UserError(
                _("'{part}' past niet: schrijf soort=bedrag, bv. laptop=25,00 (soorten: {kinds}).").format(
                    part=part, kinds=", ".join(DEVICE_KINDS)
                )
            )
        if kind in amounts:
            raise UserError(_("De soort {kind} staat er twee keer in.").format(kind=kind))
        amounts[kind] = parse_euro(amount)
    return amounts


def change(settings: Settings, name: str, value: str) -> None:
    """Apply one change to `settings` (the caller saves), or refuse with a clear reason."""
    value = (value or "").strip()
    if name not in EDITABLE:
        raise UserError(
            _("Onbekende instelling '{name}'. Kies uit: {choices}.").format(
                name=name, choices=", ".join(EDITABLE)
            )
        )
    if name in REMINDER_SETTINGS:
        change_reminder_setting(settings, name, value)
    elif name == "language":
        if value not in i18n.LANGUAGES:
            raise UserError(_("Taal moet nl, en of fr zijn."))
        settings.language = value
    elif name == "default_deposit":
        settings.default_deposit_cents = parse_euro(value)
    elif name == "deposit_by_kind":
        settings.deposit_by_kind_cents = parse_deposit_by_kind(value)
    elif name == "label_layout":
        names = {n.upper(): n for n in layout_names()}
        if value.upper() not in names:
            raise UserError(
                _("Onbekende etiketindeling '{name}'. Kies uit: {choices}.").format(
                    name=value, choices=", ".join(layout_names())
                )
            )
        settings.label_layout = names[value.upper()]
    elif name == "owner_line":
        settings.owner_line = value
    elif name == "ca_bundle":  # the CA of a self-hosted sync server ("" = the system's CAs)
        if value and not Path(value).expanduser().is_file():
            raise UserError(_("Het CA-bestand {path} bestaat niet.").format(path=value))
        settings.ca_bundle = str(Path(value).expanduser().resolve()) if value else ""
    elif name == "referrers":
        given = [" ".join(n.split()) for n in value.split(";")]
        referrers = list(dict.fromkeys(n for n in given if n))
        if any(len(n) > 80 for n in referrers):
            raise UserError(_("Een doorverwijzer heeft hoogstens 80 tekens."))
        settings.referrers = referrers
    elif name == "eligibility_expired":
        if value not in ("warn", "refuse"):
            raise UserError(_("eligibility_expired moet warn of refuse zijn."))
        settings.eligibility_expired = value
    elif name == "insecure_http":
        if value.lower() not in ("ja", "nee", "true", "false", "1", "0"):
            raise UserError(_("insecure_http moet ja of nee zijn."))
        settings.insecure_http = value.lower() in ("ja", "true", "1")
    else:
        limits = {
            "loan_period_days": (1, 730),
            "max_open_loans_per_borrower": (1, 50),
            "sync_interval_seconds": (15, 86_400),
            "backup_keep_days": (1, 3650),
            "retention_months": (1, 240),
            "idle_lock_minutes": (1, 240),
            "eligibility_valid_months": (1, 120),
        }
        low, high = limits[name]
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise UserError(
                _("'{value}' past niet voor {name}: een geheel getal van {low} tot {high}.").format(
                    value=value, name=name, low=low, high=high
                )
            )
        setattr(settings, name, number)
