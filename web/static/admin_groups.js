/* The admin console's user groups: each group (a lane that receives tasks) with the name
 * people read (前台客服 for Agent), edited in place and saved with PATCH
 * /admin/groups/{name}. Uses admin.js's helpers (window.FlowdeskAdmin). */
(function () {
  "use strict";

  const { t, el, api, announce, showError, clearError, table, cell, fill, empty,
    clearFieldErrors, showFieldErrors, loaders } = window.FlowdeskAdmin;
  const box = document.getElementById("group-list");

  function groupRow(group) {
    const id = "group-name-" + group.name.replace(/[^A-Za-z0-9_-]/g, "_");
    const form = el("form", { class: "inline-form", novalidate: true },
      el("div", { class: "field" },
        el("label", { for: id, class: "visually-hidden" },
          t("groups.display_name.label", { name: group.name })),
        el("input", { id, type: "text", maxlength: "100", value: group.display_name || "",
          placeholder: group.name, "aria-describedby": id + "-error" }),
        el("p", { class: "field-error", id: id + "-error" })),
      el("button", { type: "submit", class: "btn btn-small" }, t("save")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      clearFieldErrors(form);
      try {
        const saved = await api("PATCH", "/admin/groups/" + encodeURIComponent(group.name),
          { display_name: form.querySelector("input").value.trim() });
        announce(t("groups.saved", { name: group.name,
          display: saved.display_name || group.name }));
      } catch (err) {
        if (err.status === 422) showFieldErrors(form, err, () => id);
        else showError(err);
      }
    });
    return el("tr", { "data-group": group.name },
      cell("group", el("code", {}, group.name)), cell("display_name", form));
  }

  async function loadGroups() {
    const groups = await api("GET", "/admin/groups");
    fill(box, groups.length ? table(["group", "display_name"], groups.map(groupRow)) : empty());
  }

  loaders.push(loadGroups);
})();
