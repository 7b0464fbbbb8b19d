// Keeps the text of a reply (or a new thread) in this browser tab while typing, so a reload,
// the back button or a refused post loses nothing. sessionStorage, not localStorage: on a
// shared computer the text is gone once the tab is closed. The form works without this script.
(function () {
  "use strict";
  var store;
  try {
    store = window.sessionStorage;
  } catch (err) {
    return; // storage switched off: nothing to do
  }
  document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
    var area = form.querySelector("textarea");
    if (!area) {
      return;
    }
    var key = "reflectie-concept:" + form.getAttribute("data-draft-key");
    var status = form.querySelector("[data-draft-status]");
    var timer = null;
    function say(text) {
      if (status && text) {
        status.textContent = text;
        status.hidden = false;
      }
    }
    var saved = store.getItem(key);
    if (saved && !area.value.trim()) {
      area.value = saved;
      say(form.getAttribute("data-draft-restored"));
    }
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (area.value.trim()) {
          store.setItem(key, area.value);
          say(form.getAttribute("data-draft-saved"));
        } else {
          store.removeItem(key);
        }
      }, 400);
    });
    form.addEventListener("submit", function () {
      window.clearTimeout(timer);
      store.removeItem(key);
    });
  });
})();
