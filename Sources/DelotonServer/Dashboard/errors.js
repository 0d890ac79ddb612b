// Runs before anything else so that every uncaught error lands in the page itself, where
// a headless test reading the DOM can see it.
(function () {
  "use strict";
  var count = 0;
  function record(text) {
    count += 1;
    document.documentElement.setAttribute("data-errors", String(count));
    var box = document.getElementById("errors");
    if (box) { box.textContent += text + "\n"; }
    else { document.addEventListener("DOMContentLoaded", function () { record(text); count -= 1; }, { once: true }); }
  }
  window.addEventListener("error", function (e) {
    var where = e.filename ? " (" + e.filename + ":" + e.lineno + ")" : "";
    record("error: " + (e.message || (e.target && e.target.src) || "resource failed to load") + where);
  }, true);
  window.addEventListener("unhandledrejection", function (e) {
    record("unhandled rejection: " + (e.reason && e.reason.message ? e.reason.message : String(e.reason)));
  });
  document.documentElement.setAttribute("data-errors", "0");
})();
