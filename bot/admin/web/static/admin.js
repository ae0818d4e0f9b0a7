// The answer editor: placeholders from a list, and a live preview as the answer will look
// in the web chat and on Telegram (checked by the server's own validator). Text is only
// ever set with textContent, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var text = document.getElementById("text");
  var timer = null;

  document.querySelectorAll("button.placeholder").forEach(function (button) {
    button.addEventListener("click", function () {
      var at = text.selectionStart || text.value.length;
      var name = button.getAttribute("data-insert");
      text.value = text.value.slice(0, at) + name + text.value.slice(text.selectionEnd || at);
      text.focus();
      schedule();
    });
  });

  function bubble(id, parts, buttons) {
    var box = document.getElementById(id);
    box.textContent = "";
    parts.forEach(function (part) {
      var p = document.createElement("div");
      p.textContent = part;
      box.appendChild(p);
    });
    var row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach(function (title) {
      var b = document.createElement("span");
      b.textContent = title;
      row.appendChild(b);
    });
    box.appendChild(row);
  }

  function refresh() {
    var body = {
      title: document.getElementById("title").value,
      text: text.value,
      more: document.getElementById("more").value
    };
    fetch(form.getAttribute("data-preview"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); }).then(function (shown) {
      if (!shown.web) { return; }
      bubble("preview-web", [shown.web.text], shown.web.buttons);
      bubble("preview-telegram", shown.telegram.messages, shown.telegram.buttons);
      var list = document.getElementById("preview-problems");
      list.textContent = "";
      shown.problems.forEach(function (problem) {
        var li = document.createElement("li");
        li.className = "problem";
        li.textContent = problem.message;
        list.appendChild(li);
      });
    }).catch(function () {});
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  form.addEventListener("input", schedule);
  refresh();
})();

// The publish in progress: its stage, progress and message, read every second from the API
// until it ends; then the page reloads to show the registry as it now is.
(function () {
  "use strict";
  var box = document.getElementById("publish-job");
  if (!box) { return; }
  var state = document.getElementById("publish-state");
  var bar = document.getElementById("publish-progress");
  var message = document.getElementById("publish-message");
  var names = JSON.parse(box.getAttribute("data-state-names") || "{}");
  var shown = state.textContent;
  function poll() {
    fetch(box.getAttribute("data-url"), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (!job.state) { return; }
        state.textContent = names[job.state] || job.state;
        bar.value = job.progress;
        bar.textContent = Math.round(job.progress * 100) + "%";
        message.textContent = job.message;
        if (job.state === "done" || job.state === "failed") {
          if (shown !== state.textContent) { window.location.reload(); }
          return;
        }
        shown = "";
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();

// The trainer's live view: its live part is fetched again every few seconds (rendered and
// escaped by the server) and put in place as parsed nodes.
(function () {
  "use strict";
  var box = document.getElementById("workshop-live");
  if (!box) { return; }
  var every = (parseInt(box.getAttribute("data-refresh"), 10) || 3) * 1000;
  function poll() {
    fetch(box.getAttribute("data-url"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector(".workshop-live");
        var old = box.querySelector(".workshop-live");
        if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
      })
      .catch(function () { return undefined; })
      .then(function () { setTimeout(poll, every); });
  }
  setTimeout(poll, every);
})();
