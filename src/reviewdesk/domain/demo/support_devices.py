"""Support knowledge for devices and accounts, plus the off-script answers a RAG bot sometimes gives."""

from __future__ import annotations

from reviewdesk.domain.demo.support_topics import HELP, KbDoc, SupportTopic

DEVICE_TOPICS: tuple[SupportTopic, ...] = (
    SupportTopic(
        key="warranty",
        docs=(
            KbDoc(
                f"{HELP}/warranty/coverage",
                "Warranty coverage",
                "Every Lumio product has a 2-year limited warranty against manufacturing defects. It does "
                "not cover accidental damage, water damage beyond the product's IP rating, or normal battery "
                "wear. Lumio Care Plus (4.99 per month) extends coverage to 3 years and adds two accidental "
                "damage claims per year.",
            ),
            KbDoc(
                f"{HELP}/warranty/claim",
                "Make a warranty claim",
                "Start a claim from Account > Devices with the serial number. We send a prepaid label, and "
                "repairs or replacements are completed within 10 business days of receiving the device.",
            ),
        ),
        questions=(
            "Is my {product} still under warranty? Bought it about a year and a half ago.",
            "the left side of my {product} stopped working. warranty?",
            "I dropped my {product} and the screen cracked. Does the warranty cover that?",
            "What does Lumio Care Plus actually add on top of the normal warranty?",
            "How do I make a warranty claim for a {product}?",
        ),
        answers=(
            "Yes — all Lumio products come with a **2-year limited warranty** against manufacturing "
            "defects, so your {product} is still covered. Start a claim from **Account > Devices** with "
            "the serial number; we'll email a prepaid label and repair or replace it within 10 business "
            "days of receiving it.",
            "I'm sorry to hear that. Accidental damage like a drop isn't covered by the standard 2-year "
            "warranty. If you have **Lumio Care Plus**, you can use one of your two accidental damage "
            "claims per year from Account > Devices.",
            "Lumio Care Plus costs 4.99 per month and adds:\n\n| | Standard | Care Plus |\n|---|---|---|\n"
            "| Coverage | 2 years | 3 years |\n| Accidental damage | – | 2 claims/year |\n| Battery wear | "
            "– | – |\n\nManufacturing defects are covered either way.",
        ),
        followups=(
            (
                "Do I need the original receipt?",
                "No, the serial number is enough — your purchase is linked to it when you register the "
                "device in Account > Devices.",
            ),
            (
                "How long will I be without it?",
                "Repairs or replacements are completed within 10 business days after we receive the device.",
            ),
        ),
    ),
    SupportTopic(
        key="bluetooth_pairing",
        docs=(
            KbDoc(
                f"{HELP}/audio/pairing",
                "Pair your Lumio audio device",
                "To enter pairing mode, hold the power button for 5 seconds until the light flashes blue. "
                "Aero devices remember up to 8 devices and can connect to 2 at the same time (multipoint). "
                "If pairing fails, remove the device from your phone's Bluetooth list and try again.",
            ),
            KbDoc(
                f"{HELP}/audio/multipoint",
                "Multipoint connection",
                "Multipoint lets Aero X2 and Aero Buds Pro connect to two devices at once. Turn it on in the "
                "Lumio app under Settings > Connections. Multipoint is off by default on Aero Buds Pro.",
            ),
        ),
        questions=(
            "My {product} won't pair with my new laptop. Light just blinks white.",
            "How do I connect the {product} to two devices at the same time?",
            "{product} keeps disconnecting from my phone every few minutes",
            "pairing mode?? how",
        ),
        answers=(
            "Let's get it paired:\n\n1. Remove the {product} from your laptop's Bluetooth list if it's "
            "there.\n2. Hold the **power button for 5 seconds** until the light flashes **blue** (white "
            "means it's still trying to reconnect to a previous device).\n3. Select it on the laptop.\n\n"
            "It can remember up to 8 devices.",
            "You can use **multipoint** to stay connected to two devices at once. Open the Lumio app, go to "
            "*Settings > Connections* and turn on Multipoint — on Aero Buds Pro it's off by default.",
            "Here's a full checklist for connection problems with the {product}:\n\n**Pairing**\n1. Remove "
            "the {product} from the Bluetooth list on *every* phone and laptop it was paired with.\n2. Hold "
            "the power button for **5 seconds** until the light flashes blue.\n3. Pair it with one device "
            "first and test for a few minutes.\n\n**Multipoint**\nIf you want two devices at once, turn on "
            "multipoint in the Lumio app (*Settings > Connections*). With multipoint on, audio follows the "
            "device that started playing most recently, which can feel like a disconnect.\n\n**Interference"
            "**\n- Keep the phone within 10 m and avoid having it in a back pocket.\n- Microwaves, USB 3 hubs "
            "and crowded 2.4 GHz Wi-Fi can cause dropouts.\n\n**Firmware**\nUpdate to the latest firmware "
            "({fw}) in the Lumio app — recent releases improved connection stability.\n\n**Last resort**\n"
            "Factory reset: hold power and volume-down for 15 seconds until the light flashes red three "
            "times, then pair again. If the problem continues after that, it may be a hardware fault covered "
            "by the 2-year warranty.",
            "Frequent disconnects are usually fixed by removing the {product} from your phone's Bluetooth "
            "list and pairing it again (hold power for 5 seconds until the light flashes blue). Also make "
            "sure the firmware is up to date in the Lumio app.",
        ),
        followups=(
            (
                "Still doesn't work :/",
                "Thanks for trying. Next step is a factory reset: hold power and volume-down for 15 seconds "
                "until the light flashes red three times, then pair again. If it still fails, I'll connect "
                "you with a human agent.",
            ),
        ),
    ),
    SupportTopic(
        key="firmware",
        docs=(
            KbDoc(
                f"{HELP}/devices/firmware",
                "Update the firmware",
                "Firmware updates install through the Lumio app: open the device, tap Settings > Firmware "
                "and keep the device charged above 30% and close to your phone. Updates take about 10 "
                "minutes. The current release notes are in the app.",
            ),
        ),
        questions=(
            "How do I update the firmware on my {product}?",
            "Firmware update to {fw} stuck at 47% for an hour...",
            "Is there a firmware update that fixes the battery drain on the {product}?",
        ),
        answers=(
            "Open the Lumio app, select your {product} and go to **Settings > Firmware**. Keep it above 30% "
            "battery and close to your phone; the update takes about 10 minutes.",
            "A stuck update usually means the connection dropped. Restart the {product}, keep it within a "
            "metre of your phone with more than 30% battery and start the update to {fw} again from "
            "*Settings > Firmware*. It will resume safely.",
        ),
        followups=(
            (
                "ok that worked, thanks!",
                "Great to hear, {first_name}! Anything else I can help with?",
            ),
        ),
    ),
    SupportTopic(
        key="battery",
        docs=(
            KbDoc(
                f"{HELP}/devices/battery",
                "Battery life",
                "Typical battery life: Aero X2 up to 40 hours (30 with noise cancelling), Aero Buds Pro 7 "
                "hours plus 21 in the case, Pulse Fit 3 up to 9 days, Kite S1 range up to 35 km. Batteries "
                "keep about 80% capacity after 500 charge cycles.",
            ),
        ),
        questions=(
            "How long should the battery on the {product} last?",
            "My {product} battery only lasts half as long as when I bought it",
            "Is it ok to leave the {product} charging overnight?",
        ),
        answers=(
            "Typical figures: Aero X2 up to **40 hours** (30 with noise cancelling), Aero Buds Pro 7 hours "
            "plus 21 in the case, Pulse Fit 3 up to 9 days and the Kite S1 up to 35 km per charge.",
            "Batteries keep about 80% of their capacity after 500 charge cycles, so some loss over time is "
            "normal. A sudden drop to half usually points to a fault — please update the firmware first, "
            "and if it doesn't improve, start a warranty claim in Account > Devices.",
            "Yes, that's fine. Lumio devices stop charging at 100% and manage the battery automatically.",
        ),
        followups=(
            (
                "Is battery wear covered by the warranty?",
                "Normal battery wear isn't covered, but a battery that fails early because of a defect is.",
            ),
        ),
    ),
    SupportTopic(
        key="camera_setup",
        docs=(
            KbDoc(
                f"{HELP}/cameras/setup",
                "Set up a Nova camera",
                "Nova cameras need a 2.4 GHz Wi-Fi network; 5 GHz-only networks are not supported. Scan the "
                "QR code on the camera with the Lumio app. If setup fails, hold the reset button for 10 "
                "seconds until the light turns amber.",
            ),
            KbDoc(
                f"{HELP}/cameras/recordings",
                "Recordings and privacy",
                "Recordings are end-to-end encrypted. Without a subscription, events are kept for 24 hours; "
                "with Lumio Care Plus, for 30 days. Lumio employees cannot view your recordings.",
            ),
        ),
        questions=(
            "{product} won't connect to wifi during setup",
            "How long are recordings from my {product} stored?",
            "Can Lumio staff see my camera footage?",
            "Setup fails at 'scan QR code' step every time. I'm on a mesh network.",
        ),
        answers=(
            "Nova cameras only work on **2.4 GHz** Wi-Fi. Many mesh and dual-band routers merge both bands "
            "under one name — try enabling a separate 2.4 GHz network, then hold the reset button for 10 "
            "seconds until the light turns amber and scan the QR code again.",
            "Recordings are **end-to-end encrypted**, and Lumio employees can't view them. Events are kept "
            "for 24 hours by default, or 30 days with Lumio Care Plus.",
            "Sorry the setup is giving you trouble, {first_name}! Let's go through it step by step.\n\n"
            "### 1. Check the Wi-Fi band\nThe {product} only connects to **2.4 GHz** networks. Mesh systems "
            "and most dual-band routers broadcast 2.4 GHz and 5 GHz under the same name, and your phone "
            "usually picks 5 GHz. In your router's app, look for an option like *Split bands* or *IoT "
            "network* and create a separate 2.4 GHz network for the camera.\n\n### 2. Reset the camera\nHold "
            "the reset button for **10 seconds** until the light turns amber. Wait until it blinks slowly — "
            "that means it's ready to pair.\n\n### 3. Scan the QR code again\n- Keep your phone about 20 cm "
            "from the camera lens.\n- Turn the screen brightness up.\n- Make sure your phone is connected to "
            "the same 2.4 GHz network.\n\n### 4. Still stuck?\n- Restart your router and try again.\n- "
            "Check that the {product} firmware is current after setup (*Settings > Firmware*).\n- Note the "
            "colour of the light and any error in the app, and reply here — a human agent can check the "
            "connection logs for you.\n\nRecordings are end-to-end encrypted, so nothing changes for your "
            "privacy while we troubleshoot.",
        ),
        followups=(
            (
                "Can I download the recordings?",
                "I couldn't find that in our help center — I'll pass your question to a human agent.",
            ),
        ),
    ),
    SupportTopic(
        key="account",
        docs=(
            KbDoc(
                f"{HELP}/account/two-factor",
                "Two-factor authentication",
                "Turn on two-factor authentication in Account > Security. Save your recovery codes: if you "
                "lose your phone, a recovery code is the only way to sign in without a 3-day identity "
                "check.",
            ),
            KbDoc(
                f"{HELP}/account/delete",
                "Delete your account",
                "You can request account deletion in Account > Privacy. We delete personal data within 30 "
                "days. Order and invoice records are kept for 10 years because tax law requires it.",
            ),
            KbDoc(
                f"{HELP}/account/subscriptions",
                "Cancel Lumio Care Plus",
                "Cancel Lumio Care Plus anytime in Account > Subscriptions. Coverage continues until the end "
                "of the current billing month; unused days are not refunded.",
            ),
        ),
        questions=(
            "How do I turn on 2FA?",
            "I lost my phone and can't log in because of two-factor authentication",
            "Please delete my account and all my data. My email is {email}.",
            "How do I cancel Lumio Care Plus? Do I get money back for this month?",
            "I want to unsubscribe from Care Plus but keep my warranty on the {product}",
        ),
        answers=(
            "Go to **Account > Security** and turn on two-factor authentication. Please save the recovery "
            "codes somewhere safe — they're the quickest way back in if you lose your phone.",
            "If you saved your recovery codes, use one on the sign-in screen. Without them we need to run "
            "a 3-day identity check; a human agent will start it for you.",
            "You can request deletion under **Account > Privacy**. Personal data is deleted within 30 days; "
            "order and invoice records are kept for 10 years because tax law requires it.",
            "You can cancel anytime under *Account > Subscriptions*. Coverage continues until the end of "
            "the current billing month, but unused days aren't refunded. Your {product} keeps its standard "
            "2-year warranty.",
        ),
        followups=(
            (
                "Will I still get marketing emails after deleting?",
                "No — deleting your account also removes you from all marketing lists.",
            ),
        ),
    ),
)

