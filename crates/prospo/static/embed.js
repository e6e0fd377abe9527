// Prospo embed: a booking page on any website. No dependencies; include it once:
//
//   <script src="https://prospo.example/embed.js" defer></script>
//   <div data-prospo-inline data-prospo-url="https://prospo.example/alice/intro"></div>
//   <div data-prospo-popup data-prospo-url="https://prospo.example/alice/intro" data-prospo-text="Book a call"></div>
//   <a href="https://prospo.example/alice/intro" data-prospo-open="https://prospo.example/alice/intro">Talk to us</a>
//
// Options on any of these: data-prospo-theme="light|dark|auto", data-prospo-hide-details (hides the
// event's description), data-prospo-title (the frame's accessible name). When the invitee books,
// the element gets a "prospo:booked" CustomEvent (detail: {start, manage_url}) that bubbles up to
// document. The page is shown only on sites its host lists under Settings → Profile → Embed.
(() => {
  "use strict";
  if (window.prospoEmbed) return;
  const script = document.currentScript;
  const prospo = new URL(script && script.src ? script.src : location.href).origin;
  /** Every frame this script made: {iframe, owner, popup}. */
  let frames = [];
  let popup = null;

  // The page's address in the frame: this Prospo's pages only, with the embedding options.
  function frameUrl(raw, owner) {
    let url;
    try { url = new URL(raw || "", prospo); } catch { return null; }
    if (url.origin !== prospo) return null;
    url.searchParams.set("embed", "1");
    url.searchParams.set("embed_origin", location.origin);
    const theme = owner.dataset.prospoTheme;
    if (theme === "light" || theme === "dark") url.searchParams.set("theme", theme);
    if (owner.hasAttribute("data-prospo-hide-details") && owner.dataset.prospoHideDetails !== "false") {
      url.searchParams.set("hide_details", "1");
    }
    return url.href;
  }

  function refuse(owner) {
    console.warn("Prospo embed: data-prospo-url must be a page of " + prospo, owner);
  }

  function makeFrame(src, owner, inPopup) {
    const iframe = document.createElement("iframe");
    iframe.src = src;
    iframe.title = owner.dataset.prospoTitle || "Booking page";
    iframe.allow = "clipboard-write";
    iframe.style.cssText = "display:block;width:100%;border:0;background:transparent;" +
      (inPopup ? "flex:1 1 auto;height:100%;" : "height:640px;");
    frames.push({ iframe, owner, popup: inPopup });
    return iframe;
  }

  function inline(owner) {
    const src = frameUrl(owner.dataset.prospoUrl, owner);
    if (!src) return refuse(owner);
    owner.replaceChildren(makeFrame(src, owner, false));
  }

  function popupButton(owner) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = owner.dataset.prospoText || "Book a meeting";
    button.style.cssText = "font:inherit;font-weight:600;padding:10px 18px;border:0;border-radius:8px;" +
      "background:#1d4ed8;color:#fff;cursor:pointer;";
    button.addEventListener("click", () => open(owner.dataset.prospoUrl, owner, button));
    owner.replaceChildren(button);
  }

  // The pop-up: a modal dialog (focus stays inside; Escape, the close button or a click beside
  // it closes it) whose frame fills most of the window; focus then returns to what opened it.
  function open(raw, owner, opener) {
    if (popup) return;
    const src = frameUrl(raw, owner);
    if (!src) return refuse(owner);
    const dark = owner.dataset.prospoTheme === "dark";
    const dialog = document.createElement("dialog");
    dialog.setAttribute("aria-label", owner.dataset.prospoTitle || "Booking page");
    dialog.style.cssText = "position:fixed;inset:0;width:100%;height:100%;max-width:none;max-height:none;" +
      "margin:0;padding:0;border:0;background:rgba(15,18,22,.6);";
    const panel = document.createElement("div");
    panel.style.cssText = "position:absolute;inset:0;margin:auto;display:flex;flex-direction:column;" +
      "width:min(1080px,calc(100% - 24px));height:min(820px,calc(100% - 24px));border-radius:12px;overflow:hidden;" +
      "box-shadow:0 12px 48px rgba(0,0,0,.35);background:" + (dark ? "#0f1216" : "#f7f8fa") + ";";
    const bar = document.createElement("div");
    bar.style.cssText = "display:flex;justify-content:flex-end;padding:6px;flex:0 0 auto;";
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Close");
    close.style.cssText = "width:36px;height:36px;padding:0;border:0;border-radius:50%;cursor:pointer;" +
      "font:24px/36px system-ui,sans-serif;background:" + (dark ? "#2a3038;color:#e8ebef" : "#dde1e7;color:#14171c") + ";";
    close.addEventListener("click", shut);
    bar.append(close);
    panel.append(bar, makeFrame(src, owner, true));
    dialog.append(panel);
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); shut(); });
    dialog.addEventListener("click", (event) => { if (event.target === dialog) shut(); });
    document.body.append(dialog);
    dialog.showModal();
    close.focus();
    popup = { dialog, opener };
  }

  function shut() {
    if (!popup) return;
    const { dialog, opener } = popup;
    popup = null;
    frames = frames.filter((f) => !dialog.contains(f.iframe));
    dialog.close();
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
  }

  // Messages from the frames: only from this Prospo, only from a frame this script made.
  window.addEventListener("message", (event) => {
    if (event.origin !== prospo || !event.data || typeof event.data.type !== "string") return;
    frames = frames.filter((f) => f.iframe.isConnected);
    const frame = frames.find((f) => f.iframe.contentWindow === event.source);
    if (!frame) return;
    const message = event.data;
    if (message.type === "prospo:resize" && !frame.popup && Number.isFinite(message.height)) {
      frame.iframe.style.height = Math.min(Math.max(Math.ceil(message.height), 120), 20000) + "px";
    } else if (message.type === "prospo:booked") {
      const detail = { start: String(message.start || ""), manage_url: String(message.manage_url || "") };
      frame.owner.dispatchEvent(new CustomEvent("prospo:booked", { detail, bubbles: true }));
    } else if (message.type === "prospo:close" && frame.popup) {
      shut();
    }
  });

  // Any element with data-prospo-open opens the pop-up, by click or (when it is not a link or
  // a button already) by Enter or Space.
  document.addEventListener("click", (event) => {
    const trigger = event.target instanceof Element && event.target.closest("[data-prospo-open]");
    if (!trigger) return;
    event.preventDefault();
    open(trigger.dataset.prospoOpen, trigger, trigger);
  });
  document.addEventListener("keydown", (event) => {
    const trigger = event.target instanceof Element && event.target.closest("[data-prospo-open]");
    if (!trigger || trigger.matches("a[href], button") || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    open(trigger.dataset.prospoOpen, trigger, trigger);
  });

  function scan() {
    for (const owner of document.querySelectorAll("[data-prospo-inline]:not([data-prospo-ready])")) {
      owner.setAttribute("data-prospo-ready", "");
      inline(owner);
    }
    for (const owner of document.querySelectorAll("[data-prospo-popup]:not([data-prospo-ready])")) {
      owner.setAttribute("data-prospo-ready", "");
      popupButton(owner);
    }
    for (const trigger of document.querySelectorAll("[data-prospo-open]:not(a[href], button, [tabindex])")) {
      trigger.tabIndex = 0;
      trigger.setAttribute("role", "button");
    }
  }

  // For pages that add embeds after loading: window.prospoEmbed.scan().
  window.prospoEmbed = { scan };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
