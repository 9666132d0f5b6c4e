// Validates Kubernetes objects against the schemas of npm @kubernetes-models/istio (Istio CRDs)
// and, for the built-in kinds, npm kubernetes-models (the Kubernetes OpenAPI schemas).
// Usage: node schema_check.mjs NODE_MODULES_DIR FILE.json...  (each file a v1 List or one object).
// Prints one line per object; exits 1 when any object is invalid or of a kind it cannot check.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// ES modules ignore NODE_PATH: load the packages from the directory the install put them in.
const [modulesDir, ...files] = process.argv.slice(2);
// apiVersion -> the package module holding its kinds (loaded when first needed).
const modules = {
  "networking.istio.io/v1beta1": "@kubernetes-models/istio/networking.istio.io/v1beta1/index.js",
  "v1": "kubernetes-models/v1/index.js",
  "apps/v1": "kubernetes-models/apps/v1/index.js",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2/index.js",
};
const loaded = {};
async function modelOf(apiVersion, kind) {
  const path = modules[apiVersion];
  if (!path) return undefined;
  if (!(apiVersion in loaded)) {
    const file = join(modulesDir, path);
    loaded[apiVersion] = existsSync(file) ? await import(pathToFileURL(file).href) : null;
    if (!loaded[apiVersion]) console.log(`${file} is absent (scripts/install-deps.sh installs it)`);
  }
  return loaded[apiVersion]?.[kind];
}

let failed = 0;
for (const file of files) {
  const doc = JSON.parse(readFileSync(file, "utf8"));
  const items = doc.kind === "List" ? doc.items : [doc];
  for (const item of items) {
    const name = `${file}: ${item.kind}/${item.metadata?.name}`;
    const Model = await modelOf(item.apiVersion, item.kind);
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
