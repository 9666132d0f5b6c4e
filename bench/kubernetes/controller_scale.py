#!/usr/bin/env python3
"""`aviary controller` at scale on `aviary sandbox`: N Canaries (each with its Deployment) in M
namespaces. Measures the time until every Canary is Initialized, the controller's RSS, and the
API requests it sends per tick once they are all steady (aviary_kube_requests_total on its
/metrics: the goal is none). No peer: Flagger cannot run here (no Go toolchain, no cluster).

  bench/kubernetes/controller_scale.py build/src/cli/aviary [--canaries 1000] [--namespaces 50]
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def kube_requests(url):
    body = urllib.request.urlopen(url + "/metrics", timeout=10).read().decode()
    out = {}
    for kind in ("read", "write", "watch"):
        m = re.search(r'aviary_kube_requests_total\{kind="%s"\} (\d+)' % kind, body)
        out[kind] = int(m.group(1)) if m else -1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("aviary")
    ap.add_argument("--canaries", type=int, default=1000)
    ap.add_argument("--namespaces", type=int, default=50)
    ap.add_argument("--qps", default="100", help="-kube-api-qps (Flagger's default 100; 0 = unlimited)")
    ap.add_argument("--burst", default="250")
    ap.add_argument("--interval-scale", default="0.1", help="-time-scale: the Canaries' 1m interval x this")
    ap.add_argument("--steady-seconds", type=float, default=30)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--log-level", default="warning", help="the controller's -log-level (debug logs every API write)")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="aviary-kscale-")
    kc = os.path.join(work, "kubeconfig")
    env = dict(os.environ, KUBECONFIG=kc)
    procs = []
    try:
        sb = subprocess.Popen([a.aviary, "sandbox", "--kubeconfig", kc, "--watch-history", "200000"],
                              stdout=subprocess.PIPE, text=True)
        procs.append(sb)
        print(sb.stdout.readline().strip(), flush=True)
        crds = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "sandbox", "testdata", "flagger-crds.yaml")
        subprocess.run(["kubectl", "apply", "-f", crds], env=env, check=True, stdout=subprocess.DEVNULL)
        docs = []
        per_ns = (a.canaries + a.namespaces - 1) // a.namespaces
        n = 0
        for i in range(a.namespaces):
            ns = f"bench-{i}"
            docs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            for j in range(per_ns):
                if n == a.canaries:
                    break
                n += 1
                name = f"app-{j}"
                docs.append({"apiVersion": "apps/v1", "kind": "Deployment",
                             "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
                             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                                      "template": {"metadata": {"labels": {"app": name}},
                                                   "spec": {"containers": [{"name": "c", "image": "podinfo:3.1.0"}]}}}})
                docs.append({"apiVersion": "flagger.app/v1beta1", "kind": "Canary",
                             "metadata": {"name": name, "namespace": ns},
                             "spec": {"provider": "kubernetes",
                                      "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                                      "service": {"port": 9898},
                                      "analysis": {"interval": "1m", "threshold": 2, "iterations": 2}}})
        manifest = os.path.join(work, "objects.json")
        with open(manifest, "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": docs}, f)
        t = time.monotonic()
        subprocess.run(["kubectl", "create", "--validate=false", "-f", manifest], env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"created {n} Deployments and Canaries in {a.namespaces} namespaces in {time.monotonic() - t:.1f} s", flush=True)

        start = time.monotonic()
        ctl = subprocess.Popen([a.aviary, "controller", "-kubeconfig", kc, "-mesh-provider", "kubernetes", "-port", "0",
                                "-log-level", a.log_level, "-kube-api-qps", a.qps, "-kube-api-burst", a.burst,
                                "-time-scale", a.interval_scale, "-min-interval", "1s"],
                               stdout=subprocess.PIPE, stderr=open(os.path.join(work, "controller.log"), "w"), text=True)
        procs.append(ctl)
        line = ctl.stdout.readline().strip()
        url = line[line.index("http://"):]
        print(f"controller up in {time.monotonic() - start:.1f} s (caches synced): {line}", flush=True)
        done = 0
        while time.monotonic() - start < a.timeout:
            out = subprocess.run(["kubectl", "get", "canaries", "-A", "-o", "jsonpath={.items[*].status.phase}"],
                                 env=env, check=True, capture_output=True, text=True).stdout.split()
            done = sum(1 for p in out if p == "Initialized")
            if done == n:
                break
            time.sleep(1)
        init_s = time.monotonic() - start
        print(f"Initialized: {done}/{n} after {init_s:.1f} s; controller RSS {rss_mib(ctl.pid):.1f} MiB; "
              f"sandbox RSS {rss_mib(sb.pid):.1f} MiB", flush=True)
        time.sleep(3)  # let the last initialization ticks end
        r0 = kube_requests(url)
        print(f"requests to initialize: reads {r0['read']}, writes {r0['write']} ({r0['write'] / n:.1f} per canary), "
              f"watch requests {r0['watch']}", flush=True)
        time.sleep(a.steady_seconds)
        r1 = kube_requests(url)
        interval = max(1.0, 60 * float(a.interval_scale))
        ticks = n * a.steady_seconds / interval
        d = {k: r1[k] - r0[k] for k in r0}
        print(f"steady state over {a.steady_seconds:.0f} s (~{ticks:.0f} ticks at {interval:.0f} s): "
              f"reads {d['read']}, writes {d['write']}, watch requests {d['watch']} "
              f"-> {(d['read'] + d['write']) / ticks:.4f} requests per tick; controller RSS {rss_mib(ctl.pid):.1f} MiB",
              flush=True)
        print(f"controller log: {os.path.join(work, 'controller.log')}")
        return 0 if done == n else 1
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    sys.exit(main())
