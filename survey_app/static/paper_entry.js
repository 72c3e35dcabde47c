/* Keyboard conveniences of the paper-form entry page (the page works without them):
   a digit in a box fills it and moves on; 0 or a space marks "not answered" and moves on;
   Enter moves to the next box, and saves from the last one; Backspace in an empty box goes back. */
(function () {
  "use strict";
  var form = document.getElementById("paper-entry");
  if (!form) { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input:not([type=hidden])"));

  function next(input) {
    var i = inputs.indexOf(input);
    if (i + 1 < inputs.length) { inputs[i + 1].focus(); inputs[i + 1].select(); }
    else { form.requestSubmit ? form.requestSubmit() : form.submit(); }
  }
  function previous(input) {
    var i = inputs.indexOf(input);
    if (i > 0) { inputs[i - 1].focus(); inputs[i - 1].select(); }
  }

  inputs.forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey) { return; }
      if (event.key === "Enter") { event.preventDefault(); next(input); return; }
      if (!input.classList.contains("digit")) { return; }
      var max = parseInt(input.getAttribute("data-max") || "5", 10);
      if (event.key === " " || event.key === "0") {
        event.preventDefault(); input.value = "0"; next(input);
      } else if (/^[1-9]$/.test(event.key)) {
        event.preventDefault();
        if (parseInt(event.key, 10) <= max) { input.value = event.key; next(input); }
      } else if (event.key === "Backspace" && input.value === "") {
        event.preventDefault(); previous(input);
      } else if (event.key.length === 1) {
        event.preventDefault();  /* only digits go into a box */
      }
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
