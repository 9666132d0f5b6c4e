#!/usr/bin/env python3
"""e2e_monitor.py STATUS_URL MESH_JSON OUT: until killed, every 50 ms reads the canary
test/podinfo from the status API (when `aviary run` is up) and the mesh's state file, and appends
to OUT one line per change of what it sees ("phase weight mesh-canary-weight"), and a line
starting with "BAD" for any violation: a weighted route whose weights do not sum to 100, or a
status canaryWeight outside 0..100. Bounded by the caller (it is killed)."""
import json, os, sys, time, urllib.request

url, mesh, out = sys.argv[1], sys.argv[2], sys.argv[3]
last = None
with open(out, "a", buffering=1) as f:
    while True:
        status = None
        try:
            with urllib.request.urlopen(url + "/api/v1/namespaces/test/canaries/podinfo", timeout=2) as r:
                status = json.load(r).get("status", {})
        except Exception:
            pass
        mesh_w = "-"
        try:
            state = json.load(open(mesh))
            for ns, space in state["namespaces"].items():
                for apex, routes in space.get("routes", {}).items():
                    for rt in routes or []:
                        ws = [d.get("weight") for d in rt.get("route", []) if d.get("weight") is not None]
                        if ws and sum(ws) != 100:
                            f.write(f"BAD {ns}/{apex} route {rt.get('name')} weights {ws}\n")
                        for d in rt.get("route", []):
                            if "-canary" in d.get("cluster", "") and d.get("weight") is not None:
                                mesh_w = d["weight"]
        except (OSError, ValueError, KeyError):
            pass  # not written yet; the file is replaced atomically, never torn
        if status is not None:
            w = status.get("canaryWeight", 0)
            if not 0 <= w <= 100:
                f.write(f"BAD status canaryWeight {w}\n")
        seen = (status.get("phase") if status else "down", status.get("canaryWeight") if status else None, mesh_w)
        if seen != last:
            f.write(f"{time.time():.3f} phase={seen[0]} weight={seen[1]} mesh={seen[2]}\n")
            last = seen
        time.sleep(0.05)
