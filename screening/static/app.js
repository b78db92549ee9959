// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js-enabled");
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary after a failed submit, so screen readers announce it.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
    // Conditional reveals: show a follow-up question only when its answer is chosen.
    var inputs = document.querySelectorAll("input[data-controls]");
    function sync() {
      inputs.forEach(function (input) {
        var target = document.getElementById(input.getAttribute("data-controls"));
        if (!target) { return; }
        var shown = input.checked;
        target.classList.toggle("conditional--hidden", !shown);
        input.setAttribute("aria-expanded", shown ? "true" : "false");
      });
    }
    inputs.forEach(function (input) {
      var group = document.getElementsByName(input.name);
      group.forEach(function (other) { other.addEventListener("change", sync); });
    });
    sync();
  });
})();
