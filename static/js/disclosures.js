// Disclosure request pages: show the immigration basis fields only when the request is immigration-related, and
// refresh the request page while its release package is being built. (CSP: no inline script; this file only.)
(function () {
  "use strict";
  var details = document.getElementById("immigration-details");
  if (details) {
    var radios = document.querySelectorAll('input[name="immigration_related"]');
    var update = function () {
      var yes = document.querySelector('input[name="immigration_related"]:checked');
      details.hidden = !(yes && yes.value === "yes");
    };
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }
  var building = document.getElementById("package-status");
  if (building && building.dataset.refresh) {
    window.setTimeout(function () { window.location.reload(); }, parseInt(building.dataset.refresh, 10) * 1000);
  }
})();
