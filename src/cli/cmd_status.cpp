// `aviary status [NAME] [-n NS] [-o text|json] [-w]`: the canaries of a running controller, read
// from its status API (docs/local-platform.md): a table like `kubectl get canaries`, or for one
// canary the view of `kubectl describe canary` (-o json: the Canary as `kubectl get -o json`).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/replicas_view.h"
#include "cli/status_view.h"
#include "common/http_client.h"

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

}  // namespace

void addStatusCommand(CLI::App& app, Runner& run) {
  struct Opts {
    std::string name, ns, output = "text", server;
    bool watch = false;
    double interval = 1.0;
  };
  auto o = std::make_shared<Opts>();
  const char* env = std::getenv("AVIARY_SERVER");
  o->server = env ? env : "http://127.0.0.1:8080";
  auto* cmd = app.add_subcommand("status", "Show canaries of a running `aviary run` (like kubectl get/describe canary)");
  cmd->add_option("name", o->name, "Canary name (omit for a table of every canary)");
  cmd->add_option("-n,--namespace", o->ns, "Namespace (default: all in the table, \"default\" for a name)");
  cmd->add_option("-o,--output", o->output, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_flag("-w,--watch", o->watch, "Follow: print again whenever something changes");
  cmd->add_option("--server", o->server, "The controller's status API (env AVIARY_SERVER)")->capture_default_str();
  cmd->callback([o, &run] {
    run = [o] {
      std::string last;
      for (;;) {
        std::string text;
        if (o->name.empty()) {
          auto list = fetch(o->server + "/api/v1/canaries");
          if (!list) {
            std::fprintf(stderr, "aviary status: %s\n", list.error().message.c_str());
            return 1;
          }
          if (!o->ns.empty()) {
            json items = json::array();
            for (const auto& c : (*list)["items"])
              if (c["metadata"].value("namespace", "default") == o->ns) items.push_back(c);
            (*list)["items"] = items;
          }
          text = o->output == "json" ? list->dump(2) + "\n" : renderTable(*list, o->ns.empty());
        } else {
          const std::string base =
              o->server + "/api/v1/namespaces/" + (o->ns.empty() ? "default" : o->ns) + "/canaries/" + o->name;
          auto c = fetch(base);
          if (!c) {
            std::fprintf(stderr, "aviary status: %s\n", c.error().message.c_str());
            return 1;
          }
          if (o->output == "json") {
            text = c->dump(2) + "\n";
          } else {
            auto events = fetch(base + "/events");
            auto analysis = fetch(base + "/analysis");
            text = renderDescribe(*c, events ? *events : json::object(), analysis ? *analysis : json::object(),
                                  std::chrono::system_clock::now());
            // The local platform's replica sets and HPAs (docs/autoscaling.md), before the events.
            if (auto sets = fetch(o->server + "/api/v1/replicasets")) {
              auto hpas = fetch(o->server + "/api/v1/horizontalpodautoscalers");
              const std::string r = renderReplicas(*c, *sets, hpas ? *hpas : json::object());
              const auto at = text.find("Events:");
              text.insert(at == std::string::npos ? text.size() : at, r);
            }
          }
        }
        if (text != last) {
          if (o->watch && !last.empty() && isatty(STDOUT_FILENO)) std::fputs("\033[H\033[2J", stdout);
          std::fputs(text.c_str(), stdout);
          if (o->watch && !isatty(STDOUT_FILENO)) std::fputs("---\n", stdout);
          std::fflush(stdout);
          last = text;
        }
        if (!o->watch) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(o->interval * 1000)));
      }
    };
  });
}

}  // namespace aviary::cli
