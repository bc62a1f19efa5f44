// Upload job page (apps.ocr): polls the job's status JSON every 1.5 s while OCR runs and updates the status,
// progress bar, counts and timings in place; when photos finish, re-fetches the photos section (server-rendered,
// escaped HTML with the SVG box overlays) so results appear without reloading. Stops when the job is finished.
// CSP: no inline script, no inline style — this file only.
(function () {
  "use strict";
  var root = document.getElementById("ocr-job");
  if (!root) { return; }
  var statusUrl = root.dataset.statusUrl;
  var itemsUrl = root.dataset.itemsUrl;
  var INTERVAL_MS = 1500;
  var failures = 0;
  var lastFinished = null;
  var statusNode = document.getElementById("ocr-job-status");
  var progress = document.getElementById("ocr-job-progress");
  var counts = document.getElementById("ocr-job-counts");
  var errorNode = document.getElementById("ocr-job-error");
  var timing = document.getElementById("ocr-job-timing");
  var live = document.getElementById("ocr-live");
  var items = document.getElementById("ocr-items");

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function render(job) {
    statusNode.textContent = job.status_label;
    statusNode.className = "ocr-status ocr-status-" + job.status;
    progress.max = job.photos;
    progress.value = job.finished;
    progress.textContent = job.progress_percent + " %";
    var text = job.finished + " of " + plural(job.photos, "photo") + " finished · " + plural(job.reads, "read");
    if (job.failed) { text += " · " + job.failed + " failed"; }
    counts.textContent = text;
    errorNode.textContent = job.error || "";
    errorNode.classList.toggle("hidden", !job.error);
    var t = job.started_label + " / " + job.finished_label;
    if (job.duration_s !== null && job.duration_s !== undefined) { t += " (" + job.duration_s.toFixed(1) + " s)"; }
    timing.textContent = t;
    var running = job.items.filter(function (i) { return i.status === "processing"; }).length;
    live.textContent = job.status === "done" || job.status === "failed" ? "Finished." :
      (running ? "Reading " + plural(running, "photo") + "…" : "Waiting for a worker…");
  }

  function refreshItems() {
    return fetch(itemsUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { items.innerHTML = html; });
  }

  function tick() {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (job) {
        failures = 0;
        render(job);
        var finished = job.finished;
        var changed = lastFinished !== null && finished !== lastFinished;
        var started = job.items.some(function (i) {
          var node = document.getElementById("item-" + i.id);
          return node && node.dataset.status !== i.status;
        });
        lastFinished = finished;
        var next = (changed || started) ? refreshItems() : Promise.resolve();
        return next.then(function () {
          if (job.status !== "done" && job.status !== "failed") { window.setTimeout(tick, INTERVAL_MS); }
        });
      })
      .catch(function () {
        failures += 1;
        live.textContent = "Lost contact with the portal; retrying…";
        window.setTimeout(tick, Math.min(30000, INTERVAL_MS * Math.pow(2, failures)));
      });
  }

  if (root.dataset.finished !== "1") { tick(); }
})();
