// The review view's keyboard (DESIGN.md reviewer keys), reservation countdown and trace panel.
// Keys never fire while typing in a text field; Esc leaves the field so they work again.

const form = document.getElementById("review-form");
let lastField = null;

// Rubric fields, the comment, and the correction editor (a <details> that opens when reached).
const fields = () => [...document.querySelectorAll("#review-form .field")];

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

document.getElementById("trace-button")?.addEventListener("click", toggleTrace);

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
  if (/^[1-9]$/.test(key) && form) {
    event.preventDefault();
    pickNumber(Number(key));
    return;
  }
  const actions = {
    ArrowDown: () => moveField(1),
    ArrowUp: () => moveField(-1),
    ArrowLeft: () => follow("nav-prev"),
    ArrowRight: () => follow("nav-next"),
    s: () => form?.requestSubmit(document.getElementById("submit-button") ?? undefined),
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

tick();
window.setInterval(tick, 1000);

const first = fields().find((f) => f.dataset.input === "choice") ?? fields()[0];
if (first && !document.querySelector(".end-of-queue")) focusField(first);
