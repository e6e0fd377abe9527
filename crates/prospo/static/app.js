// Small progressive enhancements; every form works without this file.
// Marks the page as scripted, so controls that need this file (.js-only) show.
document.documentElement.classList.add("js");

// The page's language and the words this file shows, as the server wrote them for that language
// (a JSON data block; variables are `{name}` marks, plurals a `-one`/`-other` pair).
const LANG = document.documentElement.lang || "en";
const MESSAGES = (() => {
  try { return JSON.parse(document.getElementById("prospo-messages")?.textContent || "{}"); } catch { return {}; }
})();
const PLURALS = new Intl.PluralRules(LANG);
function msg(key, vars = {}) {
  const plural = "count" in vars ? MESSAGES[`${key}-${PLURALS.select(vars.count) === "one" ? "one" : "other"}`] : undefined;
  const text = plural ?? MESSAGES[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (mark, name) => (name in vars ? String(vars[name]) : mark));
}
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  navigator.clipboard.writeText(source.value ?? source.textContent).then(() => {
    const label = button.textContent;
    button.textContent = msg("copied");
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// Fields that carry the browser's time zone (sign-up: a new host's hours start in it).
document.querySelectorAll("input[data-browser-zone]").forEach((input) => {
  try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch { /* left blank: UTC */ }
});

// Event type form: the link preview follows the slug as it is typed, and "Location detail" shows
// only for locations that need one (a Zoom booking gets its own meeting).
document.querySelectorAll("[data-slug-preview]").forEach((preview) => {
  const slug = document.getElementById("slug");
  if (!slug) return;
  const update = () => { preview.textContent = slug.value.trim().toLowerCase() || "intro"; };
  slug.addEventListener("input", update);
  update();
});
document.querySelectorAll("[data-location-detail]").forEach((field) => {
  const location = document.getElementById("location");
  if (!location) return;
  const update = () => { field.hidden = location.value === "zoom" && !field.classList.contains("has-error"); };
  location.addEventListener("change", update);
  update();
});

// A confirmation before every destructive action.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Show/hide for secret fields.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-reveal]");
  if (!button) return;
  const input = document.querySelector(button.dataset.reveal);
  if (!input) return;
  const show = input.type === "password";
  input.type = show ? "text" : "password";
  button.textContent = show ? "Hide" : "Show";
  button.setAttribute("aria-pressed", String(show));
});

// Forms marked data-validate are checked before they are sent: every problem shows beside its
// field at once and the first gets the focus (the server checks again). Capture phase: this runs
// before data-once marks the form as being sent.
function formProblems(form) {
  const problems = [];
  for (const input of form.querySelectorAll("input[required], textarea[required], select[required]")) {
    const value = input.type === "checkbox" ? (input.checked ? "on" : "") : input.value.trim();
    let message = "";
    if (!value) message = input.dataset.required || "Fill in this field.";
    else if (input.type === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) message = input.dataset.invalid || "Enter an email address.";
    problems.push([input, message]);
  }
  return problems;
}
// For the browser tests, which must know whether a submit will leave the page.
window.prospo = { blocksSubmit: (form) => form.hasAttribute("data-validate") && formProblems(form).some(([, m]) => m) };
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.hasAttribute("data-validate")) return;
  const problems = [];
  for (const [input, message] of formProblems(form)) {
    showFieldError(input, message);
    if (message) problems.push(input);
  }
  if (problems.length) {
    event.preventDefault();
    event.stopImmediatePropagation();
    problems[0].focus();
  }
}, true);

function showFieldError(input, message) {
  const field = input.closest(".field");
  const id = `${input.id}-error`;
  let text = document.getElementById(id);
  if (message) {
    if (!text) {
      text = document.createElement("p");
      text.className = "error-text";
      text.id = id;
      // A checkbox sits inside its label: the error goes under the label.
      (input.type === "checkbox" ? input.closest("label") || input : input).insertAdjacentElement("afterend", text);
    }
    text.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
    field?.classList.add("has-error");
  } else {
    text?.remove();
    input.removeAttribute("aria-invalid");
    if (input.getAttribute("aria-describedby") === id) input.removeAttribute("aria-describedby");
    field?.classList.remove("has-error");
  }
}

// A form marked data-once cannot be submitted twice while the first submit is under way.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.hasAttribute("data-once") || event.defaultPrevented) return;
  if (form.dataset.submitting) { event.preventDefault(); return; }
  form.dataset.submitting = "1";
  form.querySelectorAll("button[type=submit]").forEach((b) => { b.setAttribute("aria-busy", "true"); });
});

