// Progressive enhancement only: every feature works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // Sort menus submit as soon as a choice is made.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { if (select.form) select.form.submit(); });
    });

    // Print buttons (shown only when scripting can print).
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });

    // On a narrow screen the filter panel starts closed, below the search box.
    var narrow = window.matchMedia("(max-width: 820px)");
    document.querySelectorAll("details[data-collapse-narrow]").forEach(function (details) {
      if (narrow.matches && !details.querySelector(".is-active")) details.open = false;
      narrow.addEventListener("change", function (event) { if (!event.matches) details.open = true; });
    });

    // "/" focuses the search box, as in most search tools.
    var box = document.getElementById("q");
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || !box || event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      var tag = target && target.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
      event.preventDefault();
      box.focus();
      box.select();
    });

    // Arriving at a passage anchor: move keyboard focus there too.
    if (location.hash && /^#p-\d+$/.test(location.hash)) {
      var passage = document.getElementById(location.hash.slice(1));
      if (passage) {
        passage.setAttribute("tabindex", "-1");
        passage.focus({ preventScroll: true });
      }
    }
  });
})();
