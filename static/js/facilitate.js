// Facilitation mode: a countdown of the step's minutes and autosave of the step's notes.
// Both are extras: without JavaScript the page shows the planned end time and the notes
// form saves with its button.
(() => {
  "use strict";

  // --- the countdown ----------------------------------------------------------------------------

  const timer = document.querySelector("[data-countdown]");
  if (timer) {
    const clock = timer.querySelector("[data-countdown-clock]");
    const value = timer.querySelector("[data-countdown-value]");
    const announce = timer.querySelector("[data-countdown-announce]");
    const total = Number.parseInt(timer.dataset.seconds || "0", 10);
    const started = Date.now();
    let lastMinute = Math.ceil(total / 60);
    let finished = false;

    const pad = (n) => String(n).padStart(2, "0");

    // Screen readers hear each whole minute and the end, never every second.
    function say(text) {
      if (announce) announce.textContent = text;
    }

    function tick() {
      const left = Math.max(0, total - Math.floor((Date.now() - started) / 1000));
      if (value) value.textContent = `${pad(Math.floor(left / 60))}:${pad(left % 60)}`;
      const minutes = Math.ceil(left / 60);
      if (left === 0 && !finished) {
        finished = true;
        timer.classList.add("facilitate__timer--done");
        say(timer.dataset.msgDone || "");
        return;
      }
      if (minutes < lastMinute && left > 0) {
        lastMinute = minutes;
        say(
          minutes === 1
            ? timer.dataset.msgMinute || ""
            : (timer.dataset.msgMinutes || "").replace("{n}", String(minutes)),
        );
      }
    }

    if (clock && total > 0) {
      clock.hidden = false;
      tick();
      const interval = window.setInterval(() => {
        tick();
        if (finished) window.clearInterval(interval);
      }, 1000);
    }
  }

  // --- autosave of the notes --------------------------------------------------------------------

  const AUTOSAVE_MS = 3000;
  const form = document.querySelector("form[data-note-autosave]");
  if (!form) return;
  const status = form.querySelector("[data-autosave-status]");
  const tokenInput = form.querySelector("input[name=csrf_token]");
  const shape = form.dataset.recordShape; // "single" or "rows" for a structured step

  // What the form holds, as the JSON body of a save: {"text"} or {"record"}.
  function current() {
    if (!shape) {
      const textarea = form.querySelector("textarea[name=text]");
      return JSON.stringify({ text: textarea ? textarea.value : "" });
    }
    if (shape === "single") {
      const record = {};
      for (const input of form.querySelectorAll("[name^='record-']")) {
        record[input.name.slice("record-".length)] = input.value;
      }
      return JSON.stringify({ record });
    }
    const rows = [];
    for (const input of form.querySelectorAll("[name^='rows-']")) {
      const [, index, key] = input.name.match(/^rows-(\d+)-(\w+)$/) || [];
      if (index === undefined) continue;
      rows[Number(index)] = rows[Number(index)] || {};
      rows[Number(index)][key] = input.value;
    }
    return JSON.stringify({ record: { rows: rows.filter(Boolean) } });
  }

  let lastSent = current();
  let busy = null;
  let stopped = false;

  function show(text) {
    if (status) status.textContent = text;
  }

  async function send() {
    const body = current();
    try {
      const response = await fetch(form.dataset.noteAutosave, {
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
        show(answer.message || "");
      } else {
        if (response.status === 401 || response.status === 404) stopped = true;
        show(answer.message || form.dataset.msgFailed || "");
      }
    } catch (_error) {
      show(form.dataset.msgFailed || "");
    }
  }

  function autosave() {
    if (busy || stopped || current() === lastSent) return busy || Promise.resolve();
    busy = send().finally(() => {
      busy = null;
    });
    return busy;
  }

  window.setInterval(autosave, AUTOSAVE_MS);
  form.addEventListener("submit", () => {
    stopped = true;
  });

  // Moving to another step saves what was typed first.
  for (const link of document.querySelectorAll("a[data-step-link]")) {
    link.addEventListener("click", async (event) => {
      if (stopped || (current() === lastSent && !busy)) return;
      event.preventDefault();
      await autosave();
      if (busy) await busy;
      if (current() !== lastSent && !stopped) await autosave();
      window.location.assign(link.href);
    });
  }
})();
