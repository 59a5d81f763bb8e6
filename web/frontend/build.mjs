// Bundles src/index.js (bpmn-js modeler + properties panel + Flowdesk's groups) into
// ../static/vendor/flowdesk-modeler/: flowdesk-modeler.js, flowdesk-modeler.css and
// LICENSES.txt (the licence of every npm package inside the bundle). Run via
// scripts/build_modeler.sh, which installs the pinned packages first.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";

const out = path.resolve("../static/vendor/flowdesk-modeler");
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: { "flowdesk-modeler": "src/index.js" },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outdir: out,
  // Fonts become files beside the CSS (the pages allow fonts from "self" only); the .eot font
  // is for old Internet Explorer only.
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".svg": "dataurl", ".eot": "empty" },
  assetNames: "[name]-[hash]",
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
});

// One licence file for the packages that ended up in the bundle.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) packages.add(match[1]);
}
const sections = [...packages].sort().map((name) => {
  const dir = path.join("node_modules", name);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  const text = file ? fs.readFileSync(path.join(dir, file), "utf8").trim()
    : `(no licence file; package.json says ${meta.license})`;
  return `== ${name} ${meta.version} (${meta.license}) ==\n\n${text}\n`;
});
fs.writeFileSync(path.join(out, "LICENSES.txt"), sections.join("\n"));
fs.writeFileSync(path.join(out, "VERSIONS"), [...packages].sort().map((name) => {
  const meta = JSON.parse(fs.readFileSync(path.join("node_modules", name, "package.json")));
  return `${name} ${meta.version}`;
}).join("\n") + "\n");
for (const file of fs.readdirSync(out)) {
  console.log(`${file}\t${fs.statSync(path.join(out, file)).size} bytes`);
}
