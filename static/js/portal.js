// Every page (templates/base.html): the collapsible main navigation on narrow screens, and the confirmation dialog
// of irreversible actions. CSP: no inline script — this file only. Without JavaScript the navigation stays open and
// an irreversible form keeps its own no-script confirmation step (a required "I confirm" checkbox).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Navigation: a real button with aria-expanded; CSS hides the links on narrow screens until it is pressed.
  var toggle = document.getElementById("nav-toggle");
  var nav = document.getElementById("mainnav");
  if (toggle && nav) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        toggle.setAttribute("aria-expanded", "false");
        nav.classList.remove("open");
        toggle.focus();
      }
    });
  }

  // A long form sent back with errors: bring its error summary into view and focus (screen readers read it).
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // Irreversible actions: <form data-confirm="what cannot be undone" data-confirm-title="…" data-confirm-ok="…">.
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var pending = null;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.confirm || form.dataset.confirmed === "yes") { return; }
    event.preventDefault();
    pending = {form: form, submitter: event.submitter || null};
    document.getElementById("confirm-dialog-title").textContent = form.dataset.confirmTitle || "Are you sure?";
    document.getElementById("confirm-dialog-text").textContent = form.dataset.confirm;
    document.getElementById("confirm-dialog-ok").textContent = form.dataset.confirmOk || "Confirm";
    dialog.showModal();
    document.getElementById("confirm-dialog-cancel").focus();
  });
  document.getElementById("confirm-dialog-ok").addEventListener("click", function () {
    dialog.close();
    if (!pending) { return; }
    var form = pending.form, submitter = pending.submitter;
    pending = null;
    form.dataset.confirmed = "yes";
    if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
  });
  document.getElementById("confirm-dialog-cancel").addEventListener("click", function () {
    pending = null;
    dialog.close();
  });
})();
