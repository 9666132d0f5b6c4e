#!/usr/bin/python3
"""Checks custom resources against the OpenAPI v3 schemas of their CRDs, offline.

    scripts/check-crd-schema.py --crds deploy/kubernetes/crds.yaml FILE|DIR...
    scripts/check-crd-schema.py --crds deploy/kubernetes/crds.yaml --accepted-by build/src/cli/aviary DIR...

Every YAML document under the given files and directories whose apiVersion and kind a CRD
serves is validated as an API server with strict field validation (kubectl's default,
--validate=strict) would: types, enums, patterns, required fields, minimum/maximum,
oneOf/anyOf/not, x-kubernetes-int-or-string, and unknown fields refused wherever the schema
does not say x-kubernetes-preserve-unknown-fields. Other documents are left alone.

Why this exists: `aviary sandbox` stores custom resources without validating them, and no
container engine or real API server runs here; this is the check an API server would make.
It uses Debian's python3-yaml and python3-jsonschema.

With --accepted-by BIN, a file is checked only if `BIN validate --strict -f FILE` accepts it:
that asserts that the CRD accepts every resource Aviary accepts. Files BIN refuses are listed.

Every problem is printed at once, one a line: FILE:LINE:COL: field.path: expected ..., found ...
Exit status: 0 all valid, 1 problems found, 2 bad usage or unreadable input.
"""
import argparse
import copy
import json
import os
import subprocess
import sys

import jsonschema
import yaml


def load_crds(path):
    served = {}
    with open(path, encoding="utf-8") as f:
        for doc in yaml.safe_load_all(f):
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for v in spec["versions"]:
                if v.get("served"):
                    key = (f'{spec["group"]}/{v["name"]}', spec["names"]["kind"])
                    served[key] = to_json_schema(v["schema"]["openAPIV3Schema"])
    return served


def to_json_schema(node):
    """OpenAPI v3 (Kubernetes structural schema) -> JSON Schema with strict unknown fields."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k in ("properties", "patternProperties"):
            out[k] = {name: to_json_schema(s) for name, s in v.items()}
        elif k in ("items", "additionalProperties", "not", "oneOf", "anyOf", "allOf"):
            out[k] = to_json_schema(v)
        elif k.startswith("x-kubernetes-") or k in ("description", "default", "format", "nullable", "example"):
            continue
        else:
            out[k] = copy.deepcopy(v)
    if node.get("x-kubernetes-int-or-string"):
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    # A field not in the schema is an error under strict field validation, unless the schema
    # preserves unknown fields. `metadata` (no properties) stays open: the server checks it.
    if (node.get("type") == "object" and "properties" in node and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def yaml_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith((".yaml", ".yml")):
                        yield os.path.join(root, name)
        else:
            yield p


def node_at(node, path):
    """The YAML node at a JSON path (keys and indexes), or the deepest one found."""
    for part in path:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
        else:
            nxt = None
        if nxt is None:
            return node
        node = nxt
    return node


def key_node(node, key):
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                return k
    return node


def dotted(path):
    s = ""
    for p in path:
        s += f"[{p}]" if isinstance(p, int) else ("." if s else "") + str(p)
    return s or "(document)"


def json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def found(v):
    text = json.dumps(v)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{json_type(v)} {text}"


def describe_alternatives(schemas):
    parts = []
    for s in schemas:
        if set(s) == {"required"}:
            parts.append("{" + ", ".join(s["required"]) + "}")
        elif "not" in s:
            parts.append("none of them")
        else:
            parts.append(json.dumps(s)[:40])
    return " | ".join(parts)


def problems_of(error):
    """(path, message) pairs for one jsonschema error, worded 'expected ..., found ...'."""
    path = list(error.absolute_path)
    v, inst, val = error.validator, error.instance, error.validator_value
    if v == "additionalProperties" and isinstance(inst, dict):
        known = set(error.schema.get("properties", {}))
        return [(path + [k], f"expected no field '{k}' (the CRD schema does not have it), found one")
                for k in sorted(set(inst) - known)]
    if v == "required":
        return [(path + [k], f"expected required field '{k}', found none") for k in val if k not in inst]
    if v == "type":
        return [(path, f"expected {val}, found {found(inst)}")]
    if v == "enum":
        return [(path, f"expected one of {json.dumps(val)}, found {found(inst)}")]
    if v == "pattern":
        return [(path, f"expected a string matching {val}, found {found(inst)}")]
    if v in ("minimum", "maximum"):
        return [(path, f"expected {'>=' if v == 'minimum' else '<='} {val}, found {found(inst)}")]
    if v == "oneOf":
        matching = sum(1 for s in val if jsonschema.Draft7Validator(s).is_valid(inst))
        return [(path, f"expected exactly one of {describe_alternatives(val)}, found {matching} matching")]
    return [(path, f"expected {v} {json.dumps(val)[:60]}, found {found(inst)}")]


def check_file(path, served):
    """Returns (documents checked, problems) for one file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    docs = list(yaml.safe_load_all(text))
    nodes = list(yaml.compose_all(text))
    checked, problems = 0, []
    for doc, node in zip(docs, nodes):
        if not isinstance(doc, dict):
            continue
        schema = served.get((doc.get("apiVersion"), doc.get("kind")))
        if schema is None:
            continue
        checked += 1
        validator = jsonschema.Draft7Validator(schema)
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
            for p, message in problems_of(error):
                target = node_at(node, p)
                if error.validator == "additionalProperties":
                    target = key_node(node_at(node, p[:-1]), p[-1])
                mark = target.start_mark
                problems.append((mark.line + 1, mark.column + 1, f"{dotted(p)}: {message}"))
    # In file order, as one reads the file.
    return checked, [f"{path}:{line}:{col}: {text}" for line, col, text in sorted(problems)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--crds", required=True, help="YAML file of CustomResourceDefinitions")
    ap.add_argument("--accepted-by", metavar="BIN", help="check only files that `BIN validate --strict -f FILE` accepts")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    try:
        served = load_crds(args.crds)
    except (OSError, yaml.YAMLError, KeyError, TypeError) as e:
        print(f"{args.crds}: cannot read the CRDs: {e}", file=sys.stderr)
        return 2
    if not served:
        print(f"{args.crds}: expected CustomResourceDefinitions, found none", file=sys.stderr)
        return 2
    total, files, refused, all_problems = 0, 0, [], []
    for path in yaml_files(args.paths):
        if args.accepted_by:
            r = subprocess.run([args.accepted_by, "validate", "--strict", "-f", path], capture_output=True, timeout=60)
            if r.returncode != 0:
                refused.append(path)
                continue
        try:
            checked, problems = check_file(path, served)
        except (OSError, yaml.YAMLError) as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            return 2
        if checked:
            files += 1
        total += checked
        all_problems += problems
    for p in all_problems:
        print(p)
    for path in refused:
        print(f"not checked (refused by {os.path.basename(args.accepted_by)} validate --strict): {path}")
    print(f"checked {total} resource(s) in {files} file(s): {len(all_problems)} problem(s)")
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main())
