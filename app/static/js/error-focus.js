// After a failed submission the page lands on the first error: the error summary (partials/forms.html)
// gets the focus and is scrolled into view; a link in it moves the focus to its field.
(function () {
  "use strict";

  function control(id) {
    var target = document.getElementById(id) || document.querySelector('[id^="' + id + '-"]');
    if (target && !/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) {
      target = target.querySelector("input, select, textarea, button") || target;
    }
    return target;
  }

  function land() {
    var summary = document.querySelector("[data-error-summary]");
    var target = summary || document.querySelector(".is-invalid");
    if (!target) {
      return;
    }
    target.scrollIntoView({ block: "start", behavior: "instant" });
    target.focus({ preventScroll: true });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-focus-field]") : null;
    if (!link) {
      return;
    }
    var field = control(link.getAttribute("data-focus-field"));
    if (field) {
      event.preventDefault();
      field.scrollIntoView({ block: "center", behavior: "instant" });
      field.focus({ preventScroll: true });
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", land);
  } else {
    land();
  }
})();
