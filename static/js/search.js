// Plate search: "select all" for the reads shown (to put them on an evidence hold). The box is hidden in the HTML
// and shown here, so without JavaScript nobody sees a box that does nothing. CSP: no inline script.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("input.select-all-reads"), function (all) {
    var table = all.closest("table");
    var boxes = table ? table.querySelectorAll("tbody input[name=read]") : [];
    if (!boxes.length) { return; }
    all.hidden = false;
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
    });
  });
}());
