// Validates Kubernetes objects against the Istio CRD schemas of npm @kubernetes-models/istio.
// Usage: node schema_check.mjs NODE_MODULES_DIR FILE.json...  (each file a v1 List or one object).
// Prints one line per object; exits 1 when any object is invalid or of a kind it cannot check.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// ES modules ignore NODE_PATH: load the package from the directory the install put it in.
const [modulesDir, ...files] = process.argv.slice(2);
const { VirtualService, DestinationRule } = await import(
  pathToFileURL(join(modulesDir, "@kubernetes-models/istio/networking.istio.io/v1beta1/index.js")).href);

const models = { VirtualService, DestinationRule };
let failed = 0;
for (const file of files) {
  const doc = JSON.parse(readFileSync(file, "utf8"));
  const items = doc.kind === "List" ? doc.items : [doc];
  for (const item of items) {
    const name = `${file}: ${item.kind}/${item.metadata?.name}`;
    const Model = item.apiVersion === "networking.istio.io/v1beta1" ? models[item.kind] : undefined;
    if (!Model) {
      console.log(`${name}: no schema for ${item.apiVersion} ${item.kind}`);
      failed++;
      continue;
    }
    try {
      new Model(item).validate();
      console.log(`${name}: valid`);
    } catch (e) {
      console.log(`${name}: INVALID: ${e.message}`);
      failed++;
    }
  }
}
process.exit(failed ? 1 : 0);
