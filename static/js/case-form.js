// The case form: autosave to the server, a copy in this browser, and the kwestie guide.
// Everything here is an extra; the form saves, and keeps text through an expired session,
// without it.
(() => {
  "use strict";

  const AUTOSAVE_MS = 5000;
  const form = document.querySelector("form[data-autosave]");
  if (!form) return;

  const status = form.querySelector("[data-autosave-status]");
  const tokenInput = form.querySelector("input[name=csrf_token]");
  // Per user: on a shared computer the next colleague is never offered someone else's text.
  const storageKey = "reflectie:casus:" + form.dataset.user + ":" + window.location.pathname;
  const SKIP = new Set(["csrf_token", "action"]);

  // The form's fields as {name: value or [values]}: what the autosave endpoint reads.
  function serialise() {
    const data = {};
    for (const [name, value] of new FormData(form)) {
      if (SKIP.has(name) || typeof value !== "string") continue;
      if (name in data) data[name] = [].concat(data[name], value);
      else data[name] = value;
    }
    return data;
  }

  function fill(data) {
    for (const element of form.elements) {
      const name = element.name;
      if (!name || SKIP.has(name)) continue;
      const wanted = [].concat(name in data ? data[name] : []);
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = wanted.includes(element.value);
      } else if ("value" in element && element.type !== "submit") {
        element.value = wanted.length ? wanted[0] : "";
      }
    }
    openChosenKwesties();
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  // --- autosave -------------------------------------------------------------------------------

  let lastSent = JSON.stringify(serialise());
  let busy = false;
  let stopped = false;

  async function autosave() {
    if (busy || stopped) return;
    const body = JSON.stringify(serialise());
    if (body === lastSent) return;
    busy = true;
    try {
      const response = await fetch(form.dataset.autosave, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRFToken": tokenInput ? tokenInput.value : "",
        },
        body,
      });
      const answer = await response.json().catch(() => ({}));
      if (response.ok) {
        lastSent = body;
        say(answer.message || "");
      } else {
        if (response.status === 401) stopped = true; // saving the form leads to the login
        say(answer.message || form.dataset.msgFailed || "");
      }
    } catch (_error) {
      say(form.dataset.msgFailed || "");
    } finally {
      busy = false;
    }
  }

  window.setInterval(autosave, AUTOSAVE_MS);

  // --- a copy in this browser -----------------------------------------------------------------

  function readCopy() {
    try {
      const copy = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      return copy && typeof copy === "object" && copy.data ? copy : null;
    } catch (_error) {
      return null;
    }
  }

  function writeCopy() {
    try {
      window.localStorage.setItem(
        storageKey,
        JSON.stringify({ savedAt: Date.now(), data: serialise() }),
      );
    } catch (_error) {
      // Storage full or switched off: the server-side autosave still runs.
    }
  }

  function dropCopy() {
    try {
      window.localStorage.removeItem(storageKey);
    } catch (_error) {
      // nothing to drop
    }
  }

  function offerCopy(copy) {
    const time = new Date(copy.savedAt).toLocaleTimeString("nl-NL", {
      hour: "2-digit",
      minute: "2-digit",
    });
    const notice = document.createElement("div");
    notice.className = "notice local-copy";
    notice.setAttribute("role", "region");
    notice.setAttribute("aria-label", form.dataset.msgRestore || "");
    const text = document.createElement("p");
    text.textContent = (form.dataset.msgSavedLocal || "").replace("{time}", time);
    const restore = document.createElement("button");
    restore.type = "button";
    restore.className = "button button--small";
    restore.textContent = form.dataset.msgRestore || "";
    const ignore = document.createElement("button");
    ignore.type = "button";
    ignore.className = "button button--small";
    ignore.textContent = form.dataset.msgIgnore || "";
    restore.addEventListener("click", () => {
      fill(copy.data);
      notice.remove();
      form.querySelector("input, textarea")?.focus();
    });
    ignore.addEventListener("click", () => {
      dropCopy();
      notice.remove();
    });
    notice.append(text, restore, " ", ignore);
    form.before(notice);
  }

  const copy = readCopy();
  if (copy) {
    const pageTime = Date.parse(form.dataset.updatedAt || "") || 0;
    const differs = JSON.stringify(copy.data) !== JSON.stringify(serialise());
    if (differs && copy.savedAt > pageTime) offerCopy(copy);
    else dropCopy();
  }

  form.addEventListener("input", writeCopy);
  form.addEventListener("change", writeCopy);
  // Every server answer to a submit keeps the text (errors, conflict, expired session), so
  // the browser copy is only for a tab that closes or crashes before that.
  form.addEventListener("submit", () => {
    stopped = true;
    dropCopy();
  });

  // --- the kwestie guide: open the guiding questions of the chosen kwesties ---------------------

  function openChosenKwesties() {
    const chosen = form.querySelectorAll(
      "input[name=primary_kwestie]:checked, input[name=secondary_kwesties]:checked",
    );
    for (const input of chosen) {
      const details = document.querySelector(`details[data-kwestie="${CSS.escape(input.value)}"]`);
      if (details) details.open = true;
    }
  }

  form.addEventListener("change", (event) => {
    const name = event.target && event.target.name;
    if (name === "primary_kwestie" || name === "secondary_kwesties") openChosenKwesties();
  });
})();
