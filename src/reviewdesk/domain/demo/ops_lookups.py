"""Ops requests the agent answers by looking things up: orders, customers, weather, stock."""

from __future__ import annotations

import random
from datetime import timedelta

from reviewdesk.domain.demo.catalog import CITIES, FIRST_NAMES, PRODUCTS
from reviewdesk.domain.demo.ops_tools import (
    AgentScript,
    Scenario,
    ToolCall,
    customer_record,
    inventory,
    lookalike_customer,
    order_record,
    other_order,
    shipment,
    weather,
)


def order_status(rng: random.Random, sc: Scenario) -> AgentScript:
    delayed = rng.random() < 0.35
    order = order_record(rng, sc, "in_transit")
    track = shipment(rng, sc, delayed)
    scan = track["last_scan"]
    request = rng.choice(
        (
            f"Where is order {sc.order_id}? {sc.customer} is asking.",
            f"status of {sc.order_id} pls",
            f"Can you check why {sc.order_id} hasn't arrived yet? The customer says it's been a week.",
            f"{sc.customer} ({sc.email}) wants to know when {sc.order_id} will arrive",
        )
    )
    if delayed:
        answer = (
            f"Order **{sc.order_id}** ({sc.quantity}× {sc.product.name}) is with {sc.carrier} but currently "
            f'**delayed** — last scan at {scan["location"]}: "{scan["event"]}". New estimated delivery: '
            f"**{track['estimated_delivery']}**. Want me to open a ticket or offer a shipping refund?"
        )
    else:
        answer = (
            f"Order {sc.order_id} is in transit with {sc.carrier} (tracking `{sc.tracking}`). Last scan: "
            f"{scan['event'].lower()} at {scan['location']}. Estimated delivery {track['estimated_delivery']}."
        )
    return AgentScript(
        request=request,
        rounds=[
            [ToolCall("search_orders", {"order_id": sc.order_id}, {"orders": [order], "count": 1})],
            [ToolCall("get_shipment_status", {"tracking_number": sc.tracking, "carrier": sc.carrier}, track)],
        ],
        answer=answer,
        weak_answer=f"Order {sc.order_id} is on its way. I'd suggest checking the {sc.carrier} website.",
    )


def customer_orders(rng: random.Random, sc: Scenario) -> AgentScript:
    customer = customer_record(rng, sc, rng.choice(("standard", "standard", "plus")))
    orders = [order_record(rng, sc, "in_transit")]
    orders += [
        other_order(rng, sc, rng.choice(("processing", "delivered"))) for _ in range(rng.randrange(1, 4))
    ]
    rows = "\n".join(
        f"| {o['order_id']} | {o['items'][0]['name']} | {o['status'].replace('_', ' ')} | {o['total']:.2f} |"
        for o in orders
    )
    answer = (
        f"**{sc.customer}** ({customer['tier']} customer since {customer['customer_since']}, "
        f"{customer['open_tickets']} open tickets) has {len(orders)} recent orders:\n\n"
        f"| Order | Item | Status | Total |\n|---|---|---|---|\n{rows}\n\n"
        f"{sum(o['status'] != 'delivered' for o in orders)} of them are still open."
    )
    return AgentScript(
        request=rng.choice(
            (
                f"Summarise the open orders for {sc.email}",
                f"What has {sc.customer} ordered recently? email {sc.email}",
                f"Pull up {sc.email}'s account and recent orders before I call them back",
            )
        ),
        rounds=[
            [ToolCall("lookup_customer", {"email": sc.email}, customer)],
            [
                ToolCall(
                    "search_orders", {"customer_email": sc.email}, {"orders": orders, "count": len(orders)}
                )
            ],
        ],
        answer=answer,
    )


