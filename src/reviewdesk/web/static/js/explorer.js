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
