"""What users and the model judge write alongside their scores."""

from __future__ import annotations

POSITIVE_COMMENTS: tuple[str, ...] = (
    "Perfect, thanks!",
    "That fixed it 👍",
    "Quick and clear.",
    "Exactly what I needed",
    "great, saved me a phone call",
    "Super hilfreich, danke!",
    "Merci, c'est parfait.",
    "Accurate and fast. The table was handy.",
    "nice, the steps worked first try",
    "Good answer, thanks for the link to the article.",
)

NEGATIVE_COMMENTS: tuple[str, ...] = (
    "This is wrong, the return window is 30 days not 90.",
    "Didn't answer my question at all.",
    "Too long, I just wanted the tracking link.",
    "It made up a policy that doesn't exist.",
    "Said it created a ticket but there's no ticket in the desk.",
    "The total is wrong, it took the subtotal.",
    "Asked me for my card number?!",
    "useless",
    "It just errored out. Again.",
    "Wrong date — it swapped day and month.",
    "Das stimmt nicht, ich habe schon alles versucht.",
    "Generic answer, didn't look at my order.",
    "Missing the VAT number even though it's on the invoice.",
)

CORRECTNESS_NOTES: dict[str, tuple[str, ...]] = {
    "good": (
        "The answer is fully supported by the retrieved context and addresses the question.",
        "All figures match the tool results; no unsupported claims.",
        "Extracted fields match the document, totals are consistent.",
        "Correct and complete; cites the relevant policy.",
        "Grounded in the provided sources. Minor verbosity, no factual issues.",
    ),
    "weak": (
        "Partially correct: the answer is vague and does not use the available data.",
        "Does not answer the question directly; defers without checking the sources.",
        "Some required fields are missing although they appear in the document.",
        "Plausible but unspecific; key details from the context are omitted.",
    ),
    "hallucinated": (
        "Contains claims that are not supported by the context (invented policy details).",
        "States that an action was taken, but no corresponding tool call exists in the trace.",
        "The extracted total does not match the document; the subtotal was used instead.",
        "Fabricated information: the retrieved documents do not mention this.",
        "Confident answer contradicted by the sources.",
    ),
    "error": (),
}