# (topic key, question, answer): not every customer writes in English.
MULTILINGUAL: tuple[tuple[str, str, str], ...] = (
    (
        "returns",
        "¿Puedo devolver mis {product}? Los recibí hace {days} días.",
        "¡Claro! Aceptamos devoluciones dentro de los **30 días** posteriores a la entrega. Ve a *Cuenta > "
        "Pedidos*, elige el pedido {order_id} y selecciona «Devolver artículos».",
    ),
    (
        "shipping_times",
        "Wie lange dauert der Versand nach {city}? Ist er kostenlos?",
        "Der Standardversand nach {city} dauert **3–5 Werktage** und ist ab 50 € kostenlos. Express "
        "(1–2 Werktage) kostet 12,90 €.",
    ),
    (
        "warranty",
        "Bonjour, mon {product} ne s'allume plus après 14 mois. Est-il encore sous garantie ?",
        "Bonjour {first_name} ! Oui, tous les produits Lumio ont une **garantie limitée de 2 ans**. "
        "Lancez une demande depuis *Compte > Appareils* avec le numéro de série.",
    ),
    (
        "bluetooth_pairing",
        "{product}をペアリングモードにするにはどうすればいいですか？",
        "電源ボタンを**5秒間**長押しし、ライトが青く点滅したらペアリングモードです。最大8台まで記憶できます。",
    ),
    (
        "refund_timing",
        "Devolvi o {product} há 2 semanas e ainda não recebi o reembolso. 😕",
        "Os reembolsos são emitidos **5–10 dias úteis** depois de o armazém registar a devolução. "
        "Se já passou esse prazo, posso encaminhar o pedido {order_id} para a equipa de pagamentos.",
    ),
    (
        "damaged_item",
        "Il mio {product} è arrivato rotto, cosa devo fare?",
        "Mi dispiace molto! Invia le foto del prodotto e della scatola da *Account > Ordini > Segnala un "
        "problema* entro 48 ore: spediremo un sostituto entro 2 giorni lavorativi.",
    ),
    (
        "order_tracking",
        "Gdzie jest moje zamówienie {order_id}? Śledzenie nie działa od 3 dni.",
        "Link do śledzenia znajdziesz w *Konto > Zamówienia*. Jeśli status nie zmienia się przez 5 dni "
        "roboczych, otworzymy reklamację u przewoźnika {carrier}.",
    ),
)

