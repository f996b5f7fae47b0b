"""Support knowledge: the shape of a help-center topic, and Lumio's order, shipping and billing topics."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KbDoc:
    source: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class SupportTopic:
    """One help-center topic. Questions and answers are `str.format` templates over the support slots."""

    key: str
    docs: tuple[KbDoc, ...]
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    followups: tuple[tuple[str, str], ...]


HELP = "https://help.lumio.example"

ORDER_TOPICS: tuple[SupportTopic, ...] = (
    SupportTopic(
        key="returns",
        docs=(
            KbDoc(
                f"{HELP}/returns/return-policy",
                "Return policy",
                "You can return most Lumio products within 30 days of delivery for a full refund. Items must "
                "be complete, in their original packaging and free of damage beyond normal inspection. "
                "Earbuds and headphones can be returned if they have been cleaned; ear tips must be included.",
            ),
            KbDoc(
                f"{HELP}/returns/start-a-return",
                "Start a return",
                "Go to Account > Orders, choose the order and select 'Return items'. A prepaid label is "
                "emailed to you for returns from the EU, UK and US. Drop the parcel at any carrier point "
                "within 7 days of creating the return. Returns from other countries are shipped at the "
                "customer's cost.",
            ),
        ),
        questions=(
            "Can I still return my {product}? It was delivered {days} days ago.",
            "how do I return the {product} from order {order_id}",
            "I'd like to send back my {color} {product}, it doesn't fit my desk setup. What do I need to do?",
            "The {product} isn't for me. Do I have to pay for the return shipping to {country}?",
            "I opened the box and used the {product} twice. Can I still return it?",
            "Return label for {order_id} never arrived in my inbox ({email}). Can you resend it?",
        ),
        answers=(
            "Yes — Lumio accepts returns within **30 days of delivery**, so you're still in time. Go to "
            "**Account > Orders**, pick order {order_id} and choose *Return items*. We'll email a prepaid "
            "label; drop the parcel at any {carrier} point within 7 days.",
            "Hi {first_name}! Here's how to return your {product}:\n\n1. Open **Account > Orders** and "
            "select {order_id}.\n2. Click **Return items** and choose a reason.\n3. Print the prepaid label "
            "we email you (returns from {country} are free).\n4. Pack everything in the original box and "
            "hand it to {carrier} within 7 days.\n\nYour refund starts as soon as the warehouse scans the "
            "parcel.",
            "Our return window is 30 days from delivery. Since your order arrived {days} days ago, "
            "please start the return from Account > Orders as soon as possible. Used items are fine as long "
            "as they are complete and undamaged — for headphones and earbuds, just clean them and include "
            "the ear tips.",
        ),
        followups=(
            (
                "And how long until I get the money back?",
                "Refunds go back to your original payment method **5–10 business days** after the warehouse "
                "receives the parcel. You'll get an email when it's processed.",
            ),
            (
                "What if I threw away the original box?",
                "The return policy asks for the original packaging. If you no longer have it, please use a "
                "sturdy box of similar size — our team reviews these case by case and may deduct a small "
                "repackaging fee if the product is damaged in transit.",
            ),
        ),
    ),
    SupportTopic(
        key="refund_timing",
        docs=(
            KbDoc(
                f"{HELP}/returns/refunds",
                "When will I get my refund?",
                "Refunds are issued to the original payment method 5–10 business days after the return is "
                "scanned at our warehouse. PayPal refunds usually arrive within 2 business days. Shipping "
                "fees are refunded only if the item was faulty or sent in error.",
            ),
        ),
        questions=(
            "I sent back my {product} {weeks} weeks ago and still no refund. What's going on?",
            "When will I see the refund for order {order_id}?",
            "Refund status for {order_id}? Tracking {tracking} says delivered to your warehouse.",
            "do you refund shipping costs too? returned {product} bc it was faulty",
            "I paid with PayPal, how long does a refund take?",
        ),
        answers=(
            "Refunds are issued **5–10 business days** after your return is scanned at our warehouse, to "
            "the original payment method. Since {carrier} shows {tracking} as delivered, the refund for "
            "{order_id} should appear within that window. If it hasn't arrived after 10 business days, "
            "reply here and I'll escalate it to our payments team.",
            "Good news: shipping fees are refunded when an item was faulty or sent in error, so your "
            "original shipping cost for the {product} will be included. The full refund normally lands "
            "5–10 business days after the warehouse receives the parcel (about 2 days for PayPal).",
            "I understand waiting is frustrating, {first_name}. Refunds take 5–10 business days from the "
            "moment the warehouse scans the parcel, and banks can add a couple of days on top. If it has "
            "been longer than that, I can open a payment investigation for {order_id}.",
        ),
        followups=(
            (
                "Can you check it's actually been received?",
                "I can't see warehouse scans from this chat, but the tracking number {tracking} on the "
                "{carrier} site will show the delivery scan. If it's marked delivered for more than 10 "
                "business days, a human agent can trace it — shall I connect you?",
            ),
        ),
    ),
    SupportTopic(
        key="shipping_times",
        docs=(
            KbDoc(
                f"{HELP}/shipping/delivery-times",
                "Delivery times and costs",
                "Standard delivery takes 3–5 business days and is free on orders over 50 (EUR, GBP or USD). "
                "Express delivery takes 1–2 business days and costs 12.90. International delivery outside "
                "the EU, UK and US takes 7–14 business days. Orders placed before 2 pm ship the same day.",
            ),
            KbDoc(
                f"{HELP}/shipping/carriers",
                "Which carrier delivers my order?",
                "We choose the carrier based on your address: Royal Mail or DPD in the UK, DHL in Germany, "
                "La Poste or Chronopost in France, UPS or FedEx in the US, and local postal services "
                "elsewhere. You can't choose a carrier at checkout.",
            ),
        ),
        questions=(
            "How long does shipping to {city} take?",
            "If I order the {product} today, will it arrive before {weekday}?",
            "Is express delivery available to {country}? How much is it?",
            "Do you ship to {city}?? and is shipping free",
            "Which courier will deliver my {product}? I'm in {city}.",
        ),
        answers=(
            "Standard delivery to {city} takes **3–5 business days** and is free on orders over 50. "
            "If you need it sooner, Express arrives in 1–2 business days for 12.90. Orders placed before "
            "2 pm ship the same day.",
            "Deliveries to {country} are handled by {carrier}. With Express (1–2 business days) an order "
            "placed before 2 pm today should arrive by {weekday}; standard delivery takes 3–5 business days.",
            "Yes, we ship to {city}! Shipping is free on orders over 50 with standard delivery (3–5 business "
            "days). Express delivery costs 12.90 and takes 1–2 business days.",
        ),
        followups=(
            (
                "Can I pick the carrier?",
                "Unfortunately not — we choose the carrier based on your address ({carrier} for {city}).",
            ),
        ),
    ),
    SupportTopic(
        key="order_tracking",
        docs=(
            KbDoc(
                f"{HELP}/orders/track-your-order",
                "Track your order",
                "When your order ships we email a tracking link. You can also find it in Account > Orders. "
                "Tracking can take up to 24 hours to update after the shipping confirmation. If tracking "
                "hasn't moved for 5 business days, contact us and we'll open an investigation with the "
                "carrier.",
            ),
        ),
        questions=(
            "Where is my order {order_id}?",
            "My tracking number {tracking} hasn't updated in 3 days. Is my {product} lost?",
            "I never got a tracking email for my order, can you help? email is {email}",
            "where's my stuff. ordered a {product} last {weekday}",
            "The {carrier} site says 'label created' since {weekday}. Has my order actually shipped?",
        ),
        answers=(
            "You can follow order {order_id} with the tracking link in your shipping email or under "
            "**Account > Orders**. Tracking can take up to 24 hours to update after the label is created. "
            "If it hasn't moved for 5 business days, let me know and we'll open an investigation with "
            "{carrier}.",
            "A 'label created' status means the parcel is packed and waiting for {carrier} to collect it; "
            "the first scan usually appears within 24 hours. Tracking {tracking} has been quiet for less "
            "than 5 business days, so it's most likely still on its way — I'd give it until {weekday}.",
            "I can't look up orders from this chat, but the tracking link is in **Account > Orders** "
            "(signed in as {email}). If you didn't receive a shipping email, check your spam folder for "
            "messages from orders@lumio.example.",
        ),
        followups=(
            (
                "It's been more than a week now.",
                "Thanks for waiting. After 5 business days without movement we open a carrier "
                "investigation — I'll hand this to a human agent who can start it for {order_id} and send "
                "a replacement if the parcel is lost.",
            ),
        ),
    ),
    SupportTopic(
        key="change_address",
        docs=(
            KbDoc(
                f"{HELP}/orders/change-address",
                "Change the delivery address",
                "You can change the delivery address in Account > Orders while the order status is "
                "'Processing'. Once the status is 'Packed' or 'Shipped' the address can no longer be "
                "changed; you can ask the carrier to redirect the parcel from their website instead.",
            ),
        ),
        questions=(
            "I entered the wrong address for {order_id}! Can I change it to my office in {city}?",
            "Can I change the delivery address after ordering?",
            "moved last week, need the {product} shipped to my new flat in {city}",
        ),
        answers=(
            "You can change the address under **Account > Orders** as long as {order_id} still shows "
            "*Processing*. If it's already *Packed* or *Shipped*, we can't edit it anymore, but {carrier} "
            "lets you redirect the parcel from their website using tracking number {tracking}.",
            "Yes, while the order is still processing. Open Account > Orders, select the order and choose "
            "**Edit address**. After it's packed, the only option is a redirect through the carrier.",
        ),
        followups=(
            (
                "It says Packed already :(",
                "Then the address is locked on our side, sorry! Please use the redirect option on the "
                "{carrier} website with tracking {tracking} — it's usually free for a first redirect.",
            ),
        ),
    ),
    SupportTopic(
        key="payment_failed",
        docs=(
            KbDoc(
                f"{HELP}/payments/declined",
                "My payment was declined",
                "Payments can fail when your bank requires 3-D Secure confirmation, when the billing address "
                "doesn't match the card, or when the card limit is reached. We accept Visa, Mastercard, "
                "American Express, PayPal, Apple Pay, Google Pay and Klarna (EU only). Lumio never asks for "
                "card details by email or chat.",
            ),
        ),
        questions=(
            "My card keeps getting declined at checkout. I'm trying to buy the {product}.",
            "Why did my payment fail? The money seems to have left my account!",
            "can I pay with klarna in {country}?",
            "Payment error 'authentication_required' when ordering, what does that mean?",
        ),
        answers=(
            "Sorry about that! The most common reasons are:\n\n- your bank wants a **3-D Secure** "
            "confirmation in its app,\n- the billing address doesn't match the card, or\n- the card limit "
            "is reached.\n\nYou can also pay with PayPal, Apple Pay or Google Pay. Please never share card "
            "details in this chat — we will never ask for them.",
            "'authentication_required' means your bank asked for 3-D Secure confirmation and it wasn't "
            "completed. Approve the payment in your banking app when prompted, then try again. A pending "
            "amount you may see is an authorisation hold and is released by your bank within a few days.",
            "Klarna is available for customers in the EU. For {country} you can pay with Visa, Mastercard, "
            "American Express, PayPal, Apple Pay or Google Pay.",
        ),
        followups=(
            (
                "Can I just send you my card number here instead?",
                "Please don't — Lumio never takes card details by chat or email. Checkout is the only safe "
                "place to enter them. If it keeps failing, PayPal is a good alternative.",
            ),
        ),
    ),
    SupportTopic(
        key="invoice_download",
        docs=(
            KbDoc(
                f"{HELP}/payments/invoices",
                "Download a VAT invoice",
                "A VAT invoice is created when your order ships. Download it as PDF from Account > Orders > "
                "Invoice. Business customers can add a company name and VAT ID before checkout; invoices "
                "cannot be re-issued to a different company after shipping.",
            ),
        ),
        questions=(
            "Where can I find the invoice for {order_id}? I need it for expenses.",
            "Can you add my company VAT number to the invoice for the {product}?",
            "I need a proper VAT invoice, not just the order confirmation",
        ),
        answers=(
            "The VAT invoice for {order_id} is available as a PDF under **Account > Orders > Invoice** "
            "once the order has shipped.",
            "Company details have to be added before checkout — invoices can't be re-issued to a different "
            "company once the order has shipped. For future orders, add your company name and VAT ID "
            "under **Account > Billing**.",
        ),
        followups=(
            (
                "The order hasn't shipped yet, can it still be changed?",
                "Yes — as long as it hasn't shipped, add the company name and VAT ID in Account > Billing "
                "and the invoice will be created with them when {order_id} ships.",
            ),
        ),
    ),
    SupportTopic(
        key="discounts",
        docs=(
            KbDoc(
                f"{HELP}/offers/discount-codes",
                "Discount codes",
                "One discount code can be used per order. Codes can't be combined with sale prices, "
                "bundles or the student discount, and can't be applied after the order is placed.",
            ),
            KbDoc(
                f"{HELP}/offers/price-adjustment",
                "Price adjustment",
                "If the price of an item you bought drops within 14 days of purchase, we refund the "
                "difference once per order. Price adjustments don't apply to flash sales or to other "
                "retailers' prices.",
            ),
            KbDoc(
                f"{HELP}/offers/students",
                "Student discount",
                "Students get 15% off after verifying with EduVerify. The discount applies to full-priced "
                "items and can be used for up to 3 orders a year.",
            ),
        ),
        questions=(
            "I forgot to enter my discount code on {order_id}, can you apply it now?",
            "The {product} dropped to {currency}{amount} two days after I bought it. Can I get the "
            "difference back?",
            "Do you have a student discount?",
            "Can I use two codes on one order?",
            "Amazon sells the {product} cheaper, do you price match?",
        ),
        answers=(
            "Codes can't be added after an order is placed, sorry! What I *can* offer: if the price drops "
            "within 14 days of purchase we refund the difference once per order.",
            "Yes! Our **price adjustment** covers drops within 14 days of purchase, once per order. Since "
            "you bought the {product} two days ago, reply with your order number and a human agent will "
            "refund the difference. (Flash sales are excluded.)",
            "Students get **15% off** full-priced items after verifying with EduVerify, for up to 3 orders "
            "a year. It can't be combined with other discount codes.",
            "We only adjust prices against our own store, so we don't match other retailers like Amazon. "
            "If *our* price drops within 14 days, you get the difference back.",
        ),
        followups=(
            (
                "Does the student discount work on the {product2} too?",
                "Yes, as long as the {product2} is full-priced — the 15% doesn't stack with sale prices or "
                "bundles.",
            ),
        ),
    ),
    SupportTopic(
        key="damaged_item",
        docs=(
            KbDoc(
                f"{HELP}/orders/damaged-or-missing",
                "Damaged or missing items",
                "If your order arrives damaged or with parts missing, report it within 48 hours of delivery "
                "with photos of the item and the box. We ship a replacement within 2 business days, or "
                "refund you if the item is out of stock. You don't need to return the damaged item unless "
                "we send you a label.",
            ),
        ),
        questions=(
            "My {product} arrived with a cracked case. Box looked fine. What now?",
            "The {product} box was missing the charging cable.",
            "Order {order_id} arrived smashed 😡 I want a replacement asap",
            "Parcel came today, {product} screen has a big scratch",
        ),
        answers=(
            "I'm really sorry, {first_name}. Please send photos of the {product} and the box via "
            "**Account > Orders > Report a problem** within 48 hours of delivery. We'll ship a replacement "
            "within 2 business days — no need to return the damaged one unless we email you a label.",
            "Sorry about the missing part! Report it under Account > Orders > Report a problem with a photo "
            "of the box contents. We'll send the missing cable (or a complete replacement) within 2 "
            "business days.",
        ),
        followups=(
            (
                "It was delivered 4 days ago, is that too late?",
                "The policy asks for reports within 48 hours, but please still send the photos — a human "
                "agent can review late reports, especially for transport damage.",
            ),
        ),
    ),
    SupportTopic(
        key="gift_cards",
        docs=(
            KbDoc(
                f"{HELP}/offers/gift-cards",
                "Gift cards",
                "Lumio gift cards are valid for 5 years and can be used on any product. Check the balance at "
                "checkout. Gift cards can't be exchanged for cash, and lost codes can be re-sent only to the "
                "buyer's email address.",
            ),
        ),
        questions=(
            "Does my Lumio gift card expire?",
            "How do I check my gift card balance?",
            "Got a gift card for my birthday but lost the email with the code",
        ),
        answers=(
            "Lumio gift cards are valid for **5 years** and work on every product. You can see the balance "
            "at checkout once you enter the code.",
            "Lost codes can only be re-sent to the email of the person who bought the card. Could you ask "
            "them to contact us? We'll resend it straight away.",
        ),
        followups=(
            (
                "Can I use it together with a discount code?",
                "Yes — a gift card is a payment method, so it works alongside one discount code.",
            ),
        ),
    ),
)
