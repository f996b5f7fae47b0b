// Trace tree: `#run-<id>` (and a click in the timeline) opens that span and its ancestors and scrolls
// to it; the annotate form shows the control of the chosen score config.

export function openSpan(id, root = document) {
  const item = root.querySelector(`[id="${CSS.escape(id)}"]`);
  if (!item) return;
  for (let node = item; node && node !== root; node = node.parentElement) {
    if (node instanceof HTMLLIElement) node.querySelector(":scope > details.span")?.setAttribute("open", "");
  }
  item.scrollIntoView({ block: "start" });
  item.querySelector(":scope > details.span > summary")?.focus({ preventScroll: true });
}

function openFromHash() {
  if (location.hash.startsWith("#run-")) openSpan(decodeURIComponent(location.hash.slice(1)));
}

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.matches("[data-config-select]")) {
    for (const box of target.form.querySelectorAll("[data-config]")) box.hidden = box.dataset.config !== target.value;
  }
});

document.addEventListener("input", (event) => {
  const target = event.target;
  if (target instanceof HTMLInputElement && target.matches("[data-slider]")) {
    const out = target.parentElement.querySelector("output");
    if (out) out.textContent = target.value;
  }
});

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("[data-open-span]") : null;
  if (!link) return;
  event.preventDefault();
  const scope = link.closest(".trace-panel-body") ?? document;
  openSpan(link.dataset.openSpan, scope);
  if (scope === document) history.replaceState(null, "", `#${link.dataset.openSpan}`);
});

window.reviewdesk = { ...(window.reviewdesk ?? {}), openSpan };
window.addEventListener("hashchange", openFromHash);
openFromHash();
