"""Clicking a column header sorts the whole table in SQL, not the fetched pages (issue 12)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.borrowers import BorrowerInput
from tests.ui.test_devices_view import bulk_devices
from tests.ui.test_devices_view import make_view as make_devices_view
from ui.borrowers_view import BorrowersView


def _click(view, section: int) -> None:
    view.table.table.horizontalHeader().sectionClicked.emit(section)


def test_clicking_the_name_header_sorts_people_as_people_expect(qtbot, ctx):
    for last, first in (("Zeeman", "Jan"), ("Özdemir", "Ayşe"), ("Çelik", "Mehmet"), ("Claes", "Ilse")):
        ctx.borrowers.add(BorrowerInput(first, last, "8500"))
    view = BorrowersView(ctx.borrowers, ctx.loans)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.table.run_search()
    model = view.table.model

    def names() -> list[str]:
        return [model.record(r).last_name for r in range(model.rowCount())]

    _click(view, 1)  # Familienaam
    assert names() == ["Çelik", "Claes", "Özdemir", "Zeeman"]
    header = view.table.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (1, Qt.SortOrder.AscendingOrder)
    _click(view, 1)  # again: descending
    assert names() == ["Zeeman", "Özdemir", "Claes", "Çelik"]
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert view.table.order() == "-name"


def test_sorting_a_large_device_table_orders_every_row_not_just_the_first_page(qtbot, ctx):
    bulk_devices(ctx, 250)  # 3 pages of 100
    view = make_devices_view(qtbot, ctx)
    view.table.run_search()
    model = view.table.model
    _click(view, 3)  # Merk
    brands = [model.record(r).brand for r in range(model.rowCount())]
    assert brands == sorted(brands) and brands[0] == "Dell" and brands[-1] == "Lenovo"
    _click(view, 3)
    assert model.record(0).brand == "Lenovo" and model.record(model.rowCount() - 1).brand == "Dell"
    # The search field and the status filter keep the chosen order.
    view.table.search_field.setText("latitude")
    view.table.run_search()
    assert view.table.order() == "-brand" and model.rowCount() == 125
