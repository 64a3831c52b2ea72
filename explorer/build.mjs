// Builds the explorer into kgbuild/server/static/: our own files from src/, plus the
// libraries' published dist files copied from node_modules, so the page never loads
// anything from outside the server it came from.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "kgbuild", "server", "static");
const modules = join(here, "node_modules");

const vendor = [
  ["cytoscape/dist/cytoscape.esm.min.mjs", "cytoscape.esm.min.mjs"],
  ["cytoscape/LICENSE", "cytoscape.LICENSE.txt"],
  ["@zazuko/yasqe/build/yasqe.min.js", "yasqe.min.js"],
  ["@zazuko/yasqe/build/yasqe.min.css", "yasqe.min.css"],
];

for (const [from] of vendor) {
  if (!existsSync(join(modules, from))) {
    console.error(`explorer build: ${from} is missing; run \`npm ci\` in explorer/ first`);
    process.exit(1);
  }
}

// Build into a temporary folder and swap it in, so a server never sees half an asset tree.
const tmp = `${out}.tmp`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(join(tmp, "vendor"), { recursive: true });
cpSync(join(here, "src"), tmp, { recursive: true });
for (const [from, to] of vendor) cpSync(join(modules, from), join(tmp, "vendor", to));

const version = (name) => JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")).version;
const info = {
  explorer: JSON.parse(readFileSync(join(here, "package.json"), "utf8")).version,
  libraries: { cytoscape: version("cytoscape"), "@zazuko/yasqe": version("@zazuko/yasqe") },
};
writeFileSync(join(tmp, "build-info.json"), JSON.stringify(info, null, 2) + "\n");

rmSync(out, { recursive: true, force: true });
cpSync(tmp, out, { recursive: true });
rmSync(tmp, { recursive: true, force: true });
console.log(`explorer built into ${out} (cytoscape ${info.libraries.cytoscape}, yasqe ${info.libraries["@zazuko/yasqe"]})`);
