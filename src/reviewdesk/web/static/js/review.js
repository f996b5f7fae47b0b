// The review view's keyboard (DESIGN.md reviewer keys), reservation countdown and trace panel, and
// the loop without waiting: the next item is reserved and rendered ahead (prefetch), and submit,
// skip and flag post in the background and swap it in place. Keys never fire while typing in a text
// field; Esc leaves the field so they work again.

const container = document.getElementById("review-item");
const queueId = container?.dataset.queueId;
let lastField = null;
let prefetched = null; // {after: item id, fragment: Promise<DocumentFragment | null>}
const formEl = () => document.getElementById("review-form");

// Rubric fields, the comment, and the correction editor (a <details> that opens when reached).
const fields = () => [...document.querySelectorAll("#review-form .field")].filter((f) => !f.hidden);

// Conditional rubric fields (visible_if / required_if on another field's answer); the server checks
// the same rules on submit.
function answerOf(key) {
  const form = formEl();
  if (!form) return null;
  const checked = form.querySelector(`input[type=radio][name="answer.${CSS.escape(key)}"]:checked`);
  if (checked) return checked.value;
  const other = form.querySelector(`[name="answer.${CSS.escape(key)}"]:not([type=radio])`);
  return other && other.value.trim() !== "" ? other.value.trim() : null;
}

function holds(condition) {
  const answer = answerOf(condition.field);
  if (answer === null) return false;
  return condition.in.some((v) => String(v) === answer || (typeof v === "number" && Number(answer) === v));
}

function applyConditions() {
  for (const fieldset of document.querySelectorAll("#review-form .field[data-field]")) {
    const visibleIf = fieldset.dataset.visibleIf ? JSON.parse(fieldset.dataset.visibleIf) : null;
    const requiredIf = fieldset.dataset.requiredIf ? JSON.parse(fieldset.dataset.requiredIf) : null;
    if (!visibleIf && !requiredIf) continue;
    const visible = !visibleIf || holds(visibleIf);
    const required = visible && ("alwaysRequired" in fieldset.dataset || (requiredIf !== null && holds(requiredIf)));
    fieldset.hidden = !visible;
    fieldset.disabled = !visible;
    fieldset.querySelector(".req")?.toggleAttribute("hidden", !required);
    for (const input of fieldset.querySelectorAll("input, textarea")) input.required = required;
  }
}

document.addEventListener("change", (event) => {
  if (event.target instanceof Element && event.target.closest("#review-form")) applyConditions();
});
document.addEventListener("input", (event) => {
  if (event.target instanceof Element && event.target.closest("#review-form")) applyConditions();
});