// Relative times ("checked 5 minutes ago"). The server's text is the exact time with its zone
// ("Sat 28 Nov 2026, 14:14 UTC"): it stays as the title, shown on hover.
function relativeTime(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.sign(seconds), "minute");
}
function showRelativeTimes() {
  document.querySelectorAll("time[data-relative]").forEach((el) => {
    const date = new Date(el.getAttribute("datetime"));
    if (isNaN(date)) return;
    if (!el.dataset.exact) {
      el.dataset.exact = el.textContent.trim() || date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short", timeZoneName: "short" });
      el.title = el.dataset.exact;
    }
    el.textContent = relativeTime(date);
  });
}
showRelativeTimes();
setInterval(showRelativeTimes, 30000);

// On phones the navigation scrolls sideways: keep the current entry in view.
function showCurrentNavEntry() {
  const current = document.querySelector(".nav [aria-current=page]");
  const bar = current && current.closest("nav");
  if (!bar || bar.scrollWidth <= bar.clientWidth) return;
  const left = current.getBoundingClientRect().left - bar.getBoundingClientRect().left + bar.scrollLeft;
  bar.scrollLeft = left - (bar.clientWidth - current.offsetWidth) / 2;
}
showCurrentNavEntry();
window.addEventListener("resize", showCurrentNavEntry);

// ---------------------------------------------------------------------------------------------
// Availability: add and remove hours, copy Monday to every day, suggest the browser's zone.
// ---------------------------------------------------------------------------------------------
function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch { return ""; }
}

function hasOption(select, value) {
  return [...select.options].some((o) => o.value === value);
}

function intervalRow(day, start, end) {
  const key = day.dataset.day;
  const name = day.querySelector(".day-name > span").textContent.trim();
  const index = Number(day.dataset.nextIndex || 0);
  day.dataset.nextIndex = String(index + 1);
  const row = document.createElement("div");
  row.className = "interval";
  // Labels count the rows shown ("Monday from", "Monday from, interval 2"), not the field index.
  const position = day.querySelectorAll(".interval").length + 1;
  const input = (part, label, placeholder, value) => {
    const id = `${key}-${index}-${part}`;
    const l = document.createElement("label");
    l.className = "visually-hidden"; l.htmlFor = id; l.textContent = `${name} ${label}${position > 1 ? `, interval ${position}` : ""}`;
    const i = document.createElement("input");
    Object.assign(i, { id, name: `${key}.${index}.${part}`, type: "text", className: "time-input", placeholder, value, maxLength: 8, autocomplete: "off" });
    return [l, i];
  };
  const dash = document.createElement("span"); dash.textContent = "–"; dash.setAttribute("aria-hidden", "true");
  const remove = document.createElement("button");
  Object.assign(remove, { type: "button", className: "button small js-only", textContent: "Remove" });
  remove.dataset.removeRow = ""; remove.setAttribute("aria-label", `Remove these hours on ${name}`);
  row.append(...input("start", "from", "09:00", start), dash, ...input("end", "until", "17:00", end), remove);
  day.querySelector(".intervals").append(row);
  return row;
}

function refreshDay(day) {
  const open = day.querySelectorAll(".interval").length > 0;
  const closed = day.querySelector(".day-closed");
  if (closed) closed.hidden = open;
  const toggle = day.querySelector("[data-day-open]");
  if (toggle) toggle.checked = open;
}

// Each day's Open switch: off removes its hours (a closed day), on gives it 09:00–17:00.
document.addEventListener("change", (event) => {
  const toggle = event.target.closest("[data-day-open]");
  if (!toggle) return;
  const day = toggle.closest(".day");
  if (toggle.checked) {
    if (!day.querySelector(".interval")) intervalRow(day, "09:00", "17:00");
  } else {
    day.querySelectorAll(".interval").forEach((row) => row.remove());
  }
  refreshDay(day);
});

function isBlank(row) {
  return [...row.querySelectorAll("input")].every((i) => !i.value.trim());
}

