"""Invoices for the extraction app: vendors, line items and OCR-looking text in four languages."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class Vendor:
    name: str
    address: str
    vat_id: str
    currency: str
    tax_rate: float
    language: str
    category: str


VENDORS: tuple[Vendor, ...] = (
    Vendor("Brightwater Office Supplies Ltd", "14 Canal Street, Manchester M1 3HE, United Kingdom",
           "GB 284 1920 55", "GBP", 0.20, "en", "office"),
    Vendor("Müller & Söhne Bürobedarf GmbH", "Leopoldstraße 112, 80802 München, Deutschland",
           "DE 811 203 447", "EUR", 0.19, "de", "office"),
    Vendor("Papeterie Durand SARL", "8 rue de la République, 69002 Lyon, France",
           "FR 42 512 889 301", "EUR", 0.20, "fr", "office"),
    Vendor("Acme Cloud Services Inc.", "500 Howard St, San Francisco, CA 94105, USA",
           "EIN 84-2219034", "USD", 0.0, "en", "cloud"),
    Vendor("Helvetia Logistik AG", "Hardturmstrasse 161, 8005 Zürich, Schweiz",
           "CHE-109.340.740 MWST", "CHF", 0.081, "de", "logistics"),
    Vendor("Blue Ridge Freight LLC", "2200 Peachtree Rd NW, Atlanta, GA 30309, USA",
           "EIN 58-1180922", "USD", 0.0, "en", "logistics"),
    Vendor("Costa Verde Catering S.L.", "Carrer de Colón 22, 46004 València, España",
           "ES B98234117", "EUR", 0.10, "en", "catering"),
    Vendor("O'Neill & Partners Solicitors", "3 Merrion Square, Dublin 2, D02 XK77, Ireland",
           "IE 6388047V", "EUR", 0.23, "en", "legal"),
    Vendor("Nakamura Trading Co., Ltd.", "東京都港区芝浦3-4-1, 108-0023",
           "T1234567890123", "JPY", 0.10, "ja", "hardware"),
    Vendor("Sunrise Print & Sign", "77 Queen St E, Toronto, ON M5C 1S1, Canada",
           "BN 81294 3311 RT0001", "CAD", 0.13, "en", "printing"),
    Vendor("Atelier Lumière Design", "45 boulevard Haussmann, 75009 Paris, France",
           "FR 77 830 441 209", "EUR", 0.20, "fr", "consulting"),
    Vendor("Kowalski IT Services", "ul. Prosta 51, 00-838 Warszawa, Polska",
           "PL 5272931467", "PLN", 0.23, "en", "consulting"),
)  # fmt: skip

# category -> (description, unit price low, high, quantity low, high)
ITEMS: dict[str, tuple[tuple[str, float, float, int, int], ...]] = {
    "office": (
        ("A4 copy paper, 80 g/m², box of 5 reams", 18, 32, 2, 20),
        ("Toner cartridge HP 59X black", 140, 190, 1, 6),
        ("Ergonomic office chair, mesh back", 180, 420, 1, 8),
        ("Whiteboard markers, assorted, pack of 12", 9, 16, 1, 10),
        ("Desk organiser set, bamboo", 22, 45, 1, 12),
        ("Sticky notes 76x76 mm, 12 pads", 6, 14, 2, 25),
    ),
    "cloud": (
        ("Compute instances (vCPU-hours)", 0.04, 0.09, 2000, 40000),
        ("Object storage (GB-month)", 0.018, 0.026, 500, 90000),
        ("Managed PostgreSQL, db.m6.large", 190, 260, 1, 4),
        ("Data transfer out (GB)", 0.05, 0.09, 300, 20000),
        ("Premium support plan, monthly", 400, 1500, 1, 1),
    ),
    "logistics": (
        ("Pallet freight Rotterdam → Leipzig", 310, 520, 1, 6),
        ("Express courier, same-day", 45, 120, 1, 14),
        ("Warehouse storage, pallet-week", 4, 9, 20, 400),
        ("Customs clearance fee", 35, 95, 1, 5),
        ("Fuel surcharge", 20, 180, 1, 1),
    ),
    "catering": (
        ("Working lunch buffet, per person", 14, 28, 10, 80),
        ("Coffee & pastries, per person", 5, 11, 10, 80),
        ("Vegan option supplement", 2, 5, 2, 20),
        ("Service staff, per hour", 28, 42, 2, 16),
    ),
    "legal": (
        ("Contract review — supplier agreement (hours)", 220, 380, 1, 12),
        ("Trademark filing, EU", 850, 1200, 1, 1),
        ("Disbursements: courier and filing fees", 40, 180, 1, 1),
    ),
    "hardware": (
        ("USB-C充電ケーブル 1m", 800, 1400, 10, 200),
        ("Bluetoothモジュール BT5.3", 420, 690, 100, 2000),
        ("リチウムイオン電池 3.7V 1200mAh", 350, 520, 100, 1500),
        ("梱包箱 (小)", 45, 90, 200, 3000),
    ),
    "printing": (
        ("Roll-up banner 85x200 cm", 90, 160, 1, 6),
        ("Business cards, 500 pcs", 35, 70, 1, 12),
        ("Product flyers A5, 2,000 pcs", 180, 310, 1, 3),
        ("Vinyl window lettering", 120, 420, 1, 2),
    ),
    "consulting": (
        ("Senior consultant, day rate", 850, 1400, 1, 15),
        ("UX research workshop", 2400, 4200, 1, 2),
        ("Travel expenses (at cost)", 120, 900, 1, 1),
        ("Project management, hours", 75, 140, 4, 40),
    ),
}

_LABELS = {
    "en": ("INVOICE", "Invoice No.", "Invoice date", "Due date", "Bill to", "Description", "Qty", "Unit price",
           "Amount", "Subtotal", "VAT", "Total due"),
    "de": ("RECHNUNG", "Rechnungsnummer", "Rechnungsdatum", "Fällig am", "Rechnungsempfänger", "Beschreibung",
           "Menge", "Einzelpreis", "Betrag", "Zwischensumme", "MwSt.", "Gesamtbetrag"),
    "fr": ("FACTURE", "N° de facture", "Date de facture", "Échéance", "Facturé à", "Désignation", "Qté",
           "Prix unitaire", "Montant", "Sous-total HT", "TVA", "Total TTC"),
    "ja": ("請求書", "請求書番号", "請求日", "お支払期限", "請求先", "品目", "数量", "単価", "金額", "小計",
           "消費税", "合計金額"),
}  # fmt: skip


def format_amount(amount: float, vendor: Vendor) -> str:
    if vendor.currency == "JPY":
        return f"¥{amount:,.0f}"
    text = f"{amount:,.2f}"
    if vendor.language in ("de", "fr"):
        separator = "." if vendor.language == "de" else " "
        text = text.replace(",", "_").replace(".", ",").replace("_", separator)
    return f"{text} {vendor.currency}"


def _format_date(day: date, language: str) -> str:
    if language == "en":
        return day.strftime("%d %b %Y")
    if language == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.strftime("%d.%m.%Y" if language == "de" else "%d/%m/%Y")


def make_invoice(rng: random.Random, vendor: Vendor, bill_to: str, issued: date) -> dict[str, Any]:
    """The ground truth of one invoice, in the shape the extractor should return."""
    decimals = 0 if vendor.currency == "JPY" else 2
    lines = []
    for description, low, high, qty_low, qty_high in rng.sample(
        ITEMS[vendor.category], rng.randrange(1, len(ITEMS[vendor.category]) + 1)
    ):
        quantity = rng.randrange(qty_low, qty_high + 1)
        unit = round(rng.uniform(low, high), 4 if high < 1 else decimals)
        lines.append(
            {"description": description, "quantity": quantity, "unit_price": unit,
             "amount": round(quantity * unit, decimals)}
        )  # fmt: skip
    subtotal = round(sum(line["amount"] for line in lines), decimals)
    tax = round(subtotal * vendor.tax_rate, decimals)
    prefix = vendor.name.split()[0][:3].upper()
    return {
        "vendor_name": vendor.name,
        "vendor_vat_id": vendor.vat_id,
        "invoice_number": f"{prefix}-{issued.year}-{rng.randrange(100, 99999):05d}",
        "invoice_date": issued.isoformat(),
        "due_date": (issued + timedelta(days=rng.choice((14, 30, 30, 45, 60)))).isoformat(),
        "currency": vendor.currency,
        "bill_to": bill_to,
        "line_items": lines,
        "subtotal": subtotal,
        "tax_rate": vendor.tax_rate,
        "tax_amount": tax,
        "total": round(subtotal + tax, decimals),
    }


def render_ocr_text(rng: random.Random, vendor: Vendor, invoice: dict[str, Any]) -> str:
    """The invoice as an OCR engine returns it: labels in the vendor's language, a little noise."""
    (title, number, issued, due, bill_to, description, qty, unit, amount, subtotal, tax, total) = _LABELS[
        vendor.language
    ]
    rows = "\n".join(
        f"{line['description']:<48} {line['quantity']:>6}  {format_amount(line['unit_price'], vendor):>14}  "
        f"{format_amount(line['amount'], vendor):>16}"
        for line in invoice["line_items"]
    )
    text = (
        f"{vendor.name}\n{vendor.address}\n{vendor.vat_id}\n\n{title}\n\n"
        f"{number}: {invoice['invoice_number']}\n"
        f"{issued}: {_format_date(date.fromisoformat(invoice['invoice_date']), vendor.language)}\n"
        f"{due}: {_format_date(date.fromisoformat(invoice['due_date']), vendor.language)}\n\n"
        f"{bill_to}:\n{invoice['bill_to']}\n\n"
        f"{description:<48} {qty:>6}  {unit:>14}  {amount:>16}\n{'-' * 90}\n{rows}\n{'-' * 90}\n"
        f"{subtotal:>72} {format_amount(invoice['subtotal'], vendor):>16}\n"
        f"{tax + f' {vendor.tax_rate * 100:g}%':>72} {format_amount(invoice['tax_amount'], vendor):>16}\n"
        f"{total:>72} {format_amount(invoice['total'], vendor):>16}\n"
    )
    if rng.random() < 0.3:
        text = text.replace("Invoice", "lnvoice", 1).replace("  ", " ", 3)
    if rng.random() < 0.02:
        # Seen in the wild: a vendor's web form let markup into the PDF's notes field.
        text += "\nNotes: <img src=x onerror=alert(document.domain)> Thank you for your business!\n"
    return text
