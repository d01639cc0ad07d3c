"""PrintService: from tags, cards and loans to labels, cards, contracts and receipts.

It reads what a document needs in one session, calls the renderer, and records
on the loan (through the ORM, so it syncs) that the contract was printed,
which conditions version it carries, and the signature.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import codes
from app.borrowers import BorrowerService, full_name
from app.config import Settings
from app.errors import UserError
from app.i18n import _
from app.inventory import DeviceService, kind_names
from app.loans import deposit_method_name, open_loan_in
from app.locations import LocationService
from app.printing import zpl
from app.printing.labels import LabelItem, write_labels_pdf
from app.printing.layouts import DEFAULT_ZPL_LAYOUT, check_skip, get_layout
from app.printing.pdf import document_language, use_language
from db.models import Borrower, Device, Loan, Location

if TYPE_CHECKING:
    from app.printing.cards import CardItem
    from app.printing.contracts import Conditions, ContractData
    from app.printing.receipts import ReceiptData

# Cards, contracts and receipts (reportlab's platypus) are imported by the methods that make
# them: `digibank labels` and the window's start need none of it (issue 13: start-up).

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def _join(*parts: str, sep: str = " · ") -> str:
    return sep.join(p.strip() for p in parts if p and p.strip())


class PrintService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings | None = None,
        templates_dir: Path | None = None,
    ) -> None:
        self._sessions = session_factory
        self._settings = settings or Settings()
        # A digibank's own conditions (data folder/contracts) win over the shipped ones.
        self._template_folders = [templates_dir] if templates_dir else []

    # -- who we are ---------------------------------------------------------------

    def _digibank_name(self, location: Location) -> str:
        return self._settings.extra.get("digibank_name") or location.name

    def _owner_line(self, location: Location) -> str:
        return self._settings.owner_line or _("Eigendom van {name}").format(
            name=self._digibank_name(location)
        )

    @staticmethod
    def _address(street: str, postcode: str, municipality: str) -> str:
        return _join(street, _join(postcode, municipality, sep=" "), sep=", ")

    def _contact(self, location: Location) -> str:
        return self._settings.extra.get("contact") or _join(
            self._address(location.address, location.postcode, location.municipality),
            location.phone,
            location.email,
        )

    # -- labels ---------------------------------------------------------------------

    def label_items(self, tags: Sequence[str]) -> list[LabelItem]:
        if not tags:
            raise UserError(_("Geef minstens één toestelnummer om etiketten te drukken."))
        with self._sessions() as s:
            location = LocationService.current_in(s)
            owner, name = self._owner_line(location), self._digibank_name(location)
            # One query for the whole selection (a donation intake prints hundreds at once).
            wanted = [codes.clean_scan(tag) for tag in tags]
            found: dict[str, Device] = {}
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                stmt = select(Device).where(Device.asset_tag.in_(chunk), Device.deleted.is_(False))
                found.update((d.asset_tag, d) for d in s.scalars(stmt))
            items = []
            for tag, code in zip(tags, wanted, strict=True):
                device = found.get(code) or DeviceService.get_in(s, tag)  # get_in says which tag is unknown
                title = _join(device.brand, device.model, sep=" ")
                items.append(LabelItem(device.asset_tag, title, owner, name))
            return items

    def labels_for_tags(
        self,
        tags: Sequence[str],
        layout: str | None,
        out: Path,
        skip: int = 0,
        progress: Progress | None = None,
    ) -> int:
        """Write the labels of these devices to a PDF; returns the number of labels."""
        sheet = get_layout(layout or self._settings.label_layout)
        check_skip(sheet, skip)
        items = self.label_items(tags)
        write_labels_pdf(items, sheet.name, Path(out), skip=skip, progress=progress)
        return len(items)

    def zpl_for_tags(self, tags: Sequence[str], layout: str | None = None) -> str:
        name = layout or DEFAULT_ZPL_LAYOUT
        get_layout(name)
        return zpl.labels_zpl(self.label_items(tags), name)

    def write_zpl(self, tags: Sequence[str], out: Path, layout: str | None = None) -> int:
        text = self.zpl_for_tags(tags, layout)
        zpl.write_zpl(text, Path(out))
        return len(tags)

    def send_zpl(self, tags: Sequence[str], address: str, layout: str | None = None) -> int:
        zpl.parse_host(address)  # a typo in the address is reported before the database is read
        zpl.send_raw(self.zpl_for_tags(tags, layout), address)
        return len(tags)

    def send_brother(
        self, tags: Sequence[str], target: str, layout: str | None = None, model: str | None = None
    ) -> int:
        """Print straight to a Brother QL (network HOST[:9100] / tcp://…, or a USB device file)."""
        from app.printing import brother

        brother.brother_layout(layout)  # a wrong layout is reported before the database is read
        data = brother.raster(self.label_items(tags), layout, model or brother.DEFAULT_MODEL)
        brother.send(data, target)
        return len(tags)

    # -- member cards -------------------------------------------------------------------

    def card_items(self, cards: Sequence[str]) -> list[CardItem]:
        from app.printing.cards import CardItem

        if not cards:
            raise UserError(_("Geef minstens één kaartnummer om kaarten te drukken."))
        with self._sessions() as s:
            location = LocationService.current_in(s)
            name, contact = self._digibank_name(location), self._contact(location)
            items = []
            for card in cards:
                person = BorrowerService.get_in(s, card)
                if person.erased:
                    raise UserError(
                        _("Kaart {card} hoort bij een gewiste persoon: geen kaart drukken.").format(
                            card=person.card_number
                        )
                    )
                items.append(CardItem(person.card_number, full_name(person), name, contact))
            return items

    def cards(self, cards: Sequence[str], out: Path, per_page: bool = False) -> int:
        from app.printing.cards import write_cards_pdf

        items = self.card_items(cards)
        write_cards_pdf(items, Path(out), per_page=per_page)
        return len(items)

    # -- contracts -------------------------------------------------------------------------

    def _open_loan(self, s: Session, tag: str) -> tuple[Loan, Device, Borrower]:
        device = DeviceService.get_in(s, tag)
        loan = open_loan_in(s, device.id)
        if loan is None:
            raise UserError(
                _("{tag} is niet uitgeleend: er is geen lopende uitlening, dus geen overeenkomst.").format(
                    tag=device.asset_tag
                )
            )
        borrower = s.get(Borrower, loan.borrower_id)
        assert borrower is not None
        return loan, device, borrower

    @staticmethod
    def _is_signed(loan: Loan) -> bool:
        return bool(loan.signature_png) or loan.signed_on_paper

    def _conditions_for(self, loan: Loan, language: str) -> Conditions:
        from app.printing.contracts import load_conditions

        # A signed contract is always reprinted with the conditions that were signed.
        version = loan.contract_version if self._is_signed(loan) and loan.contract_version else None
        return load_conditions(language, version, self._template_folders)

    def _contract_data(self, s: Session, loan: Loan, device: Device, borrower: Borrower) -> ContractData:
        from app.printing.contracts import ContractData

        location = LocationService.current_in(s)
        signature = None
        if loan.signature_png:
            try:
                signature = base64.b64decode(loan.signature_png, validate=True)
            except (binascii.Error, ValueError):
                log.warning("loan %s: stored signature is not valid base64; printing without it", loan.id)
        return ContractData(
            digibank_name=self._digibank_name(location),
            digibank_address=self._address(location.address, location.postcode, location.municipality),
            digibank_contact=_join(location.phone, location.email) or self._settings.extra.get("contact", ""),
            place=location.municipality or location.name,
            borrower_name=full_name(borrower),
            borrower_card=borrower.card_number,
            borrower_address=self._address(borrower.street, borrower.postcode, borrower.municipality),
            borrower_contact=_join(borrower.phone, borrower.email),
            tag=device.asset_tag,
            kind=kind_names().get(device.kind, device.kind),
            brand=device.brand,
            model=device.model,
            serial=device.serial,
            accessories=device.accessories,
            condition_out=loan.condition_out,
            out_date=loan.out_at.date(),
            due_date=loan.due_date,
            deposit_cents=loan.deposit_cents,
            signature_png=signature,
            signed_on_paper=loan.signed_on_paper,
        )

    def _language(self, borrower: Borrower, language: str | None) -> str:
        return language or document_language(borrower.language)

    def contract_summary(self, tag: str, language: str | None = None) -> tuple[ContractData, Conditions]:
        """What the signing dialog shows: the contract's data and the conditions to be signed."""
        with self._sessions() as s:
            loan, device, borrower = self._open_loan(s, tag)
            lang = self._language(borrower, language)
            with use_language(lang):
                return self._contract_data(s, loan, device, borrower), self._conditions_for(loan, lang)

    def contract(self, tag: str, out: Path, language: str | None = None) -> ContractData:
        """Print the contract of the device's open loan (two copies) and record that it was printed."""

        from app.printing.contracts import write_contract_pdf

        with self._sessions() as s, s.begin():
            loan, device, borrower = self._open_loan(s, tag)
            lang = self._language(borrower, language)
            with use_language(lang, strict=True):
                conditions = self._conditions_for(loan, lang)
                data = self._contract_data(s, loan, device, borrower)
                write_contract_pdf(data, conditions, Path(out))
            loan.contract_printed = True
            loan.contract_version = conditions.version
            log.info("contract printed for %s (version %s)", device.asset_tag, conditions.version)
            return data

    def sign_contract(
        self,
        tag: str,
        signature_png: bytes | None,
        signed_on_paper: bool = False,
        out: Path | None = None,
        language: str | None = None,
    ) -> None:
        """Store the on-screen signature (or the 'signed on paper' mark); print the signed contract."""

        from app.printing.contracts import load_conditions, write_contract_pdf

        if not signature_png and not signed_on_paper:
            raise UserError(
                _("Nog geen handtekening: laat de ontlener tekenen of vink 'ondertekend op papier' aan.")
            )
        if signature_png and not signature_png.startswith(b"\x89PNG"):
            raise UserError(_("De handtekening is geen PNG-afbeelding."))
        with self._sessions() as s, s.begin():
            loan, device, borrower = self._open_loan(s, tag)
            lang = self._language(borrower, language)
            conditions = load_conditions(lang, None, self._template_folders)
            loan.signature_png = base64.b64encode(signature_png).decode("ascii") if signature_png else ""
            loan.signed_on_paper = bool(signed_on_paper)
            loan.contract_version = conditions.version
            if out is not None:
                with use_language(lang, strict=True):
                    data = self._contract_data(s, loan, device, borrower)
                    write_contract_pdf(data, conditions, Path(out))
                loan.contract_printed = True
            log.info("contract of %s signed (%s)", device.asset_tag, "paper" if signed_on_paper else "screen")

    # -- return receipt ------------------------------------------------------------------------

    def receipt(self, tag: str, out: Path) -> ReceiptData:
        """Receipt of the device's most recent return."""

        from app.printing.receipts import ReceiptData, write_receipt_pdf

        with self._sessions() as s:
            device = DeviceService.get_in(s, tag)
            loan = s.scalars(
                select(Loan)
                .where(Loan.device_id == device.id, Loan.state == "returned", Loan.deleted.is_(False))
                .order_by(Loan.in_at.desc())
            ).first()
            if loan is None or loan.in_at is None:
                raise UserError(
                    _("{tag} werd nog niet teruggebracht: er is geen ontvangstbewijs.").format(
                        tag=device.asset_tag
                    )
                )
            borrower = s.get(Borrower, loan.borrower_id)
            assert borrower is not None
            location = LocationService.current_in(s)
            # The receipt is the borrower's: in their language, like the contract they signed.
            with use_language(document_language(borrower.language), strict=True):
                data = ReceiptData(
                    digibank_name=self._digibank_name(location),
                    place=location.municipality or location.name,
                    borrower_name=full_name(borrower),
                    borrower_card=borrower.card_number,
                    tag=device.asset_tag,
                    kind=kind_names().get(device.kind, device.kind),
                    brand=device.brand,
                    model=device.model,
                    serial=device.serial,
                    out_date=loan.out_at.date(),
                    returned_on=loan.in_at.date(),
                    condition_out=loan.condition_out,
                    condition_in=loan.condition_in,
                    deposit_cents=loan.deposit_cents,
                    deposit_refunded_cents=loan.deposit_refunded_cents,
                    deposit_method=deposit_method_name(loan.deposit_method) if loan.deposit_method else "",
                    deposit_kept_reason=loan.deposit_kept_reason,
                )
                write_receipt_pdf(data, Path(out))
        return data