document.querySelectorAll(".day[data-day]").forEach((day) => {
  // The spare empty row is for browsers without this file; here, "+ Add hours" adds rows.
  if (!day.classList.contains("has-error")) day.querySelectorAll(".interval").forEach((row) => { if (isBlank(row)) row.remove(); });
  refreshDay(day);
});
// The spare empty override row is for browsers without this file: here "+ Add a date override"
// adds rows, cloned from a blank copy kept aside.
const overrideTemplates = new WeakMap();
document.querySelectorAll(".overrides").forEach((list) => {
  const rows = [...list.querySelectorAll(".override")];
  const template = rows[rows.length - 1]?.cloneNode(true);
  if (template) overrideTemplates.set(list, template);
  rows.forEach((row) => { if (isBlank(row) && !row.classList.contains("has-error")) row.remove(); });
  list.querySelectorAll(".override").forEach(syncClosed);
});

// A date set to Closed has no hours: its From/Until are switched off (and not sent).
function syncClosed(row) {
  const kind = row.querySelector("select[name$='.kind']");
  if (!kind) return;
  row.querySelectorAll("input.time-input").forEach((input) => { input.disabled = kind.value === "closed"; });
}
document.addEventListener("change", (event) => {
  if (event.target.matches(".override select[name$='.kind']")) syncClosed(event.target.closest(".override"));
});

document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-interval]");
  if (add) {
    const day = add.closest(".day");
    intervalRow(day, "", "").querySelector("input").focus();
    refreshDay(day);
    return;
  }
  const remove = event.target.closest("[data-remove-row]");
  if (remove) {
    const row = remove.closest(".interval, .override");
    const day = remove.closest(".day");
    const fieldset = remove.closest("fieldset, section");
    row.remove();
    if (day) { refreshDay(day); day.querySelector("[data-add-interval]").focus(); }
    else if (fieldset) fieldset.querySelector("[data-add-override]")?.focus();
    return;
  }
  if (event.target.closest("[data-copy-monday]")) {
    const days = [...document.querySelectorAll(".day[data-day]")];
    const monday = days[0];
    const hours = [...monday.querySelectorAll(".interval")].map((row) => [...row.querySelectorAll("input")].map((i) => i.value))
      .filter(([start, end]) => start || end);
    days.slice(1).forEach((day) => {
      day.querySelectorAll(".interval").forEach((row) => row.remove());
      hours.forEach(([start, end]) => intervalRow(day, start, end));
      refreshDay(day);
    });
    const button = event.target.closest("[data-copy-monday]");
    const label = button.textContent;
    button.textContent = "Copied to every day";
    setTimeout(() => { button.textContent = label; }, 1500);
    return;
  }
  const addOverride = event.target.closest("[data-add-override]");
  if (addOverride) {
    const list = addOverride.closest("section").querySelector(".overrides");
    const template = overrideTemplates.get(list);
    const index = Number(list.dataset.nextIndex || 0);
    list.dataset.nextIndex = String(index + 1);
    let row;
    if (template) {
      row = template.cloneNode(true);
      row.classList.remove("has-error");
      row.querySelectorAll("[id]").forEach((e) => { e.id = e.id.replace(/^ov-\d+-/, `ov-${index}-`); });
      row.querySelectorAll("label[for]").forEach((e) => { e.htmlFor = e.htmlFor.replace(/^ov-\d+-/, `ov-${index}-`); });
      row.querySelectorAll("[name]").forEach((e) => { e.name = e.name.replace(/^ov\.\d+\./, `ov.${index}.`); if (e.tagName === "SELECT") e.value = "closed"; else e.value = ""; });
      list.append(row);
      syncClosed(row);
    } else {
      window.location.reload();
      return;
    }
    row.querySelector("input").focus();
  }
});

