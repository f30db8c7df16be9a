// Builds the front-end assets into app/static/ (not committed):
// Sass from app/assets/app.scss with GOV.UK Frontend, plus its fonts, images
// and JavaScript, and the bpmn-js viewer for the process diagram.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "app", "static");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const bpmn = join(root, "node_modules", "bpmn-js", "dist");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "vendor", "bpmn-js"), { recursive: true });

const css = sass.compile(join(root, "app", "assets", "app.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter()],
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "app.css"), css.css);

cpSync(join(govuk, "assets", "images"), join(out, "images"), { recursive: true });
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(root, "app", "assets", "app.js"), join(out, "app.js"));
cpSync(join(root, "app", "assets", "timeout-warning.js"), join(out, "timeout-warning.js"));
cpSync(join(root, "app", "assets", "reveal.js"), join(out, "reveal.js"));
cpSync(join(root, "app", "assets", "diagram.js"), join(out, "diagram.js"), { force: true, errorOnExist: false });
cpSync(join(bpmn, "bpmn-viewer.production.min.js"), join(out, "vendor", "bpmn-js", "bpmn-viewer.js"));
cpSync(join(bpmn, "assets"), join(out, "vendor", "bpmn-js", "assets"), { recursive: true });

console.log(`Built assets into ${out}`);
