/* The modeler page's 场景 panel: the draft's scenario files (tests/<name>.yaml, .yml or
 * .json), which deploy with the model and are what 场景覆盖率 runs when there are any. Each is
 * listed with a remove button; files are attached from disk, and the dry run's 保存为场景 adds
 * its run here (window.FlowdeskScenarios.add). The files live in the draft
 * (designer_modeler.js, window.FlowdeskDraft) until it is deployed. */
(function () {
  "use strict";

  const { t, el, showError, clearError, announce, toast } = window.Flowdesk;
  const list = document.getElementById("scenario-list");
  if (!list) return;
  const draft = () => window.FlowdeskDraft;
  const $ = (id) => document.getElementById(id);
  const SUFFIXES = [".yaml", ".yml", ".json"];

  /* "tests/<base name>", with .yaml added when the name has no scenario suffix; null for a
   * name that is empty once its folders are dropped. */
  function storedName(name) {
    const base = String(name || "").trim().split(/[\\/]/).pop();
    if (!base) return null;
    const known = SUFFIXES.some((suffix) => base.toLowerCase().endsWith(suffix));
    return "tests/" + (known ? base : base + ".yaml");
  }

  function render() {
    const names = draft() ? draft().scenarioNames() : [];
    list.replaceChildren(...names.map((name) => el("li", { "data-name": name },
      el("span", { class: "scenario-name" }, name.slice("tests/".length)),
      " ",
      el("button", { type: "button", class: "btn btn-small",
        "aria-label": t("scenarios.remove_named", { name }),
        onclick: () => remove(name) }, t("scenarios.remove")))));
    $("scenario-empty").hidden = names.length > 0;
  }

  /* Add (or, after asking, replace) a scenario file of the draft; false when not added. */
  function add(name, text) {
    const stored = storedName(name);
    if (!stored) return false;
    if (draft().scenarioNames().includes(stored)
        && !window.confirm(t("scenarios.replace", { name: stored }))) {
      return false;
    }
    draft().setScenario(stored, text);
    announce(t("scenarios.added", { name: stored }));
    return stored;
  }

  function remove(name) {
    draft().removeScenario(name);
    announce(t("scenarios.removed", { name }));
    $("scenario-attach").focus();
  }

  async function attach(files) {
    clearError();
    for (const file of files) {
      if (!SUFFIXES.some((suffix) => file.name.toLowerCase().endsWith(suffix))) {
        showError(new Error(t("scenarios.bad_suffix", { name: file.name })));
        continue;
      }
      const stored = add(file.name, await file.text());
      if (stored) toast(t("scenarios.added", { name: stored }));
    }
  }

  const input = $("scenario-file");
  $("scenario-attach").addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    attach(Array.from(input.files)).catch(showError);
    input.value = "";
  });
  document.addEventListener("flowdesk:draft-files", render);
  window.FlowdeskScenarios = { add, storedName };
})();