// Booking questions on the event type form: the spare empty row is for browsers without this
// file; here "+ Add a question" adds rows (cloned from a blank copy kept aside, at most 10), and
// the options show only for a choice.
const MAX_QUESTIONS = 10;
const questionTemplates = new WeakMap();
function syncQuestionKind(row) {
  const kind = row.querySelector("[data-question-kind]");
  const options = row.querySelector("[data-question-options]");
  if (!kind || !options) return;
  const choice = kind.value === "choice";
  options.hidden = !choice;
  options.querySelector("textarea").disabled = !choice;
}
function syncAddQuestion(list) {
  const add = list.parentElement.querySelector("[data-add-question]");
  if (add) add.hidden = list.querySelectorAll("[data-question]").length >= MAX_QUESTIONS;
}
function questionBlank(row) {
  return [...row.querySelectorAll("input[type=text], textarea")].every((i) => !i.value.trim());
}
// An empty copy of a row: no id, label, options or error; a short text, not required.
function blankQuestion(row) {
  const copy = row.cloneNode(true);
  copy.classList.remove("question-error");
  copy.querySelectorAll(".has-error").forEach((e) => e.classList.remove("has-error"));
  copy.querySelectorAll(".error-text").forEach((e) => e.remove());
  copy.querySelectorAll("[aria-invalid]").forEach((e) => { e.removeAttribute("aria-invalid"); e.removeAttribute("aria-describedby"); e.removeAttribute("autofocus"); });
  copy.querySelectorAll("input[type=hidden], input[type=text], textarea").forEach((e) => { e.value = ""; e.textContent = ""; });
  copy.querySelectorAll("input[type=checkbox]").forEach((e) => { e.checked = false; e.removeAttribute("checked"); });
  copy.querySelectorAll("select").forEach((e) => { e.value = "text"; });
  return copy;
}
document.querySelectorAll("[data-questions]").forEach((list) => {
  const rows = [...list.querySelectorAll("[data-question]")];
  if (rows.length) questionTemplates.set(list, blankQuestion(rows[0]));
  const spare = rows[rows.length - 1];
  if (spare && questionBlank(spare) && !spare.classList.contains("question-error")) spare.remove();
  // The server numbers rows 0, 1, …: new ones continue from the last kept.
  list.dataset.nextIndex = String(list.querySelectorAll("[data-question]").length);
  list.querySelectorAll("[data-question]").forEach(syncQuestionKind);
  syncAddQuestion(list);
});
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-question-kind]")) syncQuestionKind(event.target.closest("[data-question]"));
});
document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-question]");
  if (add) {
    const list = add.parentElement.querySelector("[data-questions]");
    const template = questionTemplates.get(list);
    if (!template) { window.location.reload(); return; }
    const index = Number(list.dataset.nextIndex || 0);
    list.dataset.nextIndex = String(index + 1);
    const row = template.cloneNode(true);
    row.querySelector("select").value = "text";
    row.querySelectorAll("[id]").forEach((e) => { e.id = e.id.replace(/^q-\d+-/, `q-${index}-`); });
    row.querySelectorAll("label[for]").forEach((e) => { e.htmlFor = e.htmlFor.replace(/^q-\d+-/, `q-${index}-`); });
    row.querySelectorAll("[name]").forEach((e) => { e.name = e.name.replace(/^q\.\d+\./, `q.${index}.`); });
    list.append(row);
    syncQuestionKind(row);
    syncAddQuestion(list);
    row.querySelector("input[type=text]").focus();
    return;
  }
  const remove = event.target.closest("[data-remove-question]");
  if (remove) {
    const list = remove.closest("[data-questions]");
    remove.closest("[data-question]").remove();
    syncAddQuestion(list);
    list.parentElement.querySelector("[data-add-question]")?.focus();
  }
});

document.querySelectorAll("select[data-suggest-browser-zone]").forEach((select) => {
  const zone = browserZone();
  if (!zone || zone === select.value || !hasOption(select, zone)) return;
  select.value = zone;
  const note = document.querySelector("[data-zone-suggestion]");
  if (note) note.textContent = `Suggested from your browser: ${zone}. Save to keep it.`;
});

// ---------------------------------------------------------------------------------------------
// Slot picker: a month of days with free times, in the invitee's zone; times as buttons.
// ---------------------------------------------------------------------------------------------
const pad = (n) => String(n).padStart(2, "0");
const isoDate = (y, m, d) => `${y}-${pad(m + 1)}-${pad(d)}`;
// Names and clocks as the page's language writes them (the browser's own CLDR data).
const dayName = (y, m, d, style) => new Intl.DateTimeFormat(LANG, { weekday: style, day: "numeric", month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(y, m, d)));
const monthName = (y, m) => new Intl.DateTimeFormat(LANG, { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m, 1)));
// 2024-01-01 was a Monday: the week's short names from Monday on.
const weekdays = () => [...Array(7).keys()].map((i) => new Intl.DateTimeFormat(LANG, { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + i))));

function todayIn(zone) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date());
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return { y: get("year"), m: get("month") - 1, d: get("day") };
}

/** `slot` (RFC 3339) as the page's language writes a time of day in `zone`. */
function clockTime(slot, zone) {
  try {
    return new Intl.DateTimeFormat(LANG, { hour: "numeric", minute: "2-digit", timeZone: zone }).format(new Date(slot));
  } catch {
    return slot.slice(11, 16);
  }
}

