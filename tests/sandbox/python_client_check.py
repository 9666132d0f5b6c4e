#!/usr/bin/python3
"""The sandbox checked by the official Kubernetes Python client (Debian python3-kubernetes).

Run by sandbox_python_test with a kubeconfig for a fresh sandbox whose watch history holds 40
writes. Exits non-zero (with the failed check) on the first problem.
"""
import json
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

NS = "default"


def check(cond, what):
    if not cond:
        print("FAILED: " + what)
        sys.exit(1)
    print("ok: " + what)


def expect_api_error(status, fn, what):
    try:
        fn()
    except ApiException as e:
        check(e.status == status, "%s (HTTP %s, expected %s)" % (what, e.status, status))
        return
    check(False, what + " raised no ApiException")


def main(kubeconfig):
    config.load_kube_config(config_file=kubeconfig)
    v1 = client.CoreV1Api()
    custom = client.CustomObjectsApi()
    ext = client.ApiextensionsV1Api()

    names = [n.metadata.name for n in v1.list_namespace().items]
    check("default" in names, "list namespaces: %s" % names)

    cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py", labels={"app": "py"}), data={"a": "1"})
    created = v1.create_namespaced_config_map(NS, cm)
    check(created.metadata.resource_version, "create sets a resourceVersion")
    listed = v1.list_namespaced_config_map(NS, label_selector="app=py")
    check([c.metadata.name for c in listed.items] == ["py"], "list with a label selector")

    # Watch from the list's version: the next write arrives as an event.
    start_rv = listed.metadata.resource_version
    v1.patch_namespaced_config_map("py", NS, {"data": {"b": "2"}})
    w = watch.Watch()
    seen = None
    for event in w.stream(v1.list_namespaced_config_map, NS, resource_version=start_rv, timeout_seconds=5):
        seen = event
        w.stop()
    check(seen is not None and seen["type"] == "MODIFIED" and seen["object"].data == {"a": "1", "b": "2"},
          "watch delivers the patch as MODIFIED")

    # Replace with a stale resourceVersion: 409.
    current = v1.read_namespaced_config_map("py", NS)
    current.data["c"] = "3"
    v1.replace_namespaced_config_map("py", NS, current)
    current.data["c"] = "4"
    expect_api_error(409, lambda: v1.replace_namespaced_config_map("py", NS, current), "stale replace is a conflict")

    # A CRD of Flagger's shape, a Canary, its status subresource.
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "canaries.flagger.app"},
        "spec": {"group": "flagger.app", "scope": "Namespaced",
                 "names": {"plural": "canaries", "singular": "canary", "kind": "Canary"},
                 "versions": [{"name": "v1beta1", "served": True, "storage": True, "subresources": {"status": {}},
                               "schema": {"openAPIV3Schema": {"type": "object",
                                                              "x-kubernetes-preserve-unknown-fields": True}}}]}}
    ext.create_custom_resource_definition(crd, _preload_content=False)
    canary = {"apiVersion": "flagger.app/v1beta1", "kind": "Canary", "metadata": {"name": "podinfo"},
              "spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"}}}
    made = custom.create_namespaced_custom_object("flagger.app", "v1beta1", NS, "canaries", canary)
    check(made["metadata"]["generation"] == 1, "custom object created with generation 1")
    made["status"] = {"phase": "Initialized"}
    made["spec"]["ignored"] = True
    after = custom.replace_namespaced_custom_object_status("flagger.app", "v1beta1", NS, "canaries", "podinfo", made)
    check(after["status"] == {"phase": "Initialized"} and "ignored" not in after["spec"],
          "replace status takes status only")
    patched = custom.patch_namespaced_custom_object("flagger.app", "v1beta1", NS, "canaries", "podinfo",
                                                    {"spec": {"analysis": {"interval": "1m"}}})
    check(patched["metadata"]["generation"] == 2 and patched["status"] == {"phase": "Initialized"},
          "patching spec bumps generation and keeps status")

    # Enough writes to push start_rv out of the 40-write history: a watch from it is 410 Gone.
    for i in range(45):
        v1.patch_namespaced_config_map("py", NS, {"data": {"n": str(i)}})

    def old_watch():
        for _ in watch.Watch().stream(v1.list_namespaced_config_map, NS, resource_version=start_rv,
                                      timeout_seconds=5):
            pass
    expect_api_error(410, old_watch, "watch from a compacted resourceVersion")
    print("all checks passed")


if __name__ == "__main__":
    main(sys.argv[1])
