// DigiBridge widget: one <script> tag puts a chat button in a corner of any page, opening
// the gateway's chat page in a frame.
//
//   <script src="https://HOST/static/widget.js" data-language="fr" data-position="right"
//           data-title="Ask DigiBridge" defer></script>
//
// The widget first asks the gateway for its labels (GET /api/ui, a CORS request): the
// gateway answers only sites listed in DIGIBRIDGE_WEB_ALLOWED_ORIGINS, so elsewhere no button
// appears (and the page refuses to be framed there anyway: CSP frame-ancestors). Styles are
// set through the DOM inside a shadow root: nothing inline for the host page's CSP to
// refuse, nothing of the host page's CSS leaking in.
"use strict";

(() => {
  const script = document.currentScript;
  if (!script || window.__digibridgeWidget) return;
  window.__digibridgeWidget = true;

  const gateway = new URL(script.src, location.href).origin;
  const options = {
    language: (script.dataset.language || "").slice(0, 35),
    position: script.dataset.position === "left" ? "left" : "right",
    title: (script.dataset.title || "DigiBridge").slice(0, 80),
  };

  function style(element, properties) {
    Object.assign(element.style, properties);
    return element;
  }

  function build(ui) {
    const host = document.createElement("div");
    host.id = "digibridge-widget";
    const root = host.attachShadow({ mode: "open" });
    const side = options.position;
    const font = [
      "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans'",
      "'Noto Sans CJK SC', 'Noto Sans Arabic', sans-serif",
    ].join(", ");

    const button = style(document.createElement("button"), {
      position: "fixed",
      bottom: "1rem",
      [side]: "1rem",
      zIndex: "2147483000",
      minHeight: "3rem",
      padding: "0.5rem 1.25rem",
      borderRadius: "1.5rem",
      border: "2px solid #ffffff",
      background: "#1d4ed8",
      color: "#ffffff",
      font: `600 1rem/1.2 ${font}`,
      boxShadow: "0 2px 8px rgba(0, 0, 0, 0.35)",
      cursor: "pointer",
    });
    button.type = "button";
    button.lang = ui.language;
    button.dir = ui.dir;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "digibridge-panel");
    button.textContent = ui.texts.WIDGET_OPEN;

    const panel = style(document.createElement("div"), {
      position: "fixed",
      bottom: "4.75rem",
      [side]: "1rem",
      zIndex: "2147483000",
      width: "min(26rem, calc(100vw - 2rem))",
      height: "min(40rem, calc(100vh - 6.5rem))",
      border: "1px solid #767f8c",
      borderRadius: "0.75rem",
      overflow: "hidden",
      background: "#ffffff",
      boxShadow: "0 4px 24px rgba(0, 0, 0, 0.3)",
      display: "none",
    });
    panel.id = "digibridge-panel";
    let frame = null;

    function open() {
      if (!frame) {
        frame = style(document.createElement("iframe"), {
          width: "100%",
          height: "100%",
          border: "0",
          display: "block",
        });
        const query = new URLSearchParams({
          embed: "1",
          language: ui.language,
          title: options.title,
        });
        frame.src = `${gateway}/?${query}`;
        frame.title = options.title;
        frame.setAttribute(
          "sandbox",
          "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox",
        );
        panel.append(frame);
        frame.addEventListener("load", () => frame.focus(), { once: true });
      }
      panel.style.display = "block";
      button.setAttribute("aria-expanded", "true");
      button.textContent = ui.texts.WIDGET_CLOSE;
      frame.focus();
    }

    function close() {
      panel.style.display = "none";
      button.setAttribute("aria-expanded", "false");
      button.textContent = ui.texts.WIDGET_OPEN;
      button.focus();
    }

    button.addEventListener("click", () => (panel.style.display === "none" ? open() : close()));
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && panel.style.display !== "none") close();
    });
    window.addEventListener("message", (event) => {
      const fromChat = frame && event.source === frame.contentWindow && event.origin === gateway;
      if (fromChat && event.data && event.data.type === "digibridge:close") close();
    });
    root.append(button, panel);
    document.body.append(host);
  }

  function start() {
    const query = options.language ? `?language=${encodeURIComponent(options.language)}` : "";
    fetch(`${gateway}/api/ui${query}`, { mode: "cors", credentials: "omit" })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json();
      })
      .then(build)
      .catch(() => {
        console.warn(
          `DigiBridge: the chat at ${gateway} does not allow ${location.origin} to embed it ` +
            "(see DIGIBRIDGE_WEB_ALLOWED_ORIGINS), or cannot be reached.",
        );
      });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
