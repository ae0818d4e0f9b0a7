// A minimal client of POST /api/chat. Everything is inserted as text, never as HTML.
"use strict";

function newSenderId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const sender = sessionStorage.getItem("digibridge-sender") || newSenderId();
sessionStorage.setItem("digibridge-sender", sender);

function show(text, kind, language, buttons) {
  const item = document.createElement("li");
  item.className = kind;
  const body = document.createElement("div");
  body.textContent = text;
  if (language) {
    item.lang = language;
    item.dir = language === "ar" ? "rtl" : "auto";
  }
  item.appendChild(body);
  for (const button of buttons || []) {
    const element = document.createElement("button");
    element.type = "button";
    element.textContent = button.title;
    element.addEventListener("click", () => send(button.payload, button.title));
    item.appendChild(element);
  }
  document.getElementById("messages").appendChild(item);
  item.scrollIntoView({ block: "end" });
}

async function send(message, shown) {
  show(shown || message, "user");
  try {
    const response = await fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender, message, language: navigator.language }),
    });
    const data = await response.json();
    if (!response.ok) {
      show(data.error.message, "bot error");
      return;
    }
    for (const reply of data.messages) show(reply.text, "bot", reply.language, reply.buttons);
  } catch (error) {
    show("Cannot reach the server. Check your connection.", "bot error");
  }
}

document.getElementById("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("input");
  const message = input.value.trim();
  if (message) send(message);
  input.value = "";
});
