/* What an agent does to a task besides filling its form, as window.FlowdeskInboxTools:
 * mark it (or its whole case) waiting on the customer or a third party with a reason, and
 * resume; hand it to a colleague of its group; delegate it (it comes back when the delegate
 * resolves it: inbox.js turns the delegate's submit into 完成委托); escalate it to the
 * supervisors with a reason.
 * Also the flags a list row shows (waiting, escalated, delegated: by me to whom since when, or
 * to me by whom, to be resolved and not completed), and nameWithKey() for the pickers (the
 * bulk bar's too). inbox.js calls section() while it draws a task and flags() for each row;
 * after a change, onChanged() reloads list and task.
 * Every success is a toast (common.js), every failure an error toast that stays. */
(function () {
  "use strict";

  const { t, el, api, toast, MESSAGES, LOCALE } = window.Flowdesk;
  const KINDS = ["waiting_customer", "waiting_third_party"];
  const sinceFormat = new Intl.DateTimeFormat(LOCALE, {
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
  });
  let serial = 0;  // unique ids when a task is drawn again

  function kindName(kind) {
    return MESSAGES["waiting." + kind] || kind;
  }

  /* A person or group as staff read it: 李伟 (li.wei), or the key alone. */
  function nameWithKey(display, key) {
    return display && display !== key ? display + " (" + key + ")" : key;
  }

  /* The pending delegation as ``me`` sees it: "to" (I delegated it: with whom since when) or
   * "from" (someone delegated it: it goes back to them by 完成委托); null if none. */
  function delegation(task, me) {
    if (task.delegation_state !== "pending") return null;
    const since = task.delegated_at ? sinceFormat.format(new Date(task.delegated_at)) : "—";
    return task.owner === me
      ? { kind: "to", flag: t("flag.delegated_to", { user: task.assignee, since }),
        note: t("state.delegated_to", { user: task.assignee }),
        hint: t("state.delegated_to_hint", { since }) }
      : { kind: "from", flag: t("flag.delegated_from", { user: task.owner }),
        note: t("state.delegated_from", { user: task.owner }),
        hint: t("state.delegated_from_hint", { user: task.owner }) };
  }

  function failed(err) {
    const text = err && err.message ? err.message : String(err);
    toast(err && err.status === 0 ? text : t("error.generic", { detail: text }), { kind: "error" });
  }

  /* Flags beside a task's name in the list: what it waits for, escalated, delegated. */
  function flags(task, me) {
    const out = [];
    const delegated = delegation(task, me);
    if (delegated) {
      out.push(el("span", { class: "flag flag-delegated", "data-delegation": delegated.kind,
        title: delegated.hint }, delegated.flag));
    }
    if (task.waiting_reason) {
      out.push(el("span", { class: "flag flag-waiting", title: task.waiting_note || null },
        kindName(task.waiting_reason)));
    }
    if (task.escalated_at) {
      out.push(el("span", { class: "flag flag-escalated", title: task.escalation_reason || null },
        t("state.escalated")));
    }
    return out.length ? el("div", { class: "flags" }, ...out) : null;
  }

  /* One labelled control. */
  function field(id, label, control) {
    return el("div", { class: "field" }, el("label", { for: id }, label), control);
  }

  /* A closed <details> whose content is built when it is first opened (a task's page holds
   * one form, its own, until the agent asks for a tool). */
  function tool(className, heading, build) {
    const box = el("details", { class: className }, el("summary", {}, heading));
    box.addEventListener("toggle", () => {
      if (box.open && box.children.length === 1) box.append(build(box));
    });
    return box;
  }

  async function post(path, body, message, onChanged) {
    try {
      await api("POST", path, body);
      toast(message);
      await onChanged();
    } catch (err) {
      failed(err);
    }
  }

  /* The state notes (waiting, case waiting, escalated) with their resume buttons. */
  function notes(task, instance, me, onChanged) {
    const out = [];
    if (task.waiting_reason) {
      out.push(el("p", { class: "state-note", "data-state": "waiting" },
        el("strong", {}, t("state.waiting", { kind: kindName(task.waiting_reason) })),
        task.waiting_note ? el("span", {}, task.waiting_note) : null,
        el("button", { type: "button", class: "btn btn-small",
          onclick: () => post("/tasks/" + task.id + "/waiting", { reason: null },
            t("done.resumed", { name: task.name }), onChanged) }, t("tools.resume"))));
    }
    if (instance && instance.waiting_reason) {
      out.push(el("p", { class: "state-note", "data-state": "case-waiting" },
        el("strong", {}, t("state.case_waiting", { kind: kindName(instance.waiting_reason) })),
        instance.waiting_note ? el("span", {}, instance.waiting_note) : null,
        el("button", { type: "button", class: "btn btn-small",
          onclick: () => post("/instances/" + instance.id + "/waiting", { reason: null },
            t("done.case_resumed"), onChanged) }, t("tools.resume_case"))));
    }
    const delegated = delegation(task, me);
    if (delegated) {
      out.push(el("p", { class: "state-note", "data-state": "delegated",
        "data-delegation": delegated.kind }, el("strong", {}, delegated.note), " ",
      el("span", {}, delegated.hint)));
    }
    if (task.escalated_at) {
      out.push(el("p", { class: "state-note escalated", "data-state": "escalated" },
        el("strong", {}, t("state.escalated")),
        el("span", {}, t("state.escalated_by", { user: task.escalated_by || "—",
          reason: task.escalation_reason || "" }))));
    }
    return out;
  }

  function waitingForm(task, instance, onChanged) {
    return tool("tool-waiting", t("tools.waiting.heading"),
      () => buildWaiting(task, instance, onChanged));
  }

  function buildWaiting(task, instance, onChanged) {
    const n = ++serial;
    const kind = el("select", { id: "wait-kind-" + n },
      ...KINDS.map((k) => el("option", { value: k }, kindName(k))));
    const note = el("textarea", { id: "wait-note-" + n, rows: 2, maxlength: 500 });
    const scope = el("select", { id: "wait-scope-" + n },
      el("option", { value: "task" }, t("tools.waiting.scope.task")),
      el("option", { value: "case" }, t("tools.waiting.scope.case")));
    const form = el("form", { class: "waiting-form" },
      field(kind.id, t("tools.waiting.kind"), kind),
      field(note.id, t("tools.waiting.note"), note),
      field(scope.id, t("tools.waiting.scope"), scope),
      el("div", { class: "row" },
        el("button", { type: "submit", class: "btn" }, t("tools.waiting.submit"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = { reason: kind.value, note: note.value.trim() || null };
      const name = kindName(kind.value);
      if (scope.value === "case") {
        post("/instances/" + instance.id + "/waiting", body,
          t("done.case_waiting", { kind: name }), onChanged);
      } else {
        post("/tasks/" + task.id + "/waiting", body,
          t("done.waiting", { name: task.name, kind: name }), onChanged);
      }
    });
    return form;
  }

  function reassignForm(task, me, onChanged) {
    return tool("tool-reassign", t("tools.reassign.heading"), () => pickPerson(task, me, {
      name: "reassign", label: t("tools.reassign.user"), submit: t("tools.reassign.submit"),
      send: (username) => post("/tasks/" + task.id + "/assign", { user: username },
        t("done.reassigned", { name: task.name, user: username }), onChanged) }));
  }

  function delegateForm(task, me, onChanged) {
    return tool("tool-delegate", t("tools.delegate.heading"), () => {
      const n = ++serial;
      const note = el("textarea", { id: "delegate-note-" + n, rows: 2, maxlength: 500 });
      return pickPerson(task, me, {
        name: "delegate", label: t("tools.delegate.user"), submit: t("tools.delegate.submit"),
        extra: field(note.id, t("tools.delegate.note"), note),
        send: (username) => post("/tasks/" + task.id + "/delegate",
          { to: username, note: note.value.trim() || null },
          t("done.delegated", { name: task.name, user: username }), onChanged) });
    });
  }

  /* A colleague of the task's groups chosen from a list, then send(username): handing on
   * and delegating. */
  function pickPerson(task, me, options) {
    const n = ++serial;
    const user = el("select", { id: options.name + "-user-" + n },
      el("option", { value: "" }, t("loading")));
    const submit = el("button", { type: "submit", class: "btn", disabled: true },
      options.submit);
    const form = el("form", { class: options.name + "-form" },
      field(user.id, options.label, user), options.extra || null,
      el("div", { class: "row" }, submit));
    (async () => {
      try {
        const people = (await api("GET", "/tasks/" + task.id + "/assignees"))
          .filter((p) => p.username !== me && p.username !== task.assignee);
        if (!people.length) {
          form.replaceChildren(el("p", { class: "muted" }, t("tools.reassign.none")));
          return;
        }
        user.replaceChildren(el("option", { value: "" }, t("form.select")),
          ...people.map((p) => el("option", { value: p.username },
            nameWithKey(p.display_name, p.username))));
        submit.disabled = false;
      } catch (err) {
        failed(err);
      }
    })();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!user.value) { user.focus(); return; }
      options.send(user.value);
    });
    return form;
  }

  function escalateForm(task, onChanged) {
    return tool("tool-escalate", t("tools.escalate.heading"), () => buildEscalate(task, onChanged));
  }

  function buildEscalate(task, onChanged) {
    const n = ++serial;
    const reason = el("textarea", { id: "escalate-reason-" + n, rows: 2, maxlength: 500,
      required: true });
    const form = el("form", { class: "escalate-form" },
      field(reason.id, t("tools.escalate.reason"), reason),
      el("div", { class: "row" },
        el("button", { type: "submit", class: "btn" }, t("tools.escalate.submit"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!reason.value.trim()) { reason.focus(); return; }
      post("/tasks/" + task.id + "/escalate", { reason: reason.value.trim() },
        t("done.escalated", { name: task.name }), onChanged);
    });
    return form;
  }

  /* The task's notes and tools; tools only while it is open and the agent may act on it
   * (their own, or unclaimed for waiting and escalating: the server has the last word). */
  function section(options) {
    const { task, instance, me, onChanged } = options;
    const active = task.state === "open" || task.state === "claimed";
    const mine = task.assignee === me;
    const tools = [];
    if (active && (mine || !task.assignee)) {
      tools.push(waitingForm(task, instance, onChanged));
      if (mine && task.delegation_state !== "pending") {
        tools.push(reassignForm(task, me, onChanged), delegateForm(task, me, onChanged));
      }
      tools.push(escalateForm(task, onChanged));
    }
    const shown = notes(task, instance, me, onChanged);
    if (!shown.length && !tools.length) return null;
    return el("section", { class: "task-tools", "aria-label": t("tools.label") },
      ...shown, ...tools);
  }

  window.FlowdeskInboxTools = { section, flags, nameWithKey };
})();
