// A page inside another site (?embed=1): tells the embedding page (embed.js) its height, that a
// booking was made, and that Escape was pressed (to close a pop-up). Messages go only to the
// origin the server checked against the host's embed_origins (never "*"); without one, nothing
// is sent.
(() => {
  "use strict";
  const data = document.getElementById("prospo-embed");
  const parentOrigin = data && data.dataset.parentOrigin;
  if (!parentOrigin || window.parent === window) return;
  const post = (message) => window.parent.postMessage(message, parentOrigin);

  // The height of the content (not of the frame, which would never let it shrink).
  let reported = 0;
  const reportHeight = () => {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height !== reported) {
      reported = height;
      post({ type: "prospo:resize", height });
    }
  };
  new ResizeObserver(reportHeight).observe(document.body);
  reportHeight();

  if (data.dataset.bookedStart) {
    post({ type: "prospo:booked", start: data.dataset.bookedStart, manage_url: data.dataset.bookedManageUrl });
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) post({ type: "prospo:close" });
  });
})();
