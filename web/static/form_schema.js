/* What a JSON schema says about a form's fields, for the schema forms (forms.js), as
 * window.FlowdeskFormSchema: which control a property gets (kindOf), its options (optionsOf,
 * with titles from allOf/if/then branches: branchTitles), and the required marks and narrowed
 * options that depend on other fields' values (applyConditions). Only const/enum conditions
 * on sibling fields are understood; the server checks the rest. */
(function () {
  "use strict";

  /* Conditional parts of a schema: allOf: [{if: {properties: {x: {const}}}, then: {...}}].
   * Only const/enum conditions on sibling fields are understood; the server checks the rest. */
  function matchesIf(condition, values) {
    if (!condition) return false;
    for (const name of condition.required || []) {
      if (values[name] === undefined) return false;
    }
    for (const [name, sub] of Object.entries(condition.properties || {})) {
      const value = values[name];
      if (value === undefined) continue;
      if ("const" in sub && value !== sub.const) return false;
      if (Array.isArray(sub.enum) && !sub.enum.includes(value)) return false;
    }
    return true;
  }

  function activeBranches(schema, values) {
    return (schema.allOf || []).filter((part) => matchesIf(part.if, values))
      .map((part) => part.then || {});
  }

  /* value → title for enums whose titles live in allOf/if/then branches (oneOf const/title). */
  function branchTitles(schema) {
    const titles = {};
    for (const part of schema.allOf || []) {
      for (const branch of [part.then, part.else, part]) {
        const props = branch && branch.properties;
        if (!props) continue;
        for (const [name, prop] of Object.entries(props)) {
          for (const option of prop.oneOf || []) {
            if (option.const === undefined || !option.title) continue;
            const map = titles[name] = titles[name] || {};
            const seen = map[option.const];
            if (!seen) map[option.const] = option.title;
            else if (!seen.split(" / ").includes(option.title)) {
              map[option.const] = seen + " / " + option.title;
            }
          }
        }
      }
    }
    return titles;
  }

  function optionsOf(prop, titles) {
    if (Array.isArray(prop.oneOf) && prop.oneOf.every((o) => o.const !== undefined)) {
      return prop.oneOf.map((o) => ({ value: o.const, title: o.title || String(o.const) }));
    }
    if (Array.isArray(prop.enum)) {
      return prop.enum.map((v) => ({ value: v, title: (titles && titles[v]) || String(v) }));
    }
    return null;
  }

  function kindOf(prop, titles) {
    const type = Array.isArray(prop.type) ? prop.type.find((x) => x !== "null") : prop.type;
    if (type === "boolean") return "checkbox";
    if (type === "integer" || type === "number") return optionsOf(prop) ? "select" : "number";
    if (type === "array") {
      const items = prop.items || {};
      if (optionsOf(items)) return "multi";
      if (items.type === "object" && items.properties) return "rows";
      return items.type === "string" ? "lines" : "json";
    }
    if (type === "string" || (type === undefined && optionsOf(prop, titles))) {
      if (optionsOf(prop, titles)) return "select";
      if (prop.format === "date") return "date";
      if (prop.format === "email") return "email";
      if ((prop.maxLength || 0) >= 500) return "textarea";
      return "text";
    }
    return "json";
  }

  /* Required marks and narrowed options that depend on other fields' values, for the fields
   * of ``schema`` (a form, or one row of a list of objects). */
  function applyConditions(schema, fields, required) {
    const values = {};
    for (const field of fields) {
      const read = field.read();
      if (!read.error && read.value !== undefined) values[field.name] = read.value;
    }
    const branches = activeBranches(schema, values);
    for (const field of fields) {
      const narrowed = branches.map((b) => b.properties && b.properties[field.name])
        .find((p) => p && optionsOf(p));
      if (field.setOptions) field.setOptions(narrowed ? optionsOf(narrowed) : null);
      field.setRequired(required.has(field.name)
        || branches.some((b) => (b.required || []).includes(field.name)));
    }
  }

  window.FlowdeskFormSchema = { branchTitles, optionsOf, kindOf, applyConditions };
})();
