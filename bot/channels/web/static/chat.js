// DigiBridge web chat: a client of /api/ui, /api/chat, /api/history, /api/inbox,
// /api/speech, /api/voice and /api/forget. The session id travels only in POST bodies, never in a URL.
// Whatever comes from the server or the user is inserted as text (textContent), never as
// HTML; only http, https, mailto and tel addresses become links. No words are written here:
// the interface text comes from the server's gettext catalogues (/api/ui).
"use strict";

(() => {
  const KEYS = {
    sender: "digibridge.sender",
    language: "digibridge.language",
    textSize: "digibridge.textSize",
    ui: "digibridge.ui",
  };
  const TEXT_SIZES = ["100", "125", "150", "200"];
  const SENDER_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;
  const LINK_PATTERN = /(?:https?:\/\/|mailto:|tel:)[^\s<>"'`]+/gi;
  const LINK_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:"]);
  const TRAILING_PUNCTUATION = /[.,;:!?'"»)\]}。，、；：！？）」』]+$/u;
  const REQUEST_TIMEOUT_MS = 30000;
  const INBOX_INTERVAL_MS = 15000;
  const WORKSHOP_INBOX_INTERVAL_MS = 3000; // the trainer's next lesson arrives quickly
  const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];
  const RETRIED_STATUSES = new Set([429, 502, 503, 504]);

  const params = new URLSearchParams(location.search);
  const embedded = params.get("embed") === "1" && window.parent !== window;
  const byId = (id) => document.getElementById(id);
  const els = {
    title: byId("title"),
    language: byId("language"),
    textSize: byId("text-size"),
    voice: byId("voice"),
    newConversation: byId("new-conversation"),
    erase: byId("erase"),
    messages: byId("messages"),
    list: byId("message-list"),
    status: byId("status"),
    retrying: byId("retrying"),
    composer: byId("composer"),
    input: byId("input"),
    dialog: byId("confirm-erase"),
    confirmYes: byId("confirm-erase-yes"),
    confirmNo: byId("confirm-erase-no"),
  };

  // localStorage, or memory where the browser refuses it (private modes, blocked frames).
  const memory = new Map();
  const storage = {
    get(key) {
      try {
        return localStorage.getItem(key);
      } catch {
        return memory.has(key) ? memory.get(key) : null;
      }
    },
    set(key, value) {
      try {
        localStorage.setItem(key, value);
      } catch {
        memory.set(key, value);
      }
    },
    remove(key) {
      memory.delete(key);
      try {
        localStorage.removeItem(key);
      } catch {
        // nothing stored there
      }
    },
  };

  let ui = null; // the /api/ui answer in the current language
  let sender = storedSender() || newSender();
  let generation = 0; // bumped by "New conversation" and "Erase my data"
  let queue = Promise.resolve();
  let waiting = 0; // chat requests not yet answered
  let problem = ""; // why the server can't be reached right now, shown until it can
  let retryLoops = 0; // requests waiting to be tried again
  const wakers = new Set(); // end retry waits early when the browser is back online
  let pendingLanguage = null; // picked with the arrow keys, applied on Enter or leaving
  let languageKeyAt = 0;

  const t = (name) => (ui && ui.texts[name]) || "";

  // --- session id: 128 random bits, base64url (22 characters) ---

  function storedSender() {
    const value = storage.get(KEYS.sender);
    return value && SENDER_PATTERN.test(value) ? value : null;
  }

  function newSender() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    const id = btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    storage.set(KEYS.sender, id);
    return id;
  }

  // --- talking to the gateway ---

  async function request(path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(path, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "same-origin",
        signal: controller.signal,
      });
      let data = null;
      try {
        data = await response.json();
      } catch {
        data = null;
      }
      const retryAfter = Number(response.headers.get("Retry-After")) || 0;
      return { status: response.status, ok: response.ok, data, retryAfter };
    } finally {
      clearTimeout(timer);
    }
  }

  function errorText(result) {
    return (result && result.data && result.data.error && result.data.error.message) || "";
  }

  function sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      }
      wakers.add(done);
    });
  }

  // Tries until the server answers with something other than "unavailable" or "too fast",
  // showing the problem and "Retrying…" meanwhile; the wait grows, and ends early when the
  // browser says it is back online.
  async function withRetry(attempt) {
    let retrying = false;
    try {
      for (let tries = 0; ; tries += 1) {
        let result = null;
        try {
          result = await attempt();
        } catch {
          result = null; // unreachable, or no answer in time
        }
        if (result && !RETRIED_STATUSES.has(result.status)) {
          setProblem("");
          return result;
        }
        if (!retrying) {
          retrying = true;
          retryLoops += 1;
        }
        setProblem(errorText(result) || t("WEB_OFFLINE") || "\u26a0");
        const delay =
          result && result.status === 429
            ? Math.max(1000, result.retryAfter * 1000)
            : RETRY_DELAYS_MS[Math.min(tries, RETRY_DELAYS_MS.length - 1)];
        await sleep(delay);
      }
    } finally {
      if (retrying) retryLoops -= 1;
      refreshStatus();
    }
  }

  // --- the interface text, language and direction ---

  async function loadUi(language) {
    const query = language ? `?language=${encodeURIComponent(language)}` : "";
    const result = await withRetry(() => request(`/api/ui${query}`));
    if (result.ok && result.data) applyUi(result.data);
  }

  function applyUi(data) {
    ui = data;
    const root = document.documentElement;
    root.lang = data.language;
    root.dir = data.dir;
    for (const el of document.querySelectorAll("[data-text]")) el.textContent = t(el.dataset.text);
    for (const el of els.list.querySelectorAll("[data-who]")) {
      el.textContent = whoLabel(el.dataset.who);
    }
    els.input.placeholder = t("WEB_INPUT");
    els.input.maxLength = data.max_message_chars || 2000;
    els.messages.setAttribute("aria-label", t("WEB_CONVERSATION"));
    els.language.replaceChildren(
      ...data.languages.map((entry) => {
        const option = new Option(entry.name, entry.code, false, entry.code === data.language);
        option.lang = entry.code;
        option.dir = entry.dir;
        return option;
      }),
    );
    const percent = new Intl.NumberFormat(data.language, { style: "percent" });
    els.textSize.replaceChildren(
      ...TEXT_SIZES.map((size) => new Option(percent.format(size / 100), size)),
    );
    els.textSize.value = root.dataset.textSize || "100";
    refreshStatus();
    storage.set(KEYS.ui, JSON.stringify(data));
    if (els.list.querySelector(".message.greeting")) showGreeting(); // in the new language
  }

  function cachedUi() {
    try {
      const data = JSON.parse(storage.get(KEYS.ui) || "null");
      return data && data.texts && Array.isArray(data.languages) ? data : null;
    } catch {
      return null;
    }
  }

  function applyTextSize(size) {
    const value = TEXT_SIZES.includes(size) ? size : "100";
    document.documentElement.dataset.textSize = value;
    els.textSize.value = value;
  }

  // --- messages, always as text ---

  function whoLabel(role) {
    return `${t(role === "user" ? "WEB_YOU" : "WEB_ASSISTANT")}: `;
  }

  // A script's language when the sender did not say, so Chinese and Arabic get their fonts.
  function guessLanguage(text) {
    if (/[\u3400-\u9fff]/.test(text)) return "zh";
    if (/[\u0600-\u06ff]/.test(text)) return "ar";
    return "";
  }

  function appendWithLinks(parent, text) {
    let last = 0;
    for (const match of text.matchAll(LINK_PATTERN)) {
      const candidate = match[0].replace(TRAILING_PUNCTUATION, "");
      let url = null;
      try {
        url = new URL(candidate);
      } catch {
        url = null;
      }
      if (!url || !LINK_PROTOCOLS.has(url.protocol)) continue;
      parent.append(document.createTextNode(text.slice(last, match.index)));
      const link = document.createElement("a");
      link.href = url.href;
      link.textContent = candidate;
      if (url.protocol.startsWith("http")) {
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      }
      parent.append(link);
      last = match.index + candidate.length;
    }
    parent.append(document.createTextNode(text.slice(last)));
  }

  function addMessage(message, state) {
    const role = message.role === "user" ? "user" : "assistant";
    const item = document.createElement("li");
    item.className = `message ${role}`;
    if (state) item.classList.add(state);
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.dataset.who = role;
    who.textContent = whoLabel(role);
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.dir = "auto";
    const language = message.language || guessLanguage(message.text || "");
    if (language) bubble.lang = language;
    appendWithLinks(bubble, String(message.text || ""));
    item.append(who, bubble);
    const buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (buttons.length) {
      const group = document.createElement("div");
      group.className = "replies";
      if (language) group.lang = language;
      for (const choice of buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "reply";
        button.dir = "auto";
        button.textContent = String(choice.title || "");
        button.addEventListener("click", (event) => {
          send(String(choice.payload || ""), String(choice.title || ""));
          if (event.detail === 0) els.input.focus(); // pressed from the keyboard
        });
        group.append(button);
      }
      item.append(group);
    }
    if (role === "assistant" && typeof message.listen === "string" && message.listen) {
      item.play = addListen(item, message);
    }
    els.list.append(item);
    scrollToEnd();
    return item;
  }

  // --- answers read aloud: fetched with the session in the body, played in the page ---

  async function fetchSpeech(answer, language) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch("/api/speech", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender, answer, language }),
        cache: "no-store",
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (response.ok) return { ok: true, blob: await response.blob() };
      let data = null;
      try {
        data = await response.json();
      } catch {
        data = null;
      }
      return { ok: false, status: response.status, data };
    } finally {
      clearTimeout(timer);
    }
  }

  async function playSpeech(holder, button, message) {
    const existing = holder.querySelector("audio");
    if (existing) {
      existing.currentTime = 0;
      existing.play().catch(() => undefined);
      return;
    }
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    let result = null;
    try {
      result = await fetchSpeech(message.listen, message.language);
    } catch {
      result = null;
    }
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (!result || !result.ok) {
      addNotice(errorText(result) || t("SPEECH_FAILED"), "error");
      return;
    }
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.preload = "auto";
    audio.setAttribute("aria-label", t("WEB_AUDIO"));
    audio.src = URL.createObjectURL(result.blob);
    holder.append(audio);
    audio.play().catch(() => undefined); // a browser may wait for the person to press play
  }

  function addListen(item, message) {
    const holder = document.createElement("div");
    holder.className = "speech";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "listen";
    button.dataset.listen = message.listen;
    const symbol = document.createElement("span");
    symbol.setAttribute("aria-hidden", "true");
    symbol.textContent = "\u{1F50A} ";
    const label = document.createElement("span");
    label.dataset.text = "LISTEN";
    label.textContent = t("LISTEN");
    button.append(symbol, label);
    button.addEventListener("click", () => playSpeech(holder, button, message));
    holder.append(button);
    item.querySelector(".bubble").after(holder);
    return () => playSpeech(holder, button, message);
  }

  // --- the first minute: someone who has not written yet sees what the chat can do ---

  function showGreeting() {
    const old = els.list.querySelector(".message.greeting");
    const alone = els.list.children.length === (old ? 1 : 0);
    if (!alone || !ui || !ui.greeting) return;
    const greeting = ui.greeting;
    const text = `${greeting.text}\n\n${t("WEB_WELCOME_LANGUAGE")}`;
    const item = addMessage({ ...greeting, role: "assistant", text, listen: null });
    item.classList.replace("assistant", "greeting"); // not a turn of the conversation
    if (old) old.replaceWith(item);
  }

  function addNotice(text, kind) {
    const item = addMessage({ role: "assistant", text, language: ui && ui.language });
    item.classList.add(kind || "notice");
    return item;
  }

  function scrollToEnd() {
    els.messages.scrollTop = els.messages.scrollHeight;
    const page = document.scrollingElement || document.documentElement;
    page.scrollTop = page.scrollHeight; // when the whole page scrolls (large text, phone)
  }

  // --- status line: typing, can't reach the server, retrying ---

  function setProblem(text) {
    problem = text;
    refreshStatus();
  }

  function refreshStatus() {
    let kind = "";
    let text = "";
    if (problem) {
      kind = "problem";
      text = problem;
    } else if (waiting > 0) {
      kind = "typing";
      text = t("WEB_TYPING");
    }
    if (els.status.textContent !== text) els.status.textContent = text;
    els.status.dataset.kind = kind;
    const retrying = Boolean(problem) && retryLoops > 0;
    els.retrying.hidden = !retrying;
    els.retrying.textContent = retrying ? t("WEB_RETRYING") : "";
  }

  // --- sending ---

  function send(message, display) {
    const text = message.trim();
    if (!text) return;
    const item = addMessage({ role: "user", text: display || text }, "pending");
    const body = { sender, message: text, language: ui ? ui.language : undefined };
    if (display) body.display = display;
    const turn = generation;
    queue = queue.then(() => deliver(body, item, turn)).catch(() => undefined);
  }

  async function deliver(body, item, turn) {
    if (turn !== generation) return;
    waiting += 1;
    refreshStatus();
    try {
      const result = await withRetry(() => request("/api/chat", body));
      if (turn !== generation) return;
      item.classList.remove("pending");
      if (result.ok && result.data && Array.isArray(result.data.messages)) {
        let spoken = false;
        for (const reply of result.data.messages) {
          const answer = addMessage({ role: "assistant", ...reply });
          noteWorkshop(reply);
          if (els.voice.checked && answer.play && !spoken) {
            spoken = true;
            answer.play();
          }
          await followLanguage(reply);
        }
      } else {
        item.classList.add("failed");
        addNotice(errorText(result) || t("TROUBLE"), "error");
      }
    } finally {
      if (turn === generation) waiting -= 1; // else "New conversation" has reset it
      refreshStatus();
    }
  }

  // "Answer in Russian, please" switches the page too, not only the answers.
  async function followLanguage(reply) {
    const switched = reply.topic === "change_language" && !(reply.buttons || []).length;
    if (!switched || !ui || reply.language === ui.language) return;
    if (!ui.languages.some((entry) => entry.code === reply.language)) return;
    storage.set(KEYS.language, reply.language);
    await loadUi(reply.language);
  }

  function applyPendingLanguage() {
    const code = pendingLanguage;
    pendingLanguage = null;
    if (code && ui && code !== ui.language) chooseLanguage(code);
  }

  async function chooseLanguage(code) {
    const entry = ui && ui.languages.find((item) => item.code === code);
    if (!entry) return;
    storage.set(KEYS.language, code);
    await loadUi(code);
    send(`/change_language{"language": "${code}"}`, entry.name);
  }

  // --- history, new conversation, erasure ---

  async function restoreHistory() {
    const turn = generation;
    const result = await withRetry(() => request("/api/history", { sender }));
    if (turn !== generation) return;
    if (result.status === 400) {
      sender = newSender(); // an id the server refuses: start a fresh one
      return;
    }
    if (!result.ok || !result.data) return;
    els.voice.checked = result.data.voice === true;
    for (const message of result.data.messages || []) {
      addMessage(message);
      noteWorkshop(message);
    }
    showGreeting();
  }

  async function chooseVoice(on) {
    const result = await withRetry(() => request("/api/voice", { sender, on }));
    if (!result.ok) {
      els.voice.checked = !on;
      setProblem(errorText(result) || t("TROUBLE") || "\u26a0");
    }
  }

  function startAfresh() {
    generation += 1;
    waiting = 0;
    queue = Promise.resolve();
    setProblem("");
    els.list.replaceChildren();
    els.voice.checked = false; // a new session starts with text only
    sender = newSender();
    refreshStatus();
    showGreeting();
  }

  async function eraseData() {
    const language = ui ? ui.language : undefined;
    const result = await withRetry(() => request("/api/forget", { sender, language }));
    if (!result.ok) {
      // Keep this session's id, so that erasing it can be tried again.
      setProblem(errorText(result) || t("TROUBLE") || "\u26a0");
      els.input.focus();
      return;
    }
    startAfresh();
    storage.remove(KEYS.language);
    const message = (result.data && result.data.message) || errorText(result);
    if (message) addNotice(message, "notice");
    els.input.focus();
  }

  // Messages the assistant sends unasked (a workshop step, an alert) wait on the server.
  async function checkInbox() {
    if (document.hidden) return;
    const turn = generation;
    let result;
    try {
      result = await request("/api/inbox", { sender });
    } catch {
      return; // offline: try again at the next tick
    }
    if (turn !== generation || !result.ok || !result.data) return;
    for (const message of result.data.messages || []) {
      addMessage(message);
      noteWorkshop(message);
    }
  }

  let inWorkshop = false;
  function noteWorkshop(reply) {
    if (reply && typeof reply.topic === "string" && reply.topic.startsWith("workshop")) {
      inWorkshop = true;
    }
  }

  function pollInbox() {
    setTimeout(async () => {
      await checkInbox();
      pollInbox();
    }, inWorkshop ? WORKSHOP_INBOX_INTERVAL_MS : INBOX_INTERVAL_MS);
  }

  // A join link (/?join=CODE) joins the workshop once; reloading the page does not again.
  function joinFromLink() {
    const code = (params.get("join") || "").trim().slice(0, 16);
    if (!code) return;
    params.delete("join");
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? `?${query}` : ""));
    send(`/join ${code}`);
  }

  // --- wiring ---

  function wire() {
    els.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = els.input.value;
      if (!text.trim()) {
        els.input.focus();
        return;
      }
      els.input.value = "";
      send(text);
      els.input.focus();
    });
    // Arrow keys on a closed list change it at each step: apply on Enter or when leaving,
    // not eight times on the way.
    els.language.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && pendingLanguage) {
        event.preventDefault();
        applyPendingLanguage();
      } else {
        languageKeyAt = performance.now();
      }
    });
    els.language.addEventListener("change", () => {
      if (performance.now() - languageKeyAt < 150) {
        pendingLanguage = els.language.value;
      } else {
        pendingLanguage = null;
        chooseLanguage(els.language.value);
      }
    });
    els.language.addEventListener("blur", applyPendingLanguage);
    els.textSize.addEventListener("change", () => {
      applyTextSize(els.textSize.value);
      storage.set(KEYS.textSize, els.textSize.value);
    });
    els.voice.addEventListener("change", () => chooseVoice(els.voice.checked));
    els.newConversation.addEventListener("click", () => {
      startAfresh();
      els.input.focus();
    });
    els.erase.addEventListener("click", () => els.dialog.showModal());
    els.confirmNo.addEventListener("click", () => els.dialog.close("cancel"));
    els.confirmYes.addEventListener("click", () => els.dialog.close("erase"));
    els.dialog.addEventListener("close", () => {
      if (els.dialog.returnValue === "erase") {
        eraseData();
      } else {
        els.erase.focus();
      }
      els.dialog.returnValue = "";
    });
    window.addEventListener("online", () => {
      if (retryLoops === 0) setProblem("");
      for (const wake of [...wakers]) wake();
    });
    window.addEventListener("offline", () => setProblem(t("WEB_OFFLINE")));
    if (embedded) {
      document.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && !els.dialog.open) {
          window.parent.postMessage({ type: "digibridge:close" }, "*");
        }
      });
      window.addEventListener("focus", () => {
        if (document.activeElement === document.body) els.input.focus();
      });
    }
  }

  async function start() {
    const title = embedded && params.get("title"); // a site's own title, only inside its frame
    if (title) {
      els.title.textContent = title.slice(0, 80);
      document.title = title.slice(0, 80);
    }
    applyTextSize(storage.get(KEYS.textSize) || "100");
    wire();
    const cached = cachedUi();
    const wanted = storage.get(KEYS.language) || params.get("language") || "";
    if (cached && (!wanted || cached.language === wanted)) applyUi(cached);
    await loadUi(wanted);
    await restoreHistory();
    els.messages.setAttribute("aria-live", "polite"); // announce what comes next, not the past
    document.documentElement.classList.add("ready");
    joinFromLink();
    pollInbox();
  }

  start();
})();
