// Bookmark toggles and confirmations, as progressive enhancement: every form
// here also works as a plain POST with scripting off.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Put every toggle of this passage on the page into the given state.
  function render(passageId, data) {
    document.querySelectorAll("form.bm-toggle").forEach(function (form) {
      if (form.getAttribute("data-passage-id") !== passageId) return;
      var saved = !!data.bookmarked;
      form.classList.toggle("is-saved", saved);
      form.action = saved ? form.getAttribute("data-unsave-url") : form.getAttribute("data-save-url");
      var button = form.querySelector(".bm-toggle-button");
      button.setAttribute("aria-pressed", saved ? "true" : "false");
      button.title = saved ? "Remove this passage from your bookmarks" : "Save this passage to your bookmarks";
      form.querySelector(".bm-icon").textContent = saved ? "\u2605" : "\u2606";
      form.querySelector(".bm-label").textContent = saved ? "Bookmarked" : "Bookmark";
      var link = form.querySelector(".bm-note-link");
      if (link) {
        link.hidden = !saved;
        link.href = saved && data.edit_url ? data.edit_url : "#";
      }
    });
  }

  function say(form, text) {
    var status = form.querySelector(".bm-status");
    if (status) status.textContent = text;
  }

  function submitToggle(event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches || !form.matches("form.bm-toggle")) return;
    if (!window.fetch || !window.FormData) return; // old browser: plain POST
    event.preventDefault();
    if (form.classList.contains("is-busy")) return;
    form.classList.add("is-busy");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401 || response.redirected) { form.submit(); return; }
        if (!response.ok) { say(form, data.error || "Could not save: please try again."); return; }
        render(form.getAttribute("data-passage-id"), data);
        say(form, data.message || "");
      });
    }).catch(function () {
      say(form, "Network error: not saved.");
    }).then(function () {
      form.classList.remove("is-busy");
    });
  }

  function confirmSubmit(event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }

  document.addEventListener("submit", confirmSubmit, true);
  document.addEventListener("submit", submitToggle);
})();