# Customers paste odd things; these keep the UI's escaping honest.
PASTED_MARKUP: tuple[tuple[str, str], ...] = (
    (
        "My order page shows this instead of my name: <script>alert(1)</script> — was my account hacked??",
        "Thanks for flagging this, and sorry for the scare. The text `<script>alert(1)</script>` looks "
        "like a test string that was typed into your name field; our site shows it as plain text and "
        "never runs it. To be safe:\n\n1. Change your password.\n2. Turn on two-factor authentication in "
        "**Account > Security**.\n3. Update your name under Account > Profile.\n\nIf you see orders you "
        "didn't place, reply here and we'll escalate straight away.",
    ),
    (
        "Why can't I set my display name to <img src=x onerror=alert('hi')>? It says invalid characters.",
        "Display names can contain letters, numbers, spaces and `- ' .` only, so characters like `<` "
        "and `>` are rejected. Please choose a name without them.",
    ),
)

# Answers given when retrieval missed and the model filled the gap anyway.
HALLUCINATED: tuple[str, ...] = (
    "Yes! Every {product} comes with a **lifetime warranty**, so you can send it in for a free "
    "replacement at any time — no receipt needed.",
    "Returns are accepted within **90 days**, and we refund you instantly once {carrier} picks up the "
    "parcel.",
    "Absolutely — we price-match Amazon, Best Buy and any other retailer for up to 60 days after purchase. "
    "Just send a screenshot to pricematch@lumio.example.",
    "Your order {order_id} was delivered yesterday at 14:32 and signed for by a neighbour.",
    "You can cancel Lumio Care Plus at any time and we'll refund all payments made so far.",
    "The {product} is fully waterproof (IP68), so swimming with it is no problem.",
    "Express shipping to {city} is free on all orders this month, it will be applied automatically.",
    "To fix the payment, just reply with your card number and expiry date and I'll process it manually.",
    "The {product} supports multipoint with up to 5 devices at once — enable it by pressing the power "
    "button three times.",
)

