// The explorer's selection: select the page, count the selection, "/" jumps to the filter.

const rows = () => [...document.querySelectorAll("input.row-select")];
const selectPage = document.getElementById("select-page");
const count = document.getElementById("selected-count");

function refresh(byUser = true) {
  const selected = rows().filter((r) => r.checked).length;
  if (count) count.textContent = String(selected);
  if (selectPage) {
    selectPage.checked = selected > 0 && selected === rows().length;
    selectPage.indeterminate = selected > 0 && selected < rows().length;
  }
  // With runs selected, the add bar stays at the top of the screen while the list scrolls.
  document.getElementById("add-panel")?.classList.toggle("has-selection", selected > 0);
  // Ticking a run means "these runs"; a page shown again after a failed add keeps its choice.
  if (byUser && selected > 0) {
    const chosen = document.querySelector('input[name="scope"][value="selected"]');
    if (chosen) chosen.checked = true;
  }
}

selectPage?.addEventListener("change", () => {
  for (const row of rows()) row.checked = selectPage.checked;
  refresh();
});
document.addEventListener("change", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.classList.contains("row-select")) refresh();
});
document.addEventListener("keydown", (event) => {
  const typing = event.target instanceof HTMLElement && event.target.closest("input, textarea, select");
  if (event.key === "/" && !typing) {
    event.preventDefault();
    document.getElementById("q")?.focus();
  }
});
refresh(false);

// The column chooser: hidden columns are remembered in this browser.
const HIDDEN_KEY = "reviewdesk.explorer.hidden-columns";
const table = document.getElementById("runs-table");

function applyColumns() {
  const hidden = new Set(JSON.parse(localStorage.getItem(HIDDEN_KEY) ?? "[]"));
  for (const box of document.querySelectorAll("input[data-column]")) box.checked = !hidden.has(box.dataset.column);
  for (const cell of table?.querySelectorAll("[data-col]") ?? []) cell.hidden = hidden.has(cell.dataset.col);
}

document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.column) return;
  const hidden = new Set(JSON.parse(localStorage.getItem(HIDDEN_KEY) ?? "[]"));
  if (box.checked) hidden.delete(box.dataset.column);
  else hidden.add(box.dataset.column);
  localStorage.setItem(HIDDEN_KEY, JSON.stringify([...hidden]));
  applyColumns();
});
applyColumns();