function isTyping(element) {
  if (!(element instanceof HTMLElement)) return false;
  if (element.isContentEditable || element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
  if (element.tagName === "INPUT") {
    return !["radio", "checkbox", "button", "submit", "reset"].includes(element.type);
  }
  return false;
}

function currentField() {
  const active = document.activeElement;
  return active?.closest?.(".field") ?? lastField;
}

function focusField(fieldset) {
  if (!fieldset) return;
  if (fieldset instanceof HTMLDetailsElement) fieldset.open = true;
  const target =
    fieldset.querySelector("input[type=radio]:checked") ?? fieldset.querySelector("input, textarea, select");
  target?.focus();
  fieldset.scrollIntoView({ block: "nearest" });
  lastField = fieldset;
}

function moveField(delta) {
  const list = fields();
  const index = list.indexOf(currentField());
  const next = index < 0 ? 0 : Math.min(list.length - 1, Math.max(0, index + delta));
  focusField(list[next]);
}

function pick(fieldset, radio) {
  radio.checked = true;
  radio.dispatchEvent(new Event("change", { bubbles: true }));
  // Move on to the next field that takes a pick; text fields wait for ↓ so S still submits.
  const list = fields();
  const following = list.slice(list.indexOf(fieldset) + 1).find((f) => f.dataset.input === "choice");
  if (following) focusField(following);
  else {
    radio.focus();
    lastField = fieldset;
  }
}

function pickNumber(n) {
  const fieldset = currentField() ?? fields().find((f) => f.dataset.input === "choice");
  const radio = fieldset ? fieldset.querySelectorAll("input[type=radio]")[n - 1] : null;
  if (radio) pick(fieldset, radio);
}

function pickHotkey(key) {
  const radio = document.querySelector(`#review-form input[type=radio][data-hotkey="${key}"]`);
  if (radio) pick(radio.closest(".field"), radio);
}

function follow(id) {
  const link = document.getElementById(id);
  if (link instanceof HTMLAnchorElement) window.location.assign(link.href);
}

async function openTraceAt(spanId) {
  const panel = document.querySelector(".trace-panel");
  if (!panel) return;
  panel.hidden = false;
  if (!panel.dataset.loaded) {
    panel.dataset.loaded = "1";
    await window.htmx.ajax("GET", panel.dataset.traceUrl, { target: panel, swap: "innerHTML" });
  }
  window.reviewdesk?.openSpan(spanId, panel); // from trace.js
}

function toggleTrace() {
  const panels = [...document.querySelectorAll(".trace-panel")];
  const show = panels.some((p) => p.hidden);
  for (const panel of panels) {
    panel.hidden = !show;
    if (show && !panel.dataset.loaded) {
      panel.dataset.loaded = "1";
      window.htmx.ajax("GET", panel.dataset.traceUrl, { target: panel, swap: "innerHTML" });
    }
  }
  if (show && panels[0]) panels[0].scrollIntoView({ block: "start", behavior: "smooth" });
}

function openDialog(id, focusSelector) {
  const dialog = document.getElementById(id);
  if (!dialog || dialog.open) return;
  dialog.showModal();
  if (focusSelector) dialog.querySelector(focusSelector)?.focus();
}

document.addEventListener("focusin", (event) => {
  const fieldset = event.target instanceof Element ? event.target.closest(".field") : null;
  if (fieldset) lastField = fieldset;
});

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (target?.closest("#trace-button")) toggleTrace();
  const spanLink = target?.closest("[data-trace-span]");
  if (spanLink) {
    // A Sources link: open the trace panel and that retriever span in it.
    event.preventDefault();
    openTraceAt(spanLink.dataset.traceSpan);
  }
});

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (document.querySelector("dialog[open]")) return; // a dialog handles its own keys (Esc closes)
  if (isTyping(event.target)) {
    if (event.key === "Escape") {
      lastField = event.target.closest(".field") ?? lastField;
      event.target.blur();
    }
    return;
  }
  const key = event.key;
  if (/^[1-9]$/.test(key) && formEl()) {
    event.preventDefault();
    pickNumber(Number(key));
    return;
  }
  const actions = {
    ArrowDown: () => moveField(1),
    ArrowUp: () => moveField(-1),
    ArrowLeft: () => follow("nav-prev"),
    ArrowRight: () => follow("nav-next"),
    s: () => formEl()?.requestSubmit(document.getElementById("submit-button") ?? undefined),
    k: () => document.getElementById("skip-form")?.requestSubmit(),
    f: () => openDialog("flag-dialog", "#flag-reason"),
    e: toggleTrace,
    a: () => pickHotkey("a"),
    b: () => pickHotkey("b"),
    t: () => pickHotkey("t"),
    x: () => pickHotkey("x"),
    "?": () => openDialog("keys-dialog", "button"),
  };
  const action = actions[key.length === 1 ? key.toLowerCase() : key] ?? actions[key];
  if (action) {
    event.preventDefault();
    action();
  }
});

function tick() {
  const element = document.getElementById("reservation");
  const until = Number(element?.dataset.untilMs);
  if (!element || !until) return;
  const left = Math.max(0, Math.round((until - Date.now()) / 1000));
  const countdown = element.querySelector(".countdown");
  if (countdown) countdown.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
  element.classList.toggle("lapsed", left === 0);
  element.classList.toggle("soon", left > 0 && left < 60);
}

function currentItemId() {
  return container?.querySelector(".review-bar")?.dataset.itemId || "";
}

function inHistory() {
  return Boolean(container?.querySelector(".review-bar")?.dataset.inHistory);
}

const inFlight = new Set(); // items whose submit, skip or flag is still being posted

function fetchNext(after) {
  // The item after `after` (and after any still being posted), reserved and rendered by the server.
  const params = new URLSearchParams([after, ...inFlight].map((id) => ["after", id]));
  return fetch(`/queues/${queueId}/review/prefetch?${params}`, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.text() : null))
    .then((html) => {
      if (html === null) return null;
      const template = document.createElement("template");
      template.innerHTML = html;
      return template.content;
    })
    .catch(() => null);
}

function prefetch() {
  const after = currentItemId();
  if (!queueId || !after || inHistory() || prefetched?.after === after) return;
  const entry = { after, ready: null };
  entry.fragment = fetchNext(after).then((fragment) => {
    entry.ready = fragment;
    return fragment;
  });
  prefetched = entry;
}

function showItem(fragment, note) {
  container.replaceChildren(fragment);
  window.htmx?.process(container);
  const swapNote = container.querySelector(".swap-note");
  if (swapNote && note) swapNote.textContent = note;
  window.scrollTo(0, 0);
  lastField = null;
  focusFirst();
  tick();
  container.dispatchEvent(new CustomEvent("review:swapped", { bubbles: true }));
}

// The rubric panel scrolls on its own; its height counts from where it starts (a banner above pushes it
// down, scrolling lifts it to its sticky top), so Submit/Skip/Flag at its foot stay on screen.
function fitRubric() {
  const panel = container?.querySelector(".review-right");
  if (!panel) return;
  const style = getComputedStyle(panel);
  if (style.position !== "sticky") {
    panel.style.maxHeight = "";
    return;
  }
  const top = Math.max(panel.getBoundingClientRect().top, parseFloat(style.top) || 0);
  panel.style.maxHeight = `${Math.max(window.innerHeight - top - 8, 160)}px`;
}

