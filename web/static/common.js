/* What every page script shares, as window.Flowdesk: the page's texts (the JSON in #i18n),
 * el() to build DOM, api() for /api/v1 with the session cookie and the X-CSRF-Token header
 * (a 401 goes back to /login), the page's error (#error) and status (#status) regions, and
 * toast(): a visible confirmation that is also announced. Loaded before the page's script. */
(function () {
  "use strict";

  const MESSAGES = JSON.parse(document.getElementById("i18n").textContent);
  const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const LOCALE = document.documentElement.lang;

  /* t("key", {name: value}): the text with {name} replaced. */
  function t(key, params) {
    let text = MESSAGES[key] || key;
    for (const [name, value] of Object.entries(params || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  /* el("button", {class: "btn", onclick: fn}, "text", child) */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  class ApiError extends Error {
    constructor(status, detail, errors) {
      super(detail);
      this.status = status;
      this.errors = errors || [];
    }
  }

  /* A call to /api/v1: a FormData body is sent as it is, anything else as JSON. */
  async function api(method, path, body) {
    // the server's messages (form errors, 422s) come in the page's language
    const headers = { Accept: "application/json", "Accept-Language": LOCALE || "zh-CN" };
    if (method !== "GET") headers["X-CSRF-Token"] = CSRF;
    const raw = body instanceof FormData;
    if (body !== undefined && !raw) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch("/api/v1" + path, {
        method, headers, credentials: "same-origin",
        body: body === undefined || raw ? body : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, t("error.network"));
    }
    if (response.status === 401) {
      location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
      throw new ApiError(401, t("error.session"));
    }
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new ApiError(response.status, json.detail || response.statusText, json.errors);
    }
    json._status = response.status;
    return json;
  }

  function showError(err) {
    const box = document.getElementById("error");
    const text = err && err.message ? err.message : String(err);
    box.textContent = err && err.status === 0 ? text : t("error.generic", { detail: text });
    box.hidden = false;
  }

  function clearError() {
    const box = document.getElementById("error");
    box.hidden = true;
    box.textContent = "";
  }

  /* Say something to screen readers (the polite #status region). */
  function announce(text) {
    const box = document.getElementById("status");
    box.hidden = false;
    box.textContent = "";
    window.setTimeout(() => { box.textContent = text; }, 50);
  }

  /* toast(message, {kind}): a visible confirmation in the page's corner, also said through the
   * #status region (so there is one live region per page). kind "success" (default) or "info"
   * goes away after TOAST_MS; "error" stays until its close button is pressed. */
  const TOAST_MS = 5000;

  function toastBox() {
    let box = document.getElementById("toasts");
    if (!box) {
      box = el("div", { id: "toasts", class: "toasts" });
      (document.getElementById("main") || document.body).append(box);
    }
    return box;
  }

  function toast(message, options) {
    const kind = (options && options.kind) || "success";
    const item = el("div", { class: "toast toast-" + kind },
      el("span", { class: "toast-icon", "aria-hidden": "true" },
        kind === "error" ? "!" : kind === "info" ? "i" : "✓"),
      el("span", { class: "toast-text" }, message));
    const close = () => item.remove();
    if (kind === "error") {
      item.append(el("button", { type: "button", class: "toast-close",
        "aria-label": t("toast.close"), onclick: close }, "×"));
    } else {
      window.setTimeout(close, TOAST_MS);
    }
    toastBox().append(item);
    announce(message);
    return item;
  }

  const SLA_ICONS = { ok: "●", at_risk: "▲", breached: "■", paused: "❚❚", met: "✓", cancelled: "⊘" };

  /* A task's or clock's SLA state as a badge: a shape and words, never colour alone. */
  function slaEl(slaState) {
    const name = slaState || "none";
    return el("span", { class: "sla sla-" + name },
      el("span", { class: "sla-icon", "aria-hidden": "true" }, SLA_ICONS[name] || "–"),
      " " + t("sla." + name));
  }

  window.Flowdesk = { MESSAGES, CSRF, LOCALE, t, el, ApiError, api, showError, clearError,
    announce, toast, slaEl };
})();
