"""Tables over row ids, fetched lazily page by page (the Anki browser's way).

A search gives a list of ids (FTS5 in SQL, fast even on 100,000 rows); the
model fetches the records of a page only when the view asks for one of its
cells, and keeps a few pages in a small cache. So opening a table of 100,000
devices reads about one page, not 100,000 rows.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.formatting import date_be
from app.i18n import _
from app.inventory import kind_names, status_name
from app.postcodes import province_name
from db.models import Borrower, Device

log = logging.getLogger(__name__)

PAGE_SIZE = 100
CACHE_PAGES = 20

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: Callable[[], str]  # translated at display time, so a language switch shows
    value: Callable[[Any], str]
    # The service's order key for this column (sorted in SQL, never here); None: not sortable.
    sort: str | None = None


class LazyTableModel(QAbstractTableModel):
    """Rows are ids; `fetch(ids)` returns what their rows show, in the same order. With `load`,
    those are light rows (the shown columns, read at every key typed) and `load(ids)` gives the
    full record of a row a person selects (`full_record`); without it the rows are the records."""

    def __init__(
        self,
        fetch: Callable[[Sequence[str]], Sequence[Any]],
        columns: Sequence[Column],
        page_size: int = PAGE_SIZE,
        cache_pages: int = CACHE_PAGES,
        load: Callable[[Sequence[str]], Sequence[Any]] | None = None,
    ) -> None:
        super().__init__()
        self._fetch = fetch
        self._load = load
        self._full: tuple[str, Any] | None = None  # the last full record asked for
        self._columns = list(columns)
        self._ids: list[str] = []
        self._page_size = page_size
        self._cache_pages = cache_pages
        self._pages: OrderedDict[int, dict[str, Any]] = OrderedDict()

    # -- data set ------------------------------------------------------------------

    def column(self, number: int) -> Column | None:
        return self._columns[number] if 0 <= number < len(self._columns) else None

    def set_ids(self, ids: Sequence[str]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._pages.clear()
        self._full = None
        self.endResetModel()

    def refresh(self) -> None:
        """Forget cached records (after an edit) and repaint."""
        self._pages.clear()
        self._full = None
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self._columns) - 1))

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, record_id: str) -> int:
        try:
            return self._ids.index(record_id)
        except ValueError:
            return -1

    def record(self, row: int) -> Any | None:
        """What the row shows (see the class)."""
        record_id = self.id_at(row)
        if record_id is None:
            return None
        page = self._page(row // self._page_size)
        return page.get(record_id)

    def full_record(self, row: int) -> Any | None:
        """The whole record of a row (for details and editors)."""
        if self._load is None:
            return self.record(row)
        record_id = self.id_at(row)
        if record_id is None:
            return None
        if self._full is None or self._full[0] != record_id:
            found = self._load([record_id])
            self._full = (record_id, found[0] if found else None)
        return self._full[1]

    def _page(self, number: int) -> dict[str, Any]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        start = number * self._page_size
        ids = self._ids[start : start + self._page_size]
        page = {self._record_id(r): r for r in self._fetch(ids)}
        self._pages[number] = page
        while len(self._pages) > self._cache_pages:
            self._pages.popitem(last=False)
        return page

    @staticmethod
    def _record_id(record: Any) -> str:
        return record.id

    # -- Qt model ----------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        record = self.record(index.row())
        if record is None:
            return "" if role == Qt.ItemDataRole.DisplayRole else None
        return self._columns[index.column()].value(record)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].title()
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None


def device_columns() -> list[Column]:
    # Status comes second: it is what people look for, and it must stay visible at 150% font.
    return [
        Column(lambda: _("Nummer"), lambda d: d.asset_tag, "tag"),
        Column(lambda: _("Status"), lambda d: status_name(d.status), "status"),
        Column(lambda: _("Soort"), lambda d: kind_names().get(d.kind, d.kind), "kind"),
        Column(lambda: _("Merk"), lambda d: d.brand, "brand"),
        Column(lambda: _("Model"), lambda d: d.model, "model"),
        Column(lambda: _("Serienummer"), lambda d: d.serial, "serial"),
        Column(lambda: _("Binnengekomen"), lambda d: date_be(d.intake_date), "intake"),
    ]


def borrower_columns() -> list[Column]:
    return [
        Column(lambda: _("Kaart"), lambda b: b.card_number, "card"),
        Column(lambda: _("Familienaam"), lambda b: b.last_name, "name"),
        Column(lambda: _("Voornaam"), lambda b: b.first_name, "first_name"),
        Column(lambda: _("Geblokkeerd"), lambda b: _("GEBLOKKEERD") if b.blocked else "", "blocked"),
        Column(lambda: _("Postcode"), lambda b: b.postcode, "postcode"),
        Column(lambda: _("Gemeente"), lambda b: b.municipality, "municipality"),
        Column(lambda: _("Provincie"), lambda b: province_name(b.province), "province"),
        Column(lambda: _("Telefoon"), lambda b: b.phone, "phone"),
    ]


def device_model(
    fetch: Callable[[Sequence[str]], Sequence[Any]],
    load: Callable[[Sequence[str]], Sequence[Device]] | None = None,
) -> LazyTableModel:
    return LazyTableModel(fetch, device_columns(), load=load)


def borrower_model(
    fetch: Callable[[Sequence[str]], Sequence[Any]],
    load: Callable[[Sequence[str]], Sequence[Borrower]] | None = None,
) -> LazyTableModel:
    return LazyTableModel(fetch, borrower_columns(), load=load)


class SearchableTable(QWidget):
    """A search-as-you-type field over a lazy table; the search itself is a service call.

    `search(text) -> ids` is given by the view; typing restarts a short timer so
    a fast typist causes one query, not one per key. With `sortable`, `search(text, order)`
    gets the order of the column header clicked ("brand", "-brand" descending, None: the
    service's own order): the service sorts in SQL, over every row, not just the fetched pages.
    """

    selection_changed = Signal(object)  # the selected record, or None
    activated = Signal(object)  # double-click or Enter on a row

    DEBOUNCE_MS = 200

    def __init__(
        self,
        model: LazyTableModel,
        search: Callable[[str], Sequence[str]],
        placeholder: str,
        parent: QWidget | None = None,
        sortable: bool = False,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self._search = search
        self._sortable = sortable
        self._order: str | None = None
        self.search_field = QLineEdit(self)
        self.search_field.setPlaceholderText(placeholder)
        self.search_field.setClearButtonEnabled(True)
        self.search_field.textChanged.connect(self._restart_timer)
        self.search_field.returnPressed.connect(self.run_search)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(self.DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_search)
        self.count_label = QLabel(self)

        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # Fixed row heights: the view never measures rows it does not show (keeps fetching lazy).
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        vertical.setVisible(False)
        horizontal = self.table.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setStretchLastSection(True)
        if sortable:
            # Not QTableView.setSortingEnabled: that sorts through the model, page by page.
            horizontal.setSectionsClickable(True)
            horizontal.setSortIndicatorShown(True)
            horizontal.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            horizontal.sectionClicked.connect(self._sort_by)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        # Double-click opens a row. Not Enter: a card scanned while the table has the focus
        # ends in Enter, and must not open an editor that the rest of the scan types into.
        # Keyboard users have the view's Bewerken button (Alt+W).
        self.table.doubleClicked.connect(lambda index: self.activated.emit(model.full_record(index.row())))

        top = QHBoxLayout()
        top.addWidget(self.search_field, 1)
        # Room for what people type (a name, a phone number) even when filters share the row.
        self.search_field.setMinimumWidth(self.search_field.fontMetrics().averageCharWidth() * 18)
        self.filters = top  # views add their own filters here (or in add_filter_row())
        layout = QVBoxLayout(self)
        self._layout = layout
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

    def add_filter_row(self) -> QHBoxLayout:
        """A row of filters under the search field, for views with more filters than fit beside it."""
        row = QHBoxLayout()
        self._layout.insertLayout(1, row)
        return row

    def set_column_widths(self, widths: Sequence[int]) -> None:
        unit = self.table.fontMetrics().averageCharWidth()
        for column, chars in enumerate(widths):
            self.table.setColumnWidth(column, chars * unit + 16)

    def _restart_timer(self) -> None:
        self.timer.start()

    def order(self) -> str | None:
        """The order asked by the header ("brand", "-brand"), None for the service's own."""
        return self._order

    def _sort_by(self, section: int) -> None:
        column = self.model.column(section)
        header = self.table.horizontalHeader()
        if column is None or column.sort is None:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # this column does not sort
            self._order = None
        else:
            # A first click sorts ascending; a second click on the same column descending.
            descending = self._order == column.sort
            self._order = f"-{column.sort}" if descending else column.sort
            header.setSortIndicator(
                section, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            )
        self.run_search()

    def run_search(self) -> None:
        self.timer.stop()
        selected = self.current_id()
        text = self.search_field.text()
        ids = self._search(text, self._order) if self._sortable else self._search(text)
        self.model.set_ids(ids)
        self.count_label.setText(_("{count} gevonden").format(count=len(ids)))
        row = self.model.row_of(selected) if selected else -1
        if row >= 0:
            self.select_row(row)
        else:
            self.selection_changed.emit(None)

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))

    def select_id(self, record_id: str) -> None:
        row = self.model.row_of(record_id)
        if row >= 0:
            self.select_row(row)
            self.table.scrollTo(self.model.index(row, 0))

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def current_record(self) -> Any | None:
        index = self.table.currentIndex()
        return self.model.full_record(index.row()) if index.isValid() else None

    def reload(self) -> None:
        """Search again with the same text and filters (the data changed elsewhere): rows may
        come or go; the selected rows stay selected and the list stays where it was scrolled."""
        selection = self.table.selectionModel()
        selected = [i for i in (self.model.id_at(ix.row()) for ix in selection.selectedRows()) if i]
        scroll = self.table.verticalScrollBar().value()
        self.run_search()  # keeps the current row (and announces it, so details follow)
        current = self.current_id()
        for record_id in selected:
            row = self.model.row_of(record_id)
            if row >= 0 and record_id != current:
                selection.select(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
                )
        self.table.verticalScrollBar().setValue(scroll)

    def refresh_current(self) -> None:
        """Reload cached rows after an edit and re-announce the selection."""
        self.model.refresh()
        self.selection_changed.emit(self.current_record())

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.selection_changed.emit(self.model.full_record(current.row()) if current.isValid() else None)
