/* The admin console's access views: the users (roles, groups, active; disable after a confirm
 * dialog, enable) and the bearer tokens (owner, name, created, expires, revoked, last used, state; revoke
 * after a confirm dialog), and a form that issues a token for a user with an optional lifetime
 * and shows the new token this once. Uses admin.js's helpers and admin_dialog.js's ask()
 * (window.FlowdeskAdmin); every call goes to /api/v1, which checks and audits it. */
(function () {
  "use strict";

  const A = window.FlowdeskAdmin;
  const { t, el, api, announce, showError, clearError, timeEl, table, cell, fill, empty, field,
    clearFieldErrors, showFieldErrors, ask } = A;
  const ME = document.querySelector("main").dataset.user;
  const boxes = {
    users: document.getElementById("user-list"),
    tokens: document.getElementById("token-list"),
    form: document.getElementById("token-new"),
    created: document.getElementById("token-created"),
  };
  const state = { users: [] };

  function names(list) {
    return list && list.length ? list.join(", ") : el("span", { class: "muted" }, "—");
  }

  function badge(value, text) {
    return el("span", { class: "access-state access-" + value }, text);
  }

  // --- users --------------------------------------------------------------------------------

  async function disableUser(user) {
    clearError();
    const sure = await ask({
      title: t("user.disable.title", { user: user.username }),
      text: t("user.disable.text", { user: user.username }),
      confirm: t("user.disable.confirm"), danger: true,
    });
    if (sure) await setActive(user, false);
  }

  async function setActive(user, active) {
    clearError();
    try {
      await api("POST", "/admin/users/" + encodeURIComponent(user.username) +
        (active ? "/enable" : "/disable"));
      announce(t(active ? "user.enabled" : "user.disabled", { user: user.username }));
      await Promise.all([loadUsers(), loadTokens()]);
    } catch (err) {
      showError(err);
    }
  }

  function userAction(user) {
    if (user.username === ME) return el("span", { class: "muted" }, t("user.you"));
    if (!user.active) {
      return el("button", { type: "button", class: "btn btn-small",
        "aria-label": t("user.enable.label", { user: user.username }),
        onclick: () => setActive(user, true) }, t("user.enable"));
    }
    return el("button", { type: "button", class: "btn btn-small btn-danger-quiet",
      "aria-label": t("user.disable.label", { user: user.username }),
      onclick: () => disableUser(user) }, t("user.disable"));
  }

  async function loadUsers() {
    const [users, groups] = await Promise.all([api("GET", "/admin/users"),
      api("GET", "/admin/groups")]);
    state.users = users;
    const shown = Object.fromEntries(groups.map((g) => [g.name, g.display_name || g.name]));
    const rows = state.users.map((u) => el("tr", { "data-user": u.username,
      "data-active": String(u.active) },
    cell("user", el("strong", {}, u.username),
      u.display_name && u.display_name !== u.username ? " (" + u.display_name + ")" : ""),
    cell("roles", names(u.roles)), cell("groups", names((u.groups || []).map((g) => shown[g] || g))),
    cell("active", u.active ? badge("active", t("user_state.active"))
      : badge("disabled", t("user_state.disabled"))),
    cell("actions", userAction(u))));
    fill(boxes.users, rows.length ? table(["user", "roles", "groups", "active", "actions"], rows)
      : empty());
    fillUserChoice();
  }

  // --- tokens -------------------------------------------------------------------------------

  async function revokeToken(token) {
    clearError();
    const sure = await ask({
      title: t("token.revoke.title", { name: token.name, user: token.username }),
      text: t("token.revoke.text"), confirm: t("token.revoke.confirm"), danger: true,
    });
    if (!sure) return;
    try {
      await api("POST", "/admin/tokens/" + token.id + "/revoke");
      announce(t("token.revoked", { name: token.name, user: token.username }));
      await loadTokens();
    } catch (err) {
      showError(err);
    }
  }

  function tokenAction(token) {
    if (token.state === "revoked") return "";
    return el("button", { type: "button", class: "btn btn-small btn-danger-quiet",
      "aria-label": t("token.revoke.label", { id: token.id, name: token.name,
        user: token.username }),
      onclick: () => revokeToken(token) }, t("token.revoke"));
  }

  async function loadTokens() {
    const tokens = await api("GET", "/admin/tokens");
    const rows = tokens.map((k) => el("tr", { "data-token": k.id, "data-state": k.state },
      cell("id", String(k.id)), cell("owner", k.username), cell("name", k.name),
      cell("created", timeEl(k.created_at)),
      cell("expires", k.expires_at ? timeEl(k.expires_at)
        : el("span", { class: "muted" }, t("token.never"))),
      cell("revoked", timeEl(k.revoked_at)),
      cell("last_used", k.last_used_at ? timeEl(k.last_used_at)
        : el("span", { class: "muted" }, t("token.not_used"))),
      cell("state", badge(k.state, t("token_state." + k.state))),
      cell("actions", tokenAction(k))));
    fill(boxes.tokens, rows.length ? el("div", {},
      table(["id", "owner", "name", "created", "expires", "revoked", "last_used", "state",
        "actions"], rows),
      el("p", { class: "muted small" }, t("total", { n: tokens.length }))) : empty());
  }

  // --- a new token --------------------------------------------------------------------------

  function userChoice() {
    return el("div", { class: "field", "data-field": "token-user" },
      el("label", { for: "token-user" }, t("token.user")),
      el("select", { id: "token-user", required: true, "aria-describedby": "token-user-error" }),
      el("p", { class: "field-error", id: "token-user-error" }));
  }

  /* The owner select lists the active users (kept when the list is re-drawn). */
  function fillUserChoice() {
    const select = document.getElementById("token-user");
    const kept = select.value;
    select.replaceChildren(el("option", { value: "" }, t("token.user.pick")),
      ...state.users.filter((u) => u.active).map((u) => el("option",
        { value: u.username, selected: u.username === kept }, u.username)));
  }

  const TOKEN_FIELDS = { username: "token-user", name: "token-name", expires_in: "token-expires" };

  async function createToken(event) {
    event.preventDefault();
    clearError();
    clearFieldErrors(boxes.form);
    const body = {
      username: boxes.form.querySelector("#token-user").value,
      name: boxes.form.querySelector("#token-name").value.trim(),
    };
    const lifetime = boxes.form.querySelector("#token-expires").value.trim();
    if (lifetime) body.expires_in = lifetime;
    try {
      const created = await api("POST", "/admin/tokens", body);
      boxes.form.reset();
      showCreated(created);
      await loadTokens();
    } catch (err) {
      if (err.status === 422) showFieldErrors(boxes.form, err, (f) => TOKEN_FIELDS[f] || null);
      else showError(err);
    }
  }

  /* The secret, this once: a read-only field to copy it from, focused and selected. */
  function showCreated(created) {
    const secret = el("input", { id: "token-secret", type: "text", readonly: true,
      value: created.token, spellcheck: "false", "aria-describedby": "token-created-help" });
    const done = el("button", { type: "button", class: "btn", onclick: () => {
      boxes.created.hidden = true;
      boxes.created.replaceChildren();
      document.getElementById("token-user").focus();
    } }, t("token.created.done"));
    boxes.created.replaceChildren(
      el("h3", { id: "token-created-heading" },
        t("token.created.heading", { name: created.name, user: created.username })),
      el("p", { class: "help", id: "token-created-help" }, t("token.created.help")),
      el("div", { class: "field" }, el("label", { for: "token-secret" }, t("token.created.label")),
        secret),
      el("div", { class: "form-actions" }, done));
    boxes.created.hidden = false;
    announce(t("token.created", { name: created.name, user: created.username }));
    secret.focus();
    secret.select();
  }

  boxes.form.replaceChildren(
    el("h3", { id: "token-new-heading" }, t("token.new_heading")),
    userChoice(),
    field("token-name", t("token.name"), "", t("token.name.help"), { maxlength: "100" }),
    field("token-expires", t("token.expires"), "", t("token.expires.help"),
      { maxlength: "12", placeholder: "30d" }),
    el("div", { class: "form-actions" },
      el("button", { type: "submit", class: "btn btn-primary" }, t("token.create"))));
  boxes.form.addEventListener("submit", createToken);

  A.loaders.push(loadUsers, loadTokens);
})();