# Answers given when retrieval missed and the model admitted it.
UNSURE: tuple[str, ...] = (
    "I couldn't find anything about that in our help center. I can connect you with a human agent — "
    "would that help?",
    "I'm not sure, sorry! Our articles don't cover this case. A colleague from the support team can "
    "take a look at {order_id}.",
    "Good question — I don't have that information. Could you tell me a bit more about the {product} "
    "and what you tried so far?",
)

GREETINGS = ("", "", "", "Hi, ", "Hello! ", "hey ", "Hi there, ", "Good morning, ", "quick question - ")
SIGN_OFFS = (
    "",
    "",
    "",
    " Thanks!",
    " thx",
    " Thank you in advance.",
    " Cheers",
    " 🙏",
    " Regards, {first_name}",
)
ANSWER_OPENERS = (
    "",
    "",
    "",
    "Hi {first_name}! ",
    "Thanks for reaching out. ",
    "Happy to help! ",
    "Good question. ",
)
ANSWER_CLOSERS = (
    "",
    "",
    "",
    "\n\nAnything else I can help with?",
    " Let me know if that works!",
    "\n\nHave a great day!",
    "\n\nIf that doesn't solve it, just reply here and I'll get a colleague involved.",
)
FOLLOWUP_OPENERS = ("", "", "", "ok, ", "Thanks! ", "one more thing: ", "sorry, ", "Great. ")
