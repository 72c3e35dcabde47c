/* Kiosk tablet and counter display. Every page works without this script; it only adds:
   - on the kiosk form: back to a blank form after a while without a touch or a key;
   - on the counter display: the new QR code when the time step changes, without reloading the page. */
(function () {
  "use strict";

  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var startUrl = body.getAttribute("data-start-url");
  if (idleSeconds > 0 && startUrl) {
    var idleTimer = null;
    var arm = function () {
      window.clearTimeout(idleTimer);
      idleTimer = window.setTimeout(function () { window.location.replace(startUrl); }, idleSeconds * 1000);
    };
    ["pointerdown", "touchstart", "keydown", "input", "change", "scroll", "wheel"].forEach(function (name) {
      document.addEventListener(name, arm, { capture: true, passive: true });
    });
    arm();
  }

  var code = document.querySelector("img[data-rotate-seconds]");
  if (code) {
    var period = parseInt(code.getAttribute("data-rotate-seconds"), 10) * 1000;
    var source = code.getAttribute("data-src");
    // The next change, on this device's clock; one second late so the server has moved on too.
    var due = Date.now() + (parseInt(code.getAttribute("data-seconds-left"), 10) + 1) * 1000;
    var schedule = function (delay) { window.setTimeout(renew, Math.max(0, delay)); };
    var renew = function () {
      var next = new Image();
      next.onload = function () {
        code.src = next.src;
        while (due <= Date.now()) { due += period; }
        schedule(due - Date.now());
      };
      next.onerror = function () { schedule(15000); };  // keep the current code, try again soon
      next.src = source + (source.indexOf("?") < 0 ? "?" : "&") + "t=" + Date.now();
    };
    schedule(due - Date.now());
  }
})();
