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
      // A container is shown when any input that controls it is selected (several checkboxes
      // can control one follow-up). No aria-expanded: it is not allowed on radios or checkboxes.
      var shown = {};
      inputs.forEach(function (input) {
        var id = input.getAttribute("data-controls");
        shown[id] = shown[id] || input.checked;
      });
      Object.keys(shown).forEach(function (id) {
        var target = document.getElementById(id);
        if (target) { target.classList.toggle("conditional--hidden", !shown[id]); }
      });
    }
    inputs.forEach(function (input) {
      var group = document.getElementsByName(input.name);
      group.forEach(function (other) { other.addEventListener("change", sync); });
    });
    sync();
    // "None of these": selecting it clears the other boxes of the group, and the other way round.
    document.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () {
        if (!box.checked) { return; }
        document.getElementsByName(box.name).forEach(function (other) {
          if (other !== box && (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive"))) {
            other.checked = false;
          }
        });
        sync();
      });
    });
    // Stop a double click sending a form twice (the server copes anyway).
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("[data-prevent-double-click]");
        if (!button) { return; }
        if (form.getAttribute("data-submitted")) { return; }
        form.setAttribute("data-submitted", "true");
        window.setTimeout(function () { button.setAttribute("aria-disabled", "true"); button.disabled = true; }, 0);
      });
    });
  });
})();
