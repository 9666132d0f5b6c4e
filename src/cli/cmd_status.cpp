// `aviary status [NAME] [-n NS | -A] [-o text|json] [-w]`: the canaries of a running controller:
// a table like `kubectl get canaries`, or for one canary the view of `kubectl describe canary`
// (-o json: the Canary as `kubectl get -o json`). Local: from the controller's status API
// (docs/local-platform.md). Kubernetes (--kube, --kubeconfig, --context): from the API server,
// the same view (docs/operations.md); the metrics' last values are the controller's and show as
// <none> there.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/replicas_view.h"
#include "cli/kube_cli.h"
#include "cli/kube_status.h"
#include "cli/status_view.h"
#include "common/http_client.h"
#include "platform/kubernetes/resources.h"

namespace aviary::cli {
namespace {

using nlohmann::json;

Result<json> fetch(const std::string& url) {
  auto r = http::get(url, std::chrono::seconds(5));
  if (!r) return r.error();
  auto j = json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return makeError(ErrorCode::Invalid, "GET " + url + ": the answer is not JSON");
  if (r->status == 404) return makeError(ErrorCode::NotFound, j.value("message", "not found"));
  if (r->status != 200) return makeError(ErrorCode::Unavailable, "GET " + url + ": HTTP " + std::to_string(r->status));
  return j;
}

struct Opts {
  std::string name, ns, output = "text";
  bool all = false, watch = false;
  double interval = 1.0;
  TargetFlags target;
};

// One rendering of what was asked, from the local status API.
Result<std::string> localView(const Opts& o) {
  if (o.name.empty()) {
    auto list = fetch(o.target.server + "/api/v1/canaries");
    if (!list) return list.error();
    if (!o.ns.empty() && !o.all) {
      json items = json::array();
      for (const auto& c : (*list)["items"])
        if (c["metadata"].value("namespace", "default") == o.ns) items.push_back(c);
      (*list)["items"] = items;
    }
    return o.output == "json" ? list->dump(2) + "\n" : renderTable(*list, o.ns.empty() || o.all);
  }
  const std::string base =
      o.target.server + "/api/v1/namespaces/" + (o.ns.empty() ? "default" : o.ns) + "/canaries/" + o.name;
  auto c = fetch(base);
  if (!c) return c.error();
  if (o.output == "json") return c->dump(2) + "\n";
  auto events = fetch(base + "/events");
  auto analysis = fetch(base + "/analysis");
  std::string text = renderDescribe(*c, events ? *events : json::object(), analysis ? *analysis : json::object(),
                                    std::chrono::system_clock::now());
  // The local platform's replica sets and HPAs (docs/autoscaling.md), before the events.
  if (auto sets = fetch(o.target.server + "/api/v1/replicasets")) {
    auto hpas = fetch(o.target.server + "/api/v1/horizontalpodautoscalers");
    const std::string r = renderReplicas(*c, *sets, hpas ? *hpas : json::object());
    const auto at = text.find("Events:");
    text.insert(at == std::string::npos ? text.size() : at, r);
  }
  return text;
}

// The same from the API server; `ns` is -n or the context's namespace.
Result<std::string> kubeView(const Opts& o, kube::Client& client, const std::string& ns) {
  if (o.name.empty()) {
    auto list = kubeCanaries(client, o.all ? "" : ns);
    if (!list) return list.error();
    return o.output == "json" ? list->dump(2) + "\n" : renderTable(*list, o.all);
  }
  auto c = client.get(platform::kubernetes::kCanaries, ns, o.name);
  if (!c) {
    if (c.error().code == ErrorCode::NotFound) {
      return makeError(ErrorCode::NotFound, "canaries.flagger.app \"" + o.name + "\" not found in namespace " + ns);
    }
    return c.error();
  }
  if (o.output == "json") return c->dump(2) + "\n";
  auto events = kubeCanaryEvents(client, ns, o.name);
  return renderDescribe(*c, events ? *events : json::object(), analysisFromSpec(*c), std::chrono::system_clock::now());
}

}  // namespace

void addStatusCommand(CLI::App& app, Runner& run) {
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("status", "Show canaries (like kubectl get/describe canary), local or on Kubernetes");
  cmd->add_option("name", o->name, "Canary name (omit for a table of every canary)");
  cmd->add_option("-n,--namespace", o->ns,
                  "Namespace (local: all in the table, \"default\" for a name; Kubernetes: the context's)");
  cmd->add_flag("-A,--all-namespaces", o->all, "The table of every namespace (like kubectl get canaries -A)");
  cmd->add_option("-o,--output", o->output, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_flag("-w,--watch", o->watch, "Follow: print again whenever something changes (reads once a second)");
  addTargetFlags(cmd, o->target);
  cmd->callback([o, &run] {
    run = [o] {
      KubeTarget kube;
      if (o->target.onKubernetes()) {
        auto t = kubeClient(o->target, "aviary-cli");
        if (!t) {
          std::fprintf(stderr, "aviary status: %s\n", t.error().message.c_str());
          return 1;
        }
        kube = std::move(*t);
      }
      const std::string ns = o->ns.empty() ? kube.ns : o->ns;
      std::string last;
      for (;;) {
        auto text = kube.client ? kubeView(*o, *kube.client, ns) : localView(*o);
        if (!text) {
          std::fprintf(stderr, "aviary status: %s\n", text.error().message.c_str());
          return 1;
        }
        if (*text != last) {
          if (o->watch && !last.empty() && isatty(STDOUT_FILENO)) std::fputs("\033[H\033[2J", stdout);
          std::fputs(text->c_str(), stdout);
          if (o->watch && !isatty(STDOUT_FILENO)) std::fputs("---\n", stdout);
          std::fflush(stdout);
          last = *text;
        }
        if (!o->watch) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(o->interval * 1000)));
      }
    };
  });
}

}  // namespace aviary::cli
