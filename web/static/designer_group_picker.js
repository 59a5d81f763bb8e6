/* The modeler page's process group choice for a process not deployed yet: the groups the
 * designer may put it into (GET /api/v1/process-groups/mine; every group for an admin). With
 * several, the designer must pick one (the server answers 422 without it); with one, it is
 * chosen already. Used by designer_modeler.js as window.FlowdeskGroupPicker. */
(function () {
  "use strict";

  const { t, el, api } = window.Flowdesk;

  const field = () => document.getElementById("group-field");
  const select = () => document.getElementById("process-group");

  /* Fill and show the choice (a new process only). */
  async function show() {
    const groups = await api("GET", "/process-groups/mine");
    const options = groups.map((g) => el("option", { value: g.name },
      g.description ? g.name + " · " + g.description : g.name));
    if (groups.length !== 1) options.unshift(el("option", { value: "" }, t("group.choose")));
    select().replaceChildren(...options);
    field().hidden = false;
  }

  /* The process is deployed: its group is fixed (an admin moves it). */
  function hide() {
    field().hidden = true;
  }

  /* Whether a deployment may go: not while a choice among several is still open (said
   * beside the field, which gets the focus). */
  function check() {
    const error = document.getElementById("process-group-error");
    const missing = !field().hidden && !select().value;
    error.textContent = missing ? t("group.required") : "";
    select().setAttribute("aria-invalid", missing ? "true" : "false");
    if (missing) select().focus();
    return !missing;
  }

  /* Add the chosen group to a deployment's form (nothing while hidden or unchosen). */
  function addTo(form) {
    if (!field().hidden && select().value) form.append("process_group", select().value);
    return form;
  }

  window.FlowdeskGroupPicker = { show, hide, check, addTo };
})();
