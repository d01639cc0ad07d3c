"""Printing: asset labels (PDF and ZPL), member cards, loan contracts and return receipts.

Everything here renders to files (PDF through reportlab, ZPL II as text); no Qt.
`service.PrintService` turns tags, cards and loans into the data the renderers need.
"""
