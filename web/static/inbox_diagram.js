/* The inbox's "Diagram" section: the case's process drawn by the vendored bpmn-js navigated
 * viewer (loaded only when the section is first opened), the steps the case is at outlined
 * (fd-active; the open task also fd-current) and the steps done drawn lighter (fd-done), with
 * a text version for screen readers. The data comes from GET /api/v1/instances/{id}/diagram.
 * inbox.js calls window.FlowdeskInboxDiagram.section({...}) and passes its own helpers. */
(function () {
  "use strict";

  const script = document.currentScript;
  const VIEWER_JS = script.dataset.viewer;
  const VIEWER_CSS = (script.dataset.css || "").split(" ").filter(Boolean);
  let viewerLoading = null;
  let openFor = null;  // the instance whose diagram was open: it stays open on a re-render

  /* window.BpmnJS, fetched once (script-src 'self' allows a same-origin script element). */
  function loadViewer() {
    if (window.BpmnJS) return Promise.resolve(window.BpmnJS);
    if (!viewerLoading) {
      for (const href of VIEWER_CSS) {
        document.head.append(Object.assign(document.createElement("link"),
          { rel: "stylesheet", href }));
      }
      viewerLoading = new Promise((resolve, reject) => {
        const tag = Object.assign(document.createElement("script"), { src: VIEWER_JS });
        tag.addEventListener("load", () => resolve(window.BpmnJS));
        tag.addEventListener("error", () => {
          viewerLoading = null;
          tag.remove();
          reject(new Error(VIEWER_JS));
        });
        document.head.append(tag);
      });
    }
    return viewerLoading;
  }

  /* The diagram that draws the process (or the collaboration around it); a file may hold
   * several, and bpmn-js opens the first by default. */
  function diagramOf(definitions, processId) {
    const owns = (element) => element && (element.id === processId
      || (element.participants || []).some((p) => p.processRef && p.processRef.id === processId));
    return (definitions.diagrams || []).find((d) => d.plane && owns(d.plane.bpmnElement));
  }

  function nameOf(registry, id) {
    const element = registry.get(id);
    const name = element && element.businessObject && element.businessObject.name;
    return name ? name.replace(/\s+/g, " ").trim() : id;
  }

  function section(options) {
    const { instanceId, taskBpmnId, api, t, el } = options;
    const canvasBox = el("div", { class: "diagram-canvas" });
    const summary = el("figcaption", { class: "diagram-summary", id: "diagram-summary" });
    const message = el("p", { class: "muted", "aria-live": "polite" });
    let viewer = null;
    const zoom = (how) => () => {
      if (!viewer) return;
      const canvas = viewer.get("canvas");
      if (how === "fit") canvas.zoom("fit-viewport", "auto");
      else canvas.zoom(canvas.zoom() * (how === "in" ? 1.25 : 0.8));
    };
    const button = (how, label) => el("button", { type: "button", class: "btn btn-small",
      onclick: zoom(how) }, t(label));
    const tools = el("div", { class: "diagram-tools", hidden: true },
      button("in", "diagram.zoom_in"), button("out", "diagram.zoom_out"),
      button("fit", "diagram.fit"),
      el("span", { class: "diagram-legend muted small", "aria-hidden": "true" },
        el("span", { class: "swatch swatch-active" }), t("diagram.legend.active"),
        el("span", { class: "swatch swatch-done" }), t("diagram.legend.done")));
    const details = el("details", { class: "diagram", id: "diagram" },
      el("summary", {}, el("h3", { id: "diagram-heading" }, t("diagram.heading"))),
      message, tools, el("figure", { class: "diagram-figure",
        "aria-label": t("diagram.label"), "aria-describedby": "diagram-summary" },
        summary, canvasBox));

    async function render() {
      message.hidden = false;
      message.textContent = t("diagram.loading");
      try {
        const [BpmnJS, data] = await Promise.all([loadViewer(),
          api("GET", "/instances/" + instanceId + "/diagram")]);
        viewer = new BpmnJS({ container: canvasBox });
        await viewer.importXML(data.bpmn_xml);
        const wanted = diagramOf(viewer.getDefinitions(), data.process_id);
        const root = viewer.get("canvas").getRootElement().businessObject;
        if (wanted && root !== wanted.plane.bpmnElement) await viewer.open(wanted.id);
        mark(data);
        message.textContent = "";
        message.hidden = true;
        tools.hidden = false;
      } catch (err) {
        message.textContent = t("diagram.failed",
          { detail: err && err.message ? err.message : String(err) });
        if (viewer) viewer.destroy();
        viewer = null;
        delete details.dataset.started;  // closing and opening the section tries again
      }
    }

    function mark(data) {
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      const shown = (id) => Boolean(registry.get(id));
      const active = data.active.filter(shown);
      const done = data.completed.filter(shown);
      for (const id of done) canvas.addMarker(id, "fd-done");
      for (const id of active) canvas.addMarker(id, "fd-active");
      if (shown(taskBpmnId)) canvas.addMarker(taskBpmnId, "fd-current");
      const list = (ids) => ids.map((id) => nameOf(registry, id)).join(t("diagram.separator"))
        || t("diagram.none");
      summary.replaceChildren(
        el("p", { class: "diagram-current" }, t("diagram.current", { names: list(active) })),
        el("p", { class: "visually-hidden" }, t("diagram.completed", { names: list(done) })));
      canvas.zoom("fit-viewport", "auto");
      const focus = registry.get(shown(taskBpmnId) ? taskBpmnId : active[0]);
      if (focus && canvas.zoom() < 0.6) {  // a large process: readable size, the step in view
        canvas.zoom(0.75);
        canvas.scrollToElement(focus);
      }
    }

    details.addEventListener("toggle", () => {
      openFor = details.open ? instanceId : null;
      if (details.open && !viewer && !details.dataset.started) {
        details.dataset.started = "1";
        render();
      }
    });
    if (openFor === instanceId) details.open = true;
    return details;
  }

  window.FlowdeskInboxDiagram = { section };
})();
