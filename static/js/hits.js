// Live hits page (apps.hotlists): polls the hits API every 2 s and inserts new hits without a reload, highest
// priority and newest first; follows status changes made elsewhere. A hit that arrives while the page is open gets
// attention: a banner (role=alert), a tone, and a desktop notification when the person allowed them (asked on a click,
// never on page load, as browsers require). Builds the DOM with textContent only (plates
// and notes are data, never markup). CSP: no inline script, no inline style — this file only.
(function () {
  "use strict";
  var container = document.getElementById("hits");
  if (!container) { return; }
  var api = container.dataset.api;
  var after = parseInt(container.dataset.after || "0", 10);
  var since = container.dataset.since || "";
  var statusLine = document.getElementById("live-status");
  var INTERVAL_MS = 2000;
  var failures = 0;
  var timeZone = container.dataset.tz || undefined;
  var banner = document.getElementById("hit-alert-banner");
  var enable = document.getElementById("alerts-enable");
  var alertsState = document.getElementById("alerts-state");
  var audio = null;

  function clock(date) {
    // The agency's 24-hour time, like every other time in the portal (HH:MM:SS).
    try {
      return new Intl.DateTimeFormat("en-GB", {hour: "2-digit", minute: "2-digit", second: "2-digit",
                                               hourCycle: "h23", timeZone: timeZone}).format(date);
    } catch (error) {
      return date.toTimeString().slice(0, 8);
    }
  }

  function notificationsSupported() { return typeof window.Notification === "function"; }

  function showAlertsState() {
    if (!alertsState) { return; }
    var sound = audio ? "Sound on" : "Sound off";
    var desktop = !notificationsSupported() ? "desktop alerts not available in this browser"
      : Notification.permission === "granted" ? "desktop alerts on"
      : Notification.permission === "denied" ? "desktop alerts blocked in the browser settings" : "desktop alerts off";
    alertsState.textContent = sound + " · " + desktop + ".";
    if (enable) {
      enable.hidden = !!audio && (!notificationsSupported() || Notification.permission !== "default");
    }
  }

  function unlockSound() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) {
      try { audio = new Context(); } catch (error) { audio = null; }
    }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }

  function tone(priority) {
    container.dataset.tones = String(parseInt(container.dataset.tones || "0", 10) + 1);
    if (!audio) { return; }
    // Two short beeps; three, higher, for priority 1.
    var beeps = priority === 1 ? 3 : 2, pitch = priority === 1 ? 988 : 784;
    for (var i = 0; i < beeps; i++) {
      var start = audio.currentTime + i * 0.22;
      var oscillator = audio.createOscillator(), gain = audio.createGain();
      oscillator.frequency.value = pitch;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.18);
    }
  }

  function announce(hit) {
    var text = "New hit, priority " + hit.priority + ": " + hit.reason_label + " — " + hit.plate + " at " +
      hit.camera + ", " + hit.captured_at_local + ".";
    if (banner) {
      banner.textContent = "";
      banner.appendChild(document.createTextNode(text + " "));
      var link = el("a", "", "Review it");
      link.href = hit.detail_url;
      banner.appendChild(link);
      banner.hidden = false;
      banner.dataset.hit = hit.id;
    }
    tone(hit.priority);
    if (notificationsSupported() && Notification.permission === "granted") {
      try {
        var note = new Notification("Hit P" + hit.priority + ": " + hit.plate, {
          body: hit.reason_label + " · " + hit.camera + " · " + hit.captured_at_local, tag: "hit-" + hit.id,
          icon: container.dataset.icon, requireInteraction: hit.priority === 1,
        });
        note.onclick = function () { window.focus(); window.location.href = hit.detail_url; };
        container.dataset.notified = (container.dataset.notified ? container.dataset.notified + " " : "") + hit.id;
      } catch (error) { /* some browsers allow notifications only from a service worker */ }
    }
  }

  if (enable) {
    enable.addEventListener("click", function () {
      unlockSound();
      try { window.localStorage.setItem("alpr.hitAlerts", "on"); } catch (error) { /* private mode */ }
      if (notificationsSupported() && Notification.permission === "default") {
        Promise.resolve(Notification.requestPermission()).then(showAlertsState, showAlertsState);
      }
      showAlertsState();
    });
    enable.hidden = false;
    showAlertsState();
  }
  // Sound needs a click on this page once per visit (browser autoplay rules): any click will do once they chose it.
  document.addEventListener("click", function () {
    try {
      if (window.localStorage.getItem("alpr.hitAlerts") === "on") { unlockSound(); showAlertsState(); }
    } catch (error) { /* private mode */ }
  });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function rank(node) {
    // Unconfirmed first, then priority (1 = most urgent), then newest (highest id).
    return [node.dataset.status === "new" ? 0 : 1, parseInt(node.dataset.priority, 10), -parseInt(node.dataset.id, 10)];
  }

  function before(a, b) {
    var ra = rank(a), rb = rank(b);
    for (var i = 0; i < ra.length; i++) {
      if (ra[i] !== rb[i]) { return ra[i] < rb[i]; }
    }
    return false;
  }

  function card(hit) {
    var article = el("article", "hit hit-new-arrival hit-p" + hit.priority + " hit-status-" + hit.status);
    article.dataset.id = hit.id;
    article.dataset.priority = hit.priority;
    article.dataset.status = hit.status;

    var compare = el("div", "hit-compare");
    var figure = el("figure", "hit-crop");
    if (hit.crop_url) {
      var img = el("img");
      img.src = hit.crop_url;
      img.alt = "Plate as the camera saw it";
      figure.appendChild(img);
    } else {
      figure.appendChild(el("span", "muted small", "no plate image"));
    }
    var caption = el("figcaption", "", "Read: ");
    caption.appendChild(el("span", "plate", hit.plate));
    if (hit.region) { caption.appendChild(document.createTextNode(" (" + hit.region + ")")); }
    figure.appendChild(caption);
    compare.appendChild(figure);
    var listed = el("div", "hit-listed");
    listed.appendChild(el("span", "plate hit-pattern", hit.entry_pattern));
    listed.appendChild(el("span", "small", "Hot list" + (hit.entry_partial ? " (partial)" : "") +
      (hit.entry_state ? " · " + hit.entry_state : "")));
    compare.appendChild(listed);
    article.appendChild(compare);

    var facts = el("div", "hit-facts");
    var first = el("p");
    first.appendChild(el("span", "badge hit-priority", "P" + hit.priority));
    first.appendChild(document.createTextNode(" "));
    first.appendChild(el("strong", "", hit.reason_label));
    if (hit.vehicle_description) { first.appendChild(document.createTextNode(" — " + hit.vehicle_description)); }
    facts.appendChild(first);
    facts.appendChild(el("p", "small", hit.hot_list + " · v" + hit.version +
      (hit.case_number ? " · case " + hit.case_number : "")));
    var where = el("p", "small", hit.camera + " · " + hit.captured_at_local);
    if (hit.flagged_out_of_service) {
      where.appendChild(document.createTextNode(" "));
      where.appendChild(el("span", "badge warn", "unit out of service"));
    }
    facts.appendChild(where);
    article.appendChild(facts);

    var state = el("div", "hit-status");
    state.appendChild(el("span", "status hit-badge-" + hit.status, hit.status_label));
    var link = el("a", "button", "Review");
    link.href = hit.detail_url;
    state.appendChild(link);
    article.appendChild(state);
    return article;
  }

  function insert(node) {
    var cards = container.querySelectorAll("article.hit");
    for (var i = 0; i < cards.length; i++) {
      if (before(node, cards[i])) {
        container.insertBefore(node, cards[i]);
        return;
      }
    }
    var empty = container.querySelector(".hits-empty");
    container.insertBefore(node, empty);
  }

  function applyUpdate(update) {
    var node = container.querySelector('article.hit[data-id="' + update.id + '"]');
    if (!node || node.dataset.status === update.status) { return; }
    node.classList.remove("hit-status-" + node.dataset.status);
    node.dataset.status = update.status;
    node.classList.add("hit-status-" + update.status);
    var badge = node.querySelector(".hit-status .status");
    if (badge) {
      badge.className = "status hit-badge-" + update.status;
      badge.textContent = update.status_label;
    }
    node.remove();
    insert(node);
  }

  function poll() {
    var url = api + "?after=" + encodeURIComponent(after) + "&since=" + encodeURIComponent(since);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        var arrived = [];
        (data.hits || []).slice().reverse().forEach(function (hit) {
          if (!container.querySelector('article.hit[data-id="' + hit.id + '"]')) {
            insert(card(hit));
            arrived.push(hit);
          }
        });
        if (arrived.length) {
          // The most urgent of what just arrived (priority 1 first, then the newest).
          arrived.sort(function (a, b) { return a.priority - b.priority || b.id - a.id; });
          announce(arrived[0]);
        }
        (data.updated || []).forEach(applyUpdate);
        after = data.last_id || after;
        since = data.server_time || since;
        var empty = container.querySelector(".hits-empty");
        if (empty) { empty.hidden = container.querySelectorAll("article.hit").length > 0; }
        if (statusLine) { statusLine.textContent = "Updated " + clock(new Date()) + "."; }
      })
      .catch(function (error) {
        failures += 1;
        if (statusLine) {
          statusLine.textContent = "Live updates interrupted (" + error.message + "); retrying. Reload if it lasts.";
        }
      })
      .then(function () {
        window.setTimeout(poll, failures ? Math.min(INTERVAL_MS * (failures + 1), 15000) : INTERVAL_MS);
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