let fitQueued = false;
function queueFit() {
  if (fitQueued) return;
  fitQueued = true;
  requestAnimationFrame(() => {
    fitQueued = false;
    fitRubric();
  });
}
window.addEventListener("scroll", queueFit, { passive: true });
window.addEventListener("resize", queueFit);
container?.addEventListener("review:swapped", queueFit);

function refreshProgress() {
  if (!queueId) return;
  fetch(`/queues/${queueId}/review/progress`, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.text() : null))
    .then((html) => {
      const progress = document.getElementById("progress");
      if (html && progress) progress.outerHTML = html;
    })
    .catch(() => {});
}

const NOTES = { submit: "Submitted.", skip: "Skipped.", flag: "Flagged for an admin." };
const NOTICE_PARAMS = { submit: "submitted", skip: "skipped", flag: "flagged" };

function showServerItem(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const item = parsed.getElementById("review-item");
  if (!item) return false;
  const template = document.createElement("template");
  template.innerHTML = item.innerHTML;
  container.replaceChildren(template.content);
  window.htmx?.process(container);
  applyConditions();
  tick();
  // Keys go on working from the first required field left unanswered (what the server refused).
  const missing = fields().find((f) => !f.querySelector(".req")?.hidden && answerOf(f.dataset.field) === null);
  lastField = null;
  if (missing) focusField(missing);
  else focusFirst();
  container.querySelector(".error-banner")?.scrollIntoView({ block: "nearest" });
  fitRubric();
  return true;
}

// What a prefetched fragment leaves to the page (the server skips them to answer sooner): the progress
// line, refreshed once the post lands, and "← Previous", which now leads to the item just submitted.
function carryOver(fragment, kind, itemId) {
  const progress = document.getElementById("progress");
  fragment.querySelector("#progress")?.replaceWith(progress ? progress.cloneNode(true) : "");
  const href =
    kind === "submit" ? `/queues/${queueId}/review?item=${itemId}` : document.getElementById("nav-prev")?.getAttribute("href");
  const slot = fragment.querySelector(".history-nav > :first-child");
  if (!href || !slot) return;
  const link = document.createElement("a");
  link.id = "nav-prev";
  link.href = href;
  link.textContent = "← Previous";
  slot.replaceWith(link);
}

// Submit, skip and flag without waiting. The browser has already checked the required fields; the
// prefetched item is shown at once (or the moment its prefetch lands, without also waiting for the
// post's answer) and the post goes on in the background. If the server refuses (400: shown in place
// with what was typed; anything else: the form is posted the ordinary way, which shows the server's
// answer), the reviewer is taken back to the item.
async function postAndSwap(form, submitter, kind) {
  const itemId = currentItemId();
  if (inFlight.has(itemId)) return; // pressed again before the item was swapped out
  const entry = prefetched?.after === itemId ? prefetched : null;
  const body = new URLSearchParams(new FormData(form, submitter ?? undefined));
  const posting = fetch(form.action, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { "X-Review-Swap": "1", "X-CSRF-Token": form.elements.csrf_token?.value ?? "" },
  }).catch(() => null);
  inFlight.add(itemId);
  container.dataset.posting = String(inFlight.size); // tests and the bench wait for "0"
  let previous = null;
  const swapIn = (fragment) => {
    carryOver(fragment, kind, itemId);
    previous = document.createDocumentFragment();
    previous.append(...container.childNodes);
    showItem(fragment, NOTES[kind]);
    prefetch();
  };
  if (entry?.ready) swapIn(entry.ready);
  else if (entry) {
    const first = await Promise.race([
      entry.fragment.then((fragment) => ({ fragment })),
      posting.then(() => ({ fragment: null })),
    ]);
    if (first.fragment && currentItemId() === itemId) swapIn(first.fragment);
  }
  const response = await posting;
  inFlight.delete(itemId);
  container.dataset.posting = String(inFlight.size);
  if (response?.status === 204) {
    if (!previous) {
      const fragment = (entry ? await entry.fragment : null) ?? (await fetchNext(itemId));
      if (!fragment) {
        window.location.assign(`/queues/${queueId}/review?notice=${NOTICE_PARAMS[kind]}`);
        return;
      }
      carryOver(fragment, kind, itemId);
      showItem(fragment, NOTES[kind]);
      prefetch();
    }
    refreshProgress();
    return;
  }
  if (response?.status === 400 && showServerItem(await response.text())) {
    prefetch(); // takes up the item already held ahead: no new reservation
    return;
  }
  if (previous) container.replaceChildren(previous);
  form.submit();
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented || inHistory()) return;
  let kind = null;
  if (form.id === "review-form") kind = "submit";
  else if (form.id === "skip-form") kind = "skip";
  else if (form.closest("#flag-dialog")) kind = "flag";
  if (!kind || !container) return;
  event.preventDefault();
  form.closest("dialog")?.close();
  postAndSwap(form, event.submitter, kind);
});

function focusFirst() {
  const first = fields().find((f) => f.dataset.input === "choice") ?? fields()[0];
  if (first && !document.querySelector(".end-of-queue")) focusField(first);
}

tick();
window.setInterval(tick, 1000);
fitRubric();
focusFirst();
prefetch();