def weather_delay(rng: random.Random, sc: Scenario) -> AgentScript:
    tomorrow = (sc.today + timedelta(days=1)).isoformat()
    forecast = weather(rng, sc.city, sc.today + timedelta(days=1), severe=rng.random() < 0.4)
    temp = forecast["temp_c"]
    if forecast["alerts"]:
        answer = (
            f"Yes, expect delays in {sc.city} on {tomorrow}: **{forecast['condition']}** with an active alert "
            f"(*{forecast['alerts'][0]}*). I'd warn customers with express orders and expect {sc.carrier} "
            "to miss some delivery windows."
        )
    else:
        answer = (
            f"No weather problems expected in {sc.city} on {tomorrow}: {forecast['condition']}, "
            f"{temp['min']}–{temp['max']} °C, no alerts. Deliveries should run normally."
        )
    return AgentScript(
        request=rng.choice(
            (
                f"Are deliveries to {sc.city} likely to be delayed tomorrow because of the weather?",
                f"weather risk for {sc.city} deliveries on {tomorrow}?",
                f"Customer in {sc.city} asks if tomorrow's delivery is at risk — anything on the forecast?",
            )
        ),
        rounds=[[ToolCall("get_weather", {"city": sc.city, "date": tomorrow}, forecast)]],
        answer=answer,
        weak_answer=f"Weather can always cause some delays in {sc.city}, so it's hard to say.",
    )


def stock_check(rng: random.Random, sc: Scenario) -> AgentScript:
    stock = inventory(rng, sc, in_stock=rng.random() < 0.7)
    here, *elsewhere = stock["warehouses"]
    others = ", ".join(f"{row['warehouse']} {row['available']}" for row in elsewhere)
    if here["available"]:
        answer = (
            f"Yes — {sc.warehouse} has **{here['available']} units** of the {sc.product.name} "
            f"({here['reserved']} reserved). Elsewhere: {others}."
        )
    else:
        answer = (
            f"{sc.warehouse} is **out of stock** of the {sc.product.name} (`{sc.product.sku}`); next restock "
            f"{here['next_restock']}. Available elsewhere: {others}."
        )
    return AgentScript(
        request=rng.choice(
            (
                f"Do we have the {sc.product.name} ({sc.product.sku}) in stock in {sc.warehouse}?",
                f"stock check {sc.product.sku} @ {sc.warehouse}",
            )
        ),
        rounds=[[ToolCall("check_inventory", {"sku": sc.product.sku, "warehouse": sc.warehouse}, stock)]],
        answer=answer,
        weak_answer=f"The {sc.product.name} seems to be available in most warehouses.",
    )


def business_account(rng: random.Random, sc: Scenario) -> AgentScript:
    manager = f"{rng.choice(FIRST_NAMES)} {sc.last_name}"
    record = customer_record(rng, sc, "business") | {"name": sc.account, "account_manager": manager}
    units = rng.choice((25, 40, 60, 120))
    return AgentScript(
        request=f"Is {sc.account} a business account? They're asking about bulk pricing for {units} "
        f"{sc.product.name} units.",
        rounds=[[ToolCall("lookup_customer", {"name": sc.account}, record)]],
        answer=(
            f"Yes, **{sc.account}** is a business account (customer since {record['customer_since']}, lifetime "
            f"value {record['lifetime_value']:,.2f}). Bulk pricing for {units} units goes through their "
            f"account manager, {manager} — I'd loop them in rather than quoting a price here."
        ),
    )


def ambiguous_customer(rng: random.Random, sc: Scenario) -> AgentScript:
    matches = [lookalike_customer(rng, sc) for _ in range(rng.randrange(2, 5))]
    listing = "\n".join(f"- {m['name']} — {m['email']} (`{m['customer_id']}`)" for m in matches)
    return AgentScript(
        request=f"Look up {sc.first_name}'s account, they called about a missing parcel",
        rounds=[[ToolCall("lookup_customer", {"name": sc.first_name}, {"matches": matches})]],
        answer=f"I found {len(matches)} customers named {sc.first_name}:\n\n{listing}\n\nWhich one is it? "
        "An email address or order number would narrow it down.",
    )


