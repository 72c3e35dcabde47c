/* Review queue: a "tick all" box above the checkboxes (the page works without it). */
(function () {
  "use strict";
  var table = document.getElementById("review-table");
  if (!table) { return; }
  var boxes = table.querySelectorAll('tbody input[name="ids"]');
  var head = table.querySelector("thead th");
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "pick-all";
  all.setAttribute("aria-label", table.dataset.tickAll || head.textContent.trim());
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  head.appendChild(all);
}());