/** The zone's common name in the page's language ("Eastern Time"), "" when the browser has none. */
function zoneName(zone, at) {
  try {
    const name = new Intl.DateTimeFormat(LANG, { timeZone: zone, timeZoneName: "longGeneric" }).formatToParts(at)
      .find((p) => p.type === "timeZoneName")?.value || "";
    return /^(GMT|UTC)/.test(name) ? "" : name;
  } catch { return ""; }
}

function setupSlotPicker(picker) {
  const form = document.getElementById(picker.dataset.form);
  if (!form) return;
  const zoneSelect = picker.querySelector("[data-zone-select]");
  const calendar = picker.querySelector("[data-calendar]");
  const timesBox = picker.querySelector("[data-times]");
  const status = picker.querySelector("[data-slot-status]");
  const picked = form.querySelector("[data-picked]");
  const pickedText = form.querySelector("[data-picked-text]");
  // The list and the "Show times" button are for browsers without this file.
  picker.querySelector("[data-slot-fallback]")?.remove();
  picker.querySelector("[data-zone-submit]")?.remove();
  form.querySelectorAll("input[type=radio][name=start]").forEach((r) => r.remove());
  let start = form.querySelector("input[name=start]");
  if (!start) {
    start = document.createElement("input");
    Object.assign(start, { type: "hidden", name: "start" });
    form.prepend(start);
  }
  start.value = picker.dataset.selected || "";
  const zoneInput = form.querySelector("input[name=timezone]");
  if (!picker.hasAttribute("data-zone-chosen")) {
    const zone = browserZone();
    if (zone && hasOption(zoneSelect, zone)) zoneSelect.value = zone;
  }

  let zone = zoneSelect.value;
  let today = todayIn(zone);
  let month = { y: today.y, m: today.m };
  let slots = new Map();
  let selectedDay = start.value ? start.value.slice(0, 10) : null;
  let autoAdvanced = false;
  let request = 0;

  function showForm(show) {
    form.hidden = !show;
    if (picked) picked.hidden = !show;
  }
  showForm(Boolean(start.value));
  if (start.value && pickedText) pickedText.textContent = label(start.value);

  // "Tuesday, December 8, 9:30 AM (Eastern Time)": the zone by its common name, as the
  // confirmation and the mails write it (its IANA name where the browser has none).
  function label(slot) {
    const [y, m, d] = slot.slice(0, 10).split("-").map(Number);
    return `${dayName(y, m - 1, d, "long")}, ${clockTime(slot, zone)} (${zoneName(zone, new Date(slot)) || zone})`;
  }

  async function load() {
    const id = ++request;
    const last = new Date(Date.UTC(month.y, month.m + 1, 0)).getUTCDate();
    const from = isoDate(month.y, month.m, 1);
    const to = isoDate(month.y, month.m, last);
    calendar.setAttribute("aria-busy", "true");
    status.textContent = msg("loading");
    try {
      const response = await fetch(`${picker.dataset.slotsUrl}?from=${from}&to=${to}&timezone=${encodeURIComponent(zone)}`, { headers: { accept: "application/json" } });
      const body = await response.json();
      if (id !== request) return;
      if (!response.ok) throw new Error(body?.error?.message || msg("load-failed"));
      slots = new Map();
      for (const slot of body.slots) {
        const day = slot.slice(0, 10);
        if (!slots.has(day)) slots.set(day, []);
        slots.get(day).push(slot);
      }
      // An empty current month (late in the month, say) moves on to the next one, once.
      if (slots.size === 0 && !autoAdvanced && !body.notice && month.y === today.y && month.m === today.m) {
        autoAdvanced = true;
        month = month.m === 11 ? { y: month.y + 1, m: 0 } : { y: month.y, m: month.m + 1 };
        return load();
      }
      const monthText = monthName(month.y, month.m);
      status.textContent = body.notice || (slots.size ? msg("days-free", { count: slots.size, month: monthText }) : msg("no-days", { month: monthText }));
      render();
    } catch (error) {
      if (id !== request) return;
      status.textContent = "";
      const message = document.createElement("span");
      message.textContent = `${msg("load-failed")} `;
      const retry = document.createElement("button");
      Object.assign(retry, { type: "button", className: "button small", textContent: msg("try-again") });
      retry.addEventListener("click", load);
      status.append(message, retry);
    } finally {
      if (id === request) calendar.removeAttribute("aria-busy");
    }
  }

  function render() {
    calendar.replaceChildren();
    const head = document.createElement("div");
    head.className = "calendar-head";
    const title = document.createElement("h3");
    title.textContent = monthName(month.y, month.m);
    title.id = `${form.id}-month`;
    const nav = (text, aria, delta, disabled) => {
      const b = document.createElement("button");
      Object.assign(b, { type: "button", className: "button small", textContent: text, disabled });
      b.setAttribute("aria-label", aria);
      b.addEventListener("click", () => {
        const m = month.m + delta;
        month = { y: month.y + Math.floor(m / 12), m: ((m % 12) + 12) % 12 };
        selectedDay = null;
        timesBox.replaceChildren();
        load();
      });
      return b;
    };
    const atStart = month.y === today.y && month.m === today.m;
    head.append(nav("‹", msg("prev-month"), -1, atStart), title, nav("›", msg("next-month"), 1, false));
    const grid = document.createElement("div");
    grid.className = "calendar-grid";
    grid.setAttribute("role", "group");
    grid.setAttribute("aria-labelledby", title.id);
    for (const w of weekdays()) {
      const h = document.createElement("span");
      h.className = "weekday"; h.textContent = w; h.setAttribute("aria-hidden", "true");
      grid.append(h);
    }
    const first = (new Date(Date.UTC(month.y, month.m, 1)).getUTCDay() + 6) % 7;
    for (let i = 0; i < first; i++) grid.append(document.createElement("span"));
    const last = new Date(Date.UTC(month.y, month.m + 1, 0)).getUTCDate();
    for (let d = 1; d <= last; d++) {
      const date = isoDate(month.y, month.m, d);
      const times = slots.get(date);
      if (times) {
        const b = document.createElement("button");
        Object.assign(b, { type: "button", className: "day-button", textContent: String(d) });
        b.dataset.date = date;
        b.setAttribute("aria-label", msg("day-times", { day: dayName(month.y, month.m, d, "long"), count: times.length }));
        b.setAttribute("aria-pressed", String(date === selectedDay));
        b.addEventListener("click", () => { selectedDay = date; render(); renderTimes(true); });
        grid.append(b);
      } else {
        const s = document.createElement("span");
        s.className = "day-off"; s.textContent = String(d);
        grid.append(s);
      }
    }
    calendar.append(head, grid);
    rovingDays(grid);
    if (!selectedDay && !timesBox.hasChildNodes()) {
      const hint = document.createElement("p");
      hint.className = "times-hint muted";
      hint.textContent = msg("pick-day");
      timesBox.append(hint);
    }
    if (selectedDay && slots.has(selectedDay)) renderTimes(false);
  }

  // The days are one Tab stop (the ARIA date grid's roving tabindex): the chosen day, else the
  // first free one; arrows move a day or a week, Home/End to the first and last free day,
  // Page Up/Down to the months around.
  function rovingDays(grid) {
    const days = [...grid.querySelectorAll(".day-button")];
    if (!days.length) return;
    const current = days.find((b) => b.dataset.date === selectedDay) || days[0];
    days.forEach((b) => { b.tabIndex = b === current ? 0 : -1; });
    const move = (to) => {
      if (!to) return;
      days.forEach((b) => { b.tabIndex = b === to ? 0 : -1; });
      to.focus();
    };
    // The free day `step` days away, else the nearest free one beyond it in that direction.
    const by = (from, step) => {
      const at = Date.parse(`${from.dataset.date}T00:00:00Z`);
      const target = at + step * 86400000;
      const later = step > 0;
      const candidates = days.filter((b) => {
        const t = Date.parse(`${b.dataset.date}T00:00:00Z`);
        return later ? t >= target : t <= target;
      });
      return later ? candidates[0] : candidates[candidates.length - 1];
    };
    grid.addEventListener("keydown", (event) => {
      const from = event.target.closest(".day-button");
      if (!from) return;
      const keys = {
        ArrowRight: () => by(from, 1), ArrowLeft: () => by(from, -1),
        ArrowDown: () => by(from, 7), ArrowUp: () => by(from, -7),
        Home: () => days[0], End: () => days[days.length - 1],
      };
      if (keys[event.key]) {
        event.preventDefault();
        move(keys[event.key]());
      } else if (event.key === "PageDown" || event.key === "PageUp") {
        event.preventDefault();
        const button = calendar.querySelector(`button[aria-label='${event.key === "PageDown" ? "Next month" : "Previous month"}']`);
        if (button && !button.disabled) button.click();
      }
    });
  }

  function renderTimes(focus) {
    timesBox.replaceChildren();
    const times = slots.get(selectedDay) || [];
    const [y, m, d] = selectedDay.split("-").map(Number);
    const heading = document.createElement("h3");
    heading.textContent = dayName(y, m - 1, d, "long");
    const list = document.createElement("div");
    list.className = "time-list";
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", msg("times-on", { day: heading.textContent, zone }));
    for (const slot of times) {
      const b = document.createElement("button");
      // In the viewer's own clock: 12-hour where their locale uses it ("9:30 AM"), else 24-hour.
      Object.assign(b, { type: "button", className: "time-button", textContent: clockTime(slot, zone) });
      b.dataset.start = slot;
      b.setAttribute("aria-pressed", String(slot === start.value));
      b.addEventListener("click", () => pick(slot));
      list.append(b);
    }
    const more = document.createElement("p");
    more.className = "more-times";
    more.setAttribute("aria-hidden", "true");
    more.textContent = msg("more-below");
    timesBox.append(heading, list, more);
    const cue = () => {
      const hidden = list.scrollHeight - list.clientHeight - list.scrollTop > 4;
      list.classList.toggle("has-more", hidden);
      more.hidden = !hidden;
    };
    list.addEventListener("scroll", cue, { passive: true });
    cue();
    if (focus) list.querySelector("button")?.focus();
  }

  function pick(slot) {
    start.value = slot;
    timesBox.querySelectorAll(".time-button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.start === slot)));
    if (pickedText) pickedText.textContent = label(slot);
    showForm(true);
    const next = form.querySelector("input:not([type=hidden]), textarea, button[type=submit]");
    next?.focus();
    form.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  form.querySelector("[data-change-pick]")?.addEventListener("click", () => {
    start.value = "";
    showForm(false);
    (timesBox.querySelector(".time-button") || calendar.querySelector(".day-button"))?.focus();
  });

  zoneSelect.addEventListener("change", () => {
    zone = zoneSelect.value;
    if (zoneInput) zoneInput.value = zone;
    today = todayIn(zone);
    start.value = "";
    // The picked day stays picked: its times are shown again in the new zone.
    showForm(false);
    timesBox.replaceChildren();
    if (selectedDay) {
      const [y, m] = selectedDay.split("-").map(Number);
      month = { y, m: m - 1 };
    }
    load();
  });
  if (zoneInput) zoneInput.value = zone;
  if (selectedDay) {
    const [y, m] = selectedDay.split("-").map(Number);
    month = { y, m: m - 1 };
  }
  load();
}
document.querySelectorAll("[data-slot-picker]").forEach(setupSlotPicker);

// The confirmation fills in the Zoom link without a reload once Zoom has created the meeting.
document.querySelectorAll("[data-poll-booking]").forEach((pending) => {
  const url = pending.dataset.pollBooking;
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { accept: "application/json" } });
      if (response.ok) {
        const zoom = (await response.json()).meeting?.zoom;
        if (zoom && zoom.status === "created" && zoom.join_url) {
          const link = document.createElement("a");
          Object.assign(link, { id: "join-link", className: "button primary", href: zoom.join_url, textContent: msg("join-zoom"), target: "_blank", rel: "noopener" });
          const box = document.createElement("p");
          box.setAttribute("role", "status");
          box.append(link);
          pending.replaceWith(box);
          if (zoom.passcode) {
            const code = document.createElement("p");
            code.className = "muted";
            code.textContent = msg("passcode", { passcode: zoom.passcode });
            box.after(code);
          }
          return;
        }
        if (zoom && (zoom.status === "failed" || zoom.status === "deleted")) {
          pending.textContent = msg("zoom-failed");
          return;
        }
      }
    } catch { /* offline for a moment: try again */ }
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
});

