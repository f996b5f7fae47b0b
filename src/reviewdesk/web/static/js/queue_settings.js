// Queue settings: a rubric condition shows the answers of the field it is picked to depend on (the
// server renders the saved one's; this follows the pick as it changes).
for (const select of document.querySelectorAll("select[data-condition-trigger]")) {
  const condition = select.closest("[data-condition]");
  const follow = () => {
    for (const answers of condition.querySelectorAll(".condition-answers")) {
      answers.hidden = answers.dataset.trigger !== select.value;
    }
  };
  select.addEventListener("change", follow);
  follow(); // a pick the browser restored (back/forward) counts too
}
