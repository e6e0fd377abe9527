// Small progressive enhancements; every form works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  navigator.clipboard.writeText(source.value ?? source.textContent).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
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