// New event type: the link follows the title until someone edits the link itself.
document.querySelectorAll("[data-slug-source]").forEach((title) => {
  const slug = document.querySelector(title.dataset.slugSource);
  if (!slug) return;
  let follows = !slug.value;
  slug.addEventListener("input", () => { follows = false; });
  title.addEventListener("input", () => {
    if (!follows) return;
    slug.value = title.value.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
  });
});

// Meeting details: recordings Zoom announces (webhook) appear without a refresh. The check reads
// Prospo's record only (`?live=false`), never Zoom; new files reload the section.
(() => {
  const section = document.querySelector("#recordings[data-meeting]");
  if (!section) return;
  const shown = Number(section.dataset.count || 0);
  const check = async () => {
    try {
      const answer = await fetch(`/api/v1/meetings/${section.dataset.meeting}?live=false`, { credentials: "same-origin" });
      if (!answer.ok) return;
      const meeting = await answer.json();
      if ((meeting.recording_files || []).length > shown) window.location.reload();
    } catch (_) { /* offline for a moment: try again later */ }
  };
  setInterval(check, 10000);
})();

// Settings → Calendars: a CalDAV preset fills the address (unless the host typed their own) and
// shows its hint.
document.querySelectorAll("select[data-preset-target]").forEach((select) => {
  const input = document.querySelector(select.dataset.presetTarget);
  const help = document.getElementById("preset-help");
  const presetUrls = [...select.options].map((o) => o.dataset.url).filter(Boolean);
  select.addEventListener("change", () => {
    const option = select.selectedOptions[0];
    if (input && (input.value === "" || presetUrls.includes(input.value))) input.value = option.dataset.url || "";
    if (help) help.textContent = option.dataset.help || "";
  });
});

