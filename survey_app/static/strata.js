/* The strata grid of a campaign form: "Tick all" / "Untick all" buttons toggle a whole row or column in place.
   Without JavaScript the same buttons post the form, which comes back with the row or column toggled. */
(function () {
  "use strict";
  var grid = document.getElementById("strata-grid");
  if (!grid) { return; }
  function boxes(key) {
    var kind = key.split(":")[0];
    return grid.querySelectorAll('input[type="checkbox"][data-' + kind + '="' + key + '"]');
  }
  function label(button) {
    var all = Array.prototype.every.call(boxes(button.getAttribute("data-select")), function (b) { return b.checked; });
    var hidden = button.querySelector(".visually-hidden");
    button.firstChild.nodeValue = button.getAttribute(all ? "data-label-untick" : "data-label-tick");
    if (hidden) { button.appendChild(hidden); }
  }
  var buttons = grid.querySelectorAll("button[data-select]");
  grid.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-select]");
    if (!button) { return; }
    event.preventDefault();
    var targets = boxes(button.getAttribute("data-select"));
    var all = Array.prototype.every.call(targets, function (b) { return b.checked; });
    Array.prototype.forEach.call(targets, function (b) { b.checked = !all; });
    Array.prototype.forEach.call(buttons, label);
  });
  grid.addEventListener("change", function () { Array.prototype.forEach.call(buttons, label); });
}());
