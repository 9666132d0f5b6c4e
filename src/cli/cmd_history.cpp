// `aviary history NAME [-n NS] [-o text|json]`: the finished rollouts of a canary
// (controller/history.h, docs/operations.md): from a local controller's status API, or on
// Kubernetes from the ConfigMap NAME-aviary-history.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/history_view.h"
#include "cli/kube_cli.h"
#include "common/http_client.h"
#include "platform/kubernetes/kube_history.h"
#include "platform/kubernetes/resources.h"

namespace aviary::cli {
namespace {

using nlohmann::json;

Result<json> localHistory(const TargetFlags& t, const std::string& ns, const std::string& name) {
  const std::string base = t.server + "/api/v1/namespaces/" + ns + "/canaries/" + name;
  auto r = http::get(base + "/history", std::chrono::seconds(10));
  if (!r) return r.error();
  auto j = json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return makeError(ErrorCode::Invalid, "GET " + base + "/history: the answer is not JSON");
  if (r->status == 404) return makeError(ErrorCode::NotFound, j.value("message", "not found"));
  if (r->status != 200)
    return makeError(ErrorCode::Unavailable, j.value("message", "HTTP " + std::to_string(r->status)));
  return j;
}

Result<json> kubeHistory(const TargetFlags& t, std::string ns, const std::string& name) {
  auto target = kubeClient(t, "aviary-cli");
  if (!target) return target.error();
  if (ns.empty()) ns = target->ns;
  auto& client = target->client;
  // The canary first: "not found" should name the canary, not its ConfigMap.
  auto c = client->get(platform::kubernetes::kCanaries, ns, name);
  if (!c) {
    if (c.error().code == ErrorCode::NotFound) {
      return makeError(ErrorCode::NotFound, "canaries.flagger.app \"" + name + "\" not found in namespace " + ns);
    }
    return c.error();
  }
  platform::kubernetes::KubeHistoryStore store(*client);
  auto records = store.list(ns, name);
  if (!records) return records.error();
  json items = json::array();
  for (const auto& r : *records) items.push_back(controller::toJson(r));
  return json{{"items", items}};
}

}  // namespace

void addHistoryCommand(CLI::App& app, Runner& run) {
  struct Opts {
    std::string name, ns, output = "text";
    TargetFlags target;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd =
      app.add_subcommand("history", "Show a canary's finished rollouts: steps, metric values, webhooks, verdict");
  cmd->add_option("name", o->name, "Canary name")->required();
  cmd->add_option("-n,--namespace", o->ns, "Namespace (default: \"default\"; on Kubernetes the context's)");
  cmd->add_option("-o,--output", o->output, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  addTargetFlags(cmd, o->target);
  cmd->callback([o, &run] {
    run = [o] {
      auto h = o->target.onKubernetes() ? kubeHistory(o->target, o->ns, o->name)
                                        : localHistory(o->target, o->ns.empty() ? "default" : o->ns, o->name);
      if (!h) {
        std::fprintf(stderr, "aviary history: %s\n", h.error().message.c_str());
        return 1;
      }
      const std::string text =
          o->output == "json" ? h->dump(2) + "\n" : renderHistory(*h, o->name, o->ns.empty() ? "default" : o->ns);
      std::fputs(text.c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace aviary::cli
