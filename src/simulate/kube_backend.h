#pragma once
// The backend of scenarios on Kubernetes objects (docs/simulate.md): an in-process sandbox API
// server (src/sandbox) on 127.0.0.1, port 0, plain HTTP, with Flagger's CRDs (deploy/kubernetes/
// crds.yaml) and Istio's networking CRDs embedded at build time; the scenario's objects created in
// it (namespaces as needed, the Canary last); the real Kubernetes platform
// (platform/kubernetes: WorkloadTarget, Services, the kubernetes router) and, for provider istio
// (the default), the real Istio router (router/istio), all on the run's virtual clock — the
// sandbox stamps its times and its kubelet stand-in's conditions with it too, so progress
// deadlines count virtual time.
//
// Real time is spent only where the platform works on other threads: settle() waits (polling
// every millisecond, at most 10 s) until the kubelet stand-in has reconciled every write and
// every watch cache of the platform holds what the server holds (well under a millisecond on
// loopback), and teardown waits for the watch threads, which end with the server's watches.
//
// Steps: `apply:` creates an object, or patches an existing one as `kubectl apply` does for the
// fields given (strategic merge for built-in kinds, JSON merge for custom resources); `ready:`
// holds a Deployment's or DaemonSet's pods unready by name (the kubelet's holdUnready), or lets
// them be ready; `dump:` objects are read from the server.
#include <memory>

#include "simulate/backend.h"

namespace aviary::simulate {

// Starts the sandbox and the platform and creates the scenario's objects. Error (with the
// object's position) when an object cannot be created, e.g. a kind the sandbox does not serve.
Result<std::unique_ptr<Backend>> makeKubeBackend(const Scenario& scenario, ManualClock& clock, Random& random);

}  // namespace aviary::simulate
