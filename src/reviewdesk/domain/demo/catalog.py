"""Shared fictional world of the demo data: Lumio's products, people, places and tenants."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    sku: str
    price: float


PRODUCTS: tuple[Product, ...] = (
    Product("Aero X2 headphones", "AER-X2-BLK", 249.00),
    Product("Aero Buds Pro", "AER-BP-WHT", 179.00),
    Product("Pulse Fit 3 band", "PLS-F3-GRY", 99.00),
    Product("Orbit Mini speaker", "ORB-MN-SND", 59.00),
    Product("Orbit Max speaker", "ORB-MX-CHR", 329.00),
    Product('Vela 27" 4K monitor', "VEL-27-4K", 449.00),
    Product("Kite S1 e-scooter", "KIT-S1-GRN", 699.00),
    Product("Nova indoor camera", "NOV-IN-WHT", 89.00),
    Product("Nova outdoor camera", "NOV-OUT-BLK", 149.00),
    Product("Halo smart bulb 4-pack", "HAL-4P-E27", 64.00),
    Product("Drift wireless charger", "DRF-WC-15W", 39.00),
    Product("Lumio Hub", "HUB-G2", 119.00),
)

COLORS = ("Midnight Black", "Sand", "Glacier White", "Sage Green", "Coral", "Slate Grey")

FIRST_NAMES = tuple(
    [
        "Emma",
        "Liam",
        "Olivia",
        "Noah",
        "Sofia",
        "Lucas",
        "Mia",
        "Elias",
        "Hannah",
        "Mateo",
        "Aisha",
        "Yuki",
        "Priya",
        "Chen",
        "Fatima",
        "Oluwaseun",
        "Zoë",
        "José",
        "Łukasz",
        "Søren",
        "Aoife",
        "Chloé",
        "Björn",
        "Nguyễn",
        "Mei",
        "Tomás",
        "Ingrid",
        "Rahul",
        "Amara",
        "Kenji",
        "Sarah",
        "David",
        "Laura",
        "Marco",
        "Julia",
        "Daniel",
        "Nora",
        "Felix",
        "Leila",
        "Omar",
    ]
)

LAST_NAMES = tuple(
    [
        "Smith",
        "Müller",
        "García",
        "Rossi",
        "Dubois",
        "Kowalski",
        "Jensen",
        "O'Brien",
        "Nakamura",
        "Patel",
        "Okafor",
        "Silva",
        "Novak",
        "Larsen",
        "Tanaka",
        "Schneider",
        "Martin",
        "Andersson",
        "Costa",
        "Haddad",
        "Kim",
        "Murphy",
        "Fischer",
        "Moreau",
        "Ivanova",
        "Brown",
        "Lefèvre",
    ]
)

# (city, country, carrier that serves it)
CITIES: tuple[tuple[str, str, str], ...] = (
    ("London", "United Kingdom", "Royal Mail"),
    ("Manchester", "United Kingdom", "DPD"),
    ("Berlin", "Germany", "DHL"),
    ("München", "Germany", "DHL"),
    ("Paris", "France", "La Poste"),
    ("Lyon", "France", "Chronopost"),
    ("Madrid", "Spain", "SEUR"),
    ("Amsterdam", "Netherlands", "PostNL"),
    ("Copenhagen", "Denmark", "GLS"),
    ("Warsaw", "Poland", "InPost"),
    ("Dublin", "Ireland", "An Post"),
    ("New York", "United States", "UPS"),
    ("Chicago", "United States", "UPS"),
    ("Austin", "United States", "FedEx"),
    ("Seattle", "United States", "FedEx"),
    ("Toronto", "Canada", "Canada Post"),
    ("São Paulo", "Brazil", "Correios"),
    ("Tokyo", "Japan", "Yamato"),
    ("Zürich", "Switzerland", "Swiss Post"),
    ("Milan", "Italy", "BRT"),
)

WAREHOUSES = ("Rotterdam", "Leipzig", "Reno", "Memphis", "Tilbury", "Nagoya")

TENANTS = (
    "lumio-eu",
    "lumio-us",
    "lumio-uk",
    "acme-retail",
    "northwind-trading",
    "globex-logistics",
    "initech-finance",
    "umbrella-health",
    "stark-industrial",
    "wayne-enterprises",
)

B2B_ACCOUNTS = (
    "Acme Retail Group",
    "Northwind Trading",
    "Globex Logistics",
    "Hooli Workplace",
    "Blue Harbor Hotels",
    "Kestrel Schools Trust",
    "Müller Bürotechnik GmbH",
    "Café Étoile SARL",
)


def random_order_id(rng: random.Random) -> str:
    return f"LM-{rng.randrange(100000, 999999)}"


def random_tracking(rng: random.Random, carrier: str) -> str:
    prefix = "".join(word[0] for word in carrier.split()).upper()[:2]
    return f"{prefix}{rng.randrange(10**9, 10**10)}"


def person_email(first: str, last: str) -> str:
    ascii_first = first.encode("ascii", "ignore").decode().lower() or "customer"
    ascii_last = last.encode("ascii", "ignore").decode().lower().replace("'", "") or "lumio"
    return f"{ascii_first}.{ascii_last}@example.com"