// Calendar colours as the server gave them (`#RRGGBB` or `#RRGGBBAA`); set here because the page
// policy allows no inline styles.
document.querySelectorAll(".calendar-dot[data-color]").forEach((dot) => {
  const color = dot.dataset.color;
  if (/^#[0-9a-f]{6}([0-9a-f]{2})?$/i.test(color)) dot.style.setProperty("--dot", color.slice(0, 7));
});

// Phones: the main navigation behind a Menu button (Escape closes it and returns focus).
document.querySelectorAll("[data-nav-toggle]").forEach((toggle) => {
  const bar = toggle.closest(".sidebar");
  const set = (open) => {
    bar.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Close" : "Menu";
  };
  toggle.addEventListener("click", () => set(!bar.classList.contains("nav-open")));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && bar.classList.contains("nav-open")) {
      set(false);
      toggle.focus();
    }
  });
});

// Time zone pickers: each zone named as people know it, with its offset and the time there now
// ("Eastern Time – New York · UTC−5 · 9:41 AM", from the browser's own CLDR data), and a search
// box that narrows the list. The values stay IANA names, so forms post what they always did.
function zoneLabel(zone, now) {
  const part = (options) => {
    try {
      return new Intl.DateTimeFormat(LANG, { timeZone: zone, ...options }).formatToParts(now)
        .find((p) => p.type === "timeZoneName")?.value || "";
    } catch { return ""; }
  };
  // "GMT-05:00" → "UTC−5", "GMT+05:30" → "UTC+5:30", "GMT" → "UTC".
  const offset = part({ timeZoneName: "longOffset" }).replace(/^GMT/, "UTC").replace(/:00$/, "")
    .replace(/([+-])0(\d)/, "$1$2").replace("-", "−").replace(/^UTC\+0$/, "UTC") || "UTC";
  let generic = part({ timeZoneName: "longGeneric" });
  if (/^GMT|^UTC/.test(generic)) generic = "";
  const city = zone.split("/").pop().replaceAll("_", " ");
  let time = "";
  try { time = new Intl.DateTimeFormat(LANG, { timeZone: zone, hour: "numeric", minute: "2-digit" }).format(now); } catch { /* unknown here */ }
  const name = generic && generic !== city ? `${generic} – ${city}` : city;
  return [name, name === offset ? "" : offset, time].filter(Boolean).join(" · ");
}

document.querySelectorAll("select[name=timezone]").forEach((select) => {
  const now = new Date();
  for (const option of select.options) {
    // The value may be only the text (the booking page sends it so): pinned before relabelling.
    const zone = option.value;
    option.value = zone;
    option.textContent = zoneLabel(zone, now);
    option.title = zone;
  }
  const search = document.createElement("input");
  Object.assign(search, { type: "search", className: "zone-search", placeholder: msg("zone-search"), autocomplete: "off" });
  search.setAttribute("aria-label", msg("zone-search-label"));
  search.setAttribute("aria-controls", select.id);
  select.before(search);
  const filter = () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let first = null;
    for (const option of select.options) {
      const text = `${option.textContent} ${option.value}`.toLowerCase().replaceAll("_", " ");
      const match = words.every((w) => text.includes(w));
      option.hidden = !match && !option.selected;
      if (match && !first) first = option;
    }
    return first;
  };
  search.addEventListener("input", filter);
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const first = filter();
    if (first && first.value !== select.value) {
      select.value = first.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    select.focus();
  });
});
