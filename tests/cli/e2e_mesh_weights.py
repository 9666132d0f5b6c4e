#!/usr/bin/env python3
"""e2e_mesh_weights.py MESH_JSON: checks that every weighted route of every apex in the mesh's
state file sends 100 % in total; prints "ok W" (W = the weight of the -canary destination of the
last weighted route, as Flagger's GetRoutes reads it), or "bad: ..." and exits 1. A file that does
not exist yet prints "none"."""
import json, os, sys

path = sys.argv[1]
if not os.path.exists(path):
    print("none")
    sys.exit(0)
state = json.load(open(path))
canary = None
for ns, space in state["namespaces"].items():
    for apex, routes in space.get("routes", {}).items():
        for r in routes or []:
            dests = r.get("route", [])
            weights = [d.get("weight") for d in dests if d.get("weight") is not None]
            if weights and sum(weights) != 100:
                print(f"bad: {ns}/{apex} route {r.get('name')} weights {weights} sum to {sum(weights)}")
                sys.exit(1)
            for d in dests:
                if "-canary" in d.get("cluster", "") and d.get("weight") is not None:
                    canary = d["weight"]
print("ok", canary)
