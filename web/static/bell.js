/* The bell in every signed-in page's header (web/templates/web/_user_menu.html): the unread
 * count of the user's in-app notifications (GET /api/v1/me/notifications), polled every 30 s
 * and when the window gets focus; the list (newest first) opens under it, an item opened is
 * marked read, "mark all read" marks the rest. Standalone (no common.js) so that any page can
 * carry it; does nothing on a page without #bell. Its words are data- attributes of #bell. */
(function () {
  "use strict";

  const root = document.getElementById("bell");
  if (!root || root.dataset.ready) return;
  root.dataset.ready = "1";

  const POLL_MS = 30000;
  const button = document.getElementById("bell-button");
  const count = document.getElementById("bell-count");
  const panel = document.getElementById("bell-panel");
  const list = document.getElementById("bell-list");
  const readAll = document.getElementById("bell-read-all");
  const LOCALE = document.documentElement.lang || "zh-CN";
  const BASE = "/api/v1/me/notifications";

  function call(method, path) {
    const headers = {"Accept": "application/json"};
    if (method !== "GET") headers["X-CSRF-Token"] = root.dataset.csrf || "";
    return fetch(path, {method, headers, credentials: "same-origin"}).then((response) => {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    });
  }

  function showCount(unread) {
    count.textContent = String(unread);
    count.hidden = unread === 0;
    button.setAttribute("aria-label", root.dataset.label.split("{count}").join(String(unread)));
    button.classList.toggle("has-unread", unread > 0);
  }

  function refreshCount() {
    return call("GET", BASE + "?per_page=1").then((page) => showCount(page.unread))
      .catch(() => {});  // signed out or offline: the next poll tries again
  }

  function message(text) {
    list.replaceChildren();
    const item = document.createElement("li");
    item.className = "bell-empty";
    item.textContent = text;
    list.append(item);
  }

  function markRead(row) {
    return call("POST", BASE + "/" + row.id + "/read").catch(() => {});
  }

  function item(row) {
    const li = document.createElement("li");
    li.className = row.read_at ? "bell-item" : "bell-item unread";
    const opener = document.createElement(row.instance_id ? "a" : "button");
    opener.className = "bell-open";
    if (row.instance_id) opener.href = "/cases/" + row.instance_id;
    else opener.type = "button";
    const subject = document.createElement("span");
    subject.className = "bell-subject";
    subject.textContent = row.subject;
    const when = document.createElement("time");
    when.className = "bell-time";
    when.dateTime = row.created_at;
    when.textContent = new Date(row.created_at).toLocaleString(LOCALE);
    opener.append(subject, when);
    opener.addEventListener("click", (event) => {
      if (row.read_at) return;
      event.preventDefault();
      markRead(row).then(() => {
        if (row.instance_id) window.location.href = opener.href;
        else load();
      });
    });
    li.append(opener);
    return li;
  }

  function load() {
    return call("GET", BASE + "?per_page=20").then((page) => {
      showCount(page.unread);
      if (!page.items.length) return message(root.dataset.empty);
      list.replaceChildren(...page.items.map(item));
    }).catch(() => message(root.dataset.failed));
  }

  function toggle(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) load();
  }

  button.addEventListener("click", () => toggle(panel.hidden));
  readAll.addEventListener("click", () => {
    call("POST", BASE + "/read-all").then(load).catch(() => message(root.dataset.failed));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) { toggle(false); button.focus(); }
  });
  document.addEventListener("click", (event) => {
    if (!panel.hidden && !root.contains(event.target)) toggle(false);
  });
  window.addEventListener("focus", refreshCount);
  window.setInterval(refreshCount, POLL_MS);
  refreshCount();
})();
