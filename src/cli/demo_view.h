#pragma once
// What `aviary demo` shows. On a terminal: a live view redrawn in place (phase, the weight bar
// primary/canary, the demo's request rate per version, the latest metric values against their
// thresholds, the latest events) and a summary at the end. Elsewhere (CI, a pipe): one plain line
// per event as `kubectl describe` prints them, and the same summary.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/canary.h"
#include "controller/event_sink.h"

namespace aviary::cli {

class DemoView {
 public:
  struct Step {
    std::string what;
    double seconds = 0;
  };
  // Requests through the apex during each release's analysis: release → canary weight →
  // the version that answered (or "HTTP <code>") → count.
  using Split = std::map<std::string, std::map<int, std::map<std::string, long>>>;
  explicit DemoView(bool tty) : tty_(tty) {}

  void heading(const std::string& text);
  // The replica sets and their autoscalers (`aviary demo --autoscaling`), shown under the weight
  // bar on a terminal; "" shows nothing.
  void replicas(std::string text) { replicas_ = std::move(text); }
  // What the verdict line says happened when every step went well.
  void story(std::string text) { story_ = std::move(text); }
  // A line of the controller (events, applied files): printed at once without a terminal, kept
  // for the live view with one.
  void log(const std::string& line);
  void render(const std::shared_ptr<const api::Canary>& canary, const std::map<std::string, double>& values,
              const std::map<std::string, double>& rates, const std::vector<controller::Event>& events, double elapsed);
  void summary(const std::vector<Step>& steps, const std::vector<std::string>& failures,
               const std::map<std::string, long>& served, const std::vector<controller::Event>& events, double seconds,
               bool interrupted);

  // One line per canary weight of each analysis: the share the release itself answered, e.g.
  // "  3.1.1 at weight 20: 19.6% of 102 requests answered by 3.1.1" (pure text, tested by the
  // demo's end-to-end test).
  static std::string splitText(const Split& split);
  void split(const Split& split) { std::fputs(splitText(split).c_str(), stdout); }

  // The weight bar, `width` cells: '#' for the primary's share, '=' for the canary's (pure, tested).
  static std::string bar(int32_t canaryWeight, int width);

 private:
  bool tty_;
  std::string heading_;
  std::string replicas_;
  std::string story_ = "3.1.1 promoted, 3.1.2 rolled back";
  std::vector<std::string> lines_;
};

}  // namespace aviary::cli
