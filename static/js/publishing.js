// Publishing and teaching enhancements. The pages work without this file:
// - the anonymisation editor re-checks a field for personal data while it is typed, and says
//   how many findings it has (the server-side list below the form stays the place to replace);
// - the answer page of a class assignment saves each answer as it is typed.
(function () {
  "use strict";

  function token(form) {
    const input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  async function post(url, form, data) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": token(form),
      },
      body: JSON.stringify(data),
    });
    const answer = await response.json().catch(() => ({}));
    return { ok: response.ok, answer };
  }

  function debounce(fn, ms) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn.apply(this, args), ms);
    };
  }

  // --- the anonymisation editor ---------------------------------------------------------------
  const editor = document.querySelector("form.publication-form[data-detect-url]");
  if (editor) {
    const url = editor.dataset.detectUrl;
    const lang = document.documentElement.lang || "nl";
    const words = lang === "en"
      ? { none: "No personal data found.", some: (n) => `${n} possible personal data: `, fallback: " (built-in patterns only)" }
      : { none: "Geen persoonsgegevens gevonden.", some: (n) => `${n} mogelijke persoonsgegevens: `, fallback: " (alleen eigen patronen)" };
    editor.querySelectorAll("textarea, input[type=text]").forEach((field) => {
      const status = editor.querySelector(`[data-detect-for="${field.id}"]`);
      if (!status) return;
      field.addEventListener("input", debounce(async () => {
        try {
          const { ok, answer } = await post(url, editor, { text: field.value });
          if (!ok) return;
          const found = answer.findings || [];
          const list = found.slice(0, 6).map((f) => `${f.kind} “${f.text}”`).join(", ");
          status.textContent = (found.length ? words.some(found.length) + list : words.none)
            + (answer.fallback ? words.fallback : "");
        } catch (_error) {
          status.textContent = "";
        }
      }, 700));
    });
  }

  // --- answers, saved as they are typed --------------------------------------------------------
  const answers = document.querySelector("form.answer-form[data-autosave]");
  if (answers) {
    const status = answers.querySelector(".autosave-status");
    const last = new Map();
    answers.querySelectorAll("textarea[data-question]").forEach((area) => {
      const question = Number(area.dataset.question);
      last.set(question, area.value);
      const save = async () => {
        if (area.value === last.get(question)) return;
        const text = area.value;
        try {
          const { ok, answer } = await post(answers.getAttribute("action"), answers, { question, text });
          if (ok) last.set(question, text);
          if (status) status.textContent = answer.message || "";
        } catch (_error) {
          if (status) status.textContent = "";
        }
      };
      area.addEventListener("input", debounce(save, 800));
      area.addEventListener("blur", save);
    });
    answers.dataset.autosaveReady = "true";
  }
})();
