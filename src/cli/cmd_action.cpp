// `aviary promote|abort|pause|resume|retry NAME [-n NS]`: manual control of a rollout
// (controller/manual.h, docs/operations.md). Local: a POST to the controller's status API.
// Kubernetes: the annotation aviary.dev/action (with who and when) merged into the Canary, which
// the controller consumes, clears and answers with an Event. Either way the rule of
// controller::decide is checked first, so that a refusal is printed before anything is written;
// the controller checks it again when it applies the action.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/kube_cli.h"
#include "common/http_client.h"
#include "controller/gofmt.h"
#include "controller/manual.h"
#include "platform/kubernetes/resources.h"

namespace aviary::cli {
namespace {

using controller::ManualAction;
using controller::ManualVerb;
using nlohmann::json;

struct ActionOpts {
  std::string name, ns, user;  // ns "": "default" locally, the context's on Kubernetes
  bool skipAnalysis = false;
  TargetFlags target;
};

std::string defaultUser() {
  const char* u = std::getenv("USER");
  return u && *u ? u : "unknown";
}

int fail(const ManualAction& a, const std::string& message) {
  std::fprintf(stderr, "aviary %s: %s\n", controller::toString(a.verb), message.c_str());
  return 1;
}

int runLocal(ActionOpts o, const ManualAction& a) {
  if (o.ns.empty()) o.ns = "default";
  auto token = o.target.adminToken();
  if (!token) return fail(a, token.error().message);
  http::Request req;
  req.method = "POST";
  req.url = o.target.server + "/api/v1/namespaces/" + o.ns + "/canaries/" + o.name + "/actions";
  req.headers.push_back({"Content-Type", "application/json"});
  req.body = json{{"action", controller::toString(a.verb)}, {"skipAnalysis", a.skipAnalysis}, {"user", a.user}}.dump();
  req.bearerToken = *token;
  req.timeout = std::chrono::seconds(10);
  auto r = http::perform(req);
  if (!r) return fail(a, r.error().message);
  auto j = json::parse(r->body, nullptr, false);
  const std::string message = j.is_object() ? j.value("message", r->body) : r->body;
  if (r->status != 202) return fail(a, message);
  std::printf("%s (the controller applies it now; `aviary status %s -n %s` shows the event)\n", message.c_str(),
              o.name.c_str(), o.ns.c_str());
  return 0;
}

int runKube(ActionOpts o, const ManualAction& a) {
  auto target = kubeClient(o.target, "aviary-cli");
  if (!target) return fail(a, target.error().message);
  if (o.ns.empty()) o.ns = target->ns;
  auto& client = target->client;
  const auto& kCanaries = platform::kubernetes::kCanaries;
  auto obj = client->get(kCanaries, o.ns, o.name);
  if (!obj) {
    if (obj.error().code == ErrorCode::NotFound) {
      return fail(a, fmt::format("canaries.flagger.app \"{}\" not found in namespace {}", o.name, o.ns));
    }
    return fail(a, obj.error().message);
  }
  const json& c = *obj;
  api::CanaryStatus status;
  if (c.contains("status") && c["status"].is_object()) {
    status.phase = api::parsePhase(c["status"].value("phase", "")).value_or(api::Phase::None);
    for (const auto& cond : c["status"].value("conditions", json::array())) {
      api::Condition x;
      x.type = cond.value("type", "");
      x.status = cond.value("status", "");
      status.conditions.push_back(x);
    }
  }
  const auto d = controller::decide(a, status.phase, controller::isPaused(status));
  if (!d.applies) return fail(a, d.reason);
  const auto& meta = c.value("metadata", json::object());
  const auto ann = meta.value("annotations", json::object());
  if (ann.contains(controller::kActionAnnotation)) {
    return fail(
        a, fmt::format("an action is already pending on {}.{} ({}: {}); the controller has not consumed it yet", o.name,
                       o.ns, controller::kActionAnnotation, ann[controller::kActionAnnotation].get<std::string>()));
  }
  // The resourceVersion read makes the patch fail (409) if the canary changed since: the decision
  // above was taken on what we read.
  json patch{{"metadata",
              {{"resourceVersion", meta.value("resourceVersion", "")},
               {"annotations",
                {{controller::kActionAnnotation, controller::formatAction(a)},
                 {controller::kActionByAnnotation, a.user},
                 {controller::kActionAtAnnotation, a.time}}}}}};
  auto r = client->patch(kCanaries, o.ns, o.name, kube::PatchType::Merge, patch);
  if (!r) return fail(a, r.error().message);
  std::printf("%s of %s.%s requested (the controller applies it and records an Event on the Canary)\n",
              controller::formatAction(a).c_str(), o.name.c_str(), o.ns.c_str());
  return 0;
}

void addAction(CLI::App& app, Runner& run, ManualVerb verb, const char* help) {
  auto o = std::make_shared<ActionOpts>();
  auto* cmd = app.add_subcommand(controller::toString(verb), help);
  cmd->add_option("name", o->name, "Canary name")->required();
  cmd->add_option("-n,--namespace", o->ns, "Namespace (default: \"default\"; on Kubernetes the context's)");
  cmd->add_option("--user", o->user, "Who asks, recorded in the event (default: $USER)");
  if (verb == ManualVerb::Promote) {
    cmd->add_flag("--skip-analysis", o->skipAnalysis,
                  "Promote even though the confirm-promotion gate is closed, or from Waiting before any analysis");
  }
  addTargetFlags(cmd, o->target);
  cmd->callback([o, verb, &run] {
    run = [o, verb] {
      ManualAction a;
      a.verb = verb;
      a.skipAnalysis = o->skipAnalysis;
      a.user = o->user.empty() ? defaultUser() : o->user;
      a.time = controller::rfc3339(std::chrono::system_clock::now());
      return o->target.onKubernetes() ? runKube(*o, a) : runLocal(*o, a);
    };
  });
}

}  // namespace

void addActionCommands(CLI::App& app, Runner& run) {
  addAction(app, run, ManualVerb::Promote, "Finish a canary's analysis now and promote it");
  addAction(app, run, ManualVerb::Abort, "Roll a canary back now");
  addAction(app, run, ManualVerb::Pause, "Hold a canary at its weight: no checks run or count until resumed");
  addAction(app, run, ManualVerb::Resume, "Go on with a paused canary's analysis");
  addAction(app, run, ManualVerb::Retry, "Start the analysis of a Failed canary's revision again");
}

}  // namespace aviary::cli