def compare_hubs(rng: random.Random, sc: Scenario) -> AgentScript:
    other = rng.choice([row for row in CITIES if row[0] != sc.city])[0]
    day = sc.today + timedelta(days=1)
    first = weather(rng, sc.city, day, severe=rng.random() < 0.5)
    second = weather(rng, other, day, severe=False)
    pick, risky = (other, sc.city) if first["alerts"] else (sc.city, other)
    return AgentScript(
        request=f"Compare tomorrow's weather in {sc.city} and {other} — we need to pick a hub for the "
        "Kite S1 shipments.",
        rounds=[
            [
                ToolCall("get_weather", {"city": sc.city, "date": day.isoformat()}, first),
                ToolCall("get_weather", {"city": other, "date": day.isoformat()}, second),
            ]
        ],
        answer=(
            f"| | {sc.city} | {other} |\n|---|---|---|\n| Conditions | {first['condition']} | "
            f"{second['condition']} |\n| Wind | {first['wind_kph']} km/h | {second['wind_kph']} km/h |\n"
            f"| Alerts | {len(first['alerts'])} | {len(second['alerts'])} |\n\nI'd route through **{pick}**; "
            f"{risky} {'has an active weather alert' if first['alerts'] else 'is fine too'}."
        ),
        weak_answer=f"Both {sc.city} and {other} look similar, either hub should work.",
    )


def unknown_order(rng: random.Random, sc: Scenario) -> AgentScript:
    typo = f"LM-{rng.randrange(10000, 99999)}"
    return AgentScript(
        request=f"Where's order {typo}? Customer is on the phone",
        rounds=[[ToolCall("search_orders", {"order_id": typo}, {"orders": [], "count": 0})]],
        answer=f"I couldn't find an order {typo}. Lumio order numbers have six digits (e.g. {sc.order_id}) — "
        "could you double-check it with the customer, or give me their email instead?",
    )


def escalation_email(rng: random.Random, sc: Scenario) -> AgentScript:
    customer = customer_record(rng, sc, "business") | {"name": sc.account}
    orders = [other_order(rng, sc, "in_transit") for _ in range(rng.randrange(2, 5))]
    lines = "\n".join(
        f"- **{o['order_id']}**: {o['items'][0]['name']}, tracking {o['tracking_number']}" for o in orders
    )
    product = rng.choice(PRODUCTS).name
    answer = (
        f"Here's a summary and a draft you can send.\n\n### {sc.account}\n- Business account since "
        f"{customer['customer_since']}\n- {customer['open_tickets']} open tickets\n- {len(orders)} orders in "
        f"transit with {sc.carrier}:\n{lines}\n\n### Draft email\n\n> Subject: Update on your open Lumio "
        f"orders\n>\n> Dear {sc.first_name},\n>\n> Thank you for your patience. All {len(orders)} of your open "
        f"orders are on their way with {sc.carrier} and we expect them to arrive within the next 2–3 "
        "business days. You can follow each parcel with the tracking numbers below.\n>\n"
        + "\n".join(f"> - {o['order_id']}: {o['tracking_number']}" for o in orders)
        + f"\n>\n> We know the delays around the {product} launch caused trouble for your team. As a thank "
        "you, we've added free express shipping to your next order.\n>\n> Kind regards,\n> "
        f"{sc.agent_name}, Lumio Business Support"
    )
    return AgentScript(
        request=f"Give me a summary of open orders for {sc.account} ({sc.email}) and draft a friendly update "
        "email to them.",
        rounds=[
            [ToolCall("lookup_customer", {"email": sc.email}, customer)],
            [
                ToolCall(
                    "search_orders", {"customer_email": sc.email, "status": "in_transit"}, {"orders": orders}
                )
            ],
        ],
        answer=answer,
    )
