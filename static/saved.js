// Copy-citation buttons: the citation line is visible text (selectable with
// scripting off); with scripting on, one click puts it on the clipboard.
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  document.querySelectorAll(".copy-cite__button").forEach(function (button) {
    button.hidden = false;
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".copy-cite__button") : null;
    if (!button) return;
    var status = button.parentNode.querySelector(".copy-cite__status");
    copy(button.getAttribute("data-citation") || "").then(function () {
      if (status) status.textContent = "Copied.";
    }, function () {
      if (status) status.textContent = "Select the citation and copy it.";
    });
  });
})();
