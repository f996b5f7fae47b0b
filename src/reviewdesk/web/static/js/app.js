// Behaviour shared by every page: the CSRF header on htmx requests, confirm prompts and dialogs.
// The CSP allows no inline script or handler, so everything is wired here by event delegation.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

document.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRF-Token"] = csrfToken();
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const opener = target?.closest("[data-open-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.openDialog);
    if (dialog && !dialog.open) dialog.showModal();
  }
  const closer = target?.closest("[data-close-dialog]");
  if (closer) closer.closest("dialog")?.close();
});
