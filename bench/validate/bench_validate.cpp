// bench_validate --generate N FILE   writes N Canaries (seed-like, with varied strategies) to FILE
// bench_validate FILE [REPEAT]       decodes + validates FILE REPEAT times (default 3) and prints
//                                    the best wall time, documents per second and peak RSS, and
//                                    the time libyaml alone takes to parse the same text into
//                                    events (the floor for our libyaml based decoder).
// Peak RSS is read before the peer runs.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <yaml.h>

#include "api/decode.h"
#include "api/report.h"

namespace {

// One Canary in the style of the seed; `i` varies names, strategy and lists.
std::string canary(int i) {
  std::ostringstream o;
  o << "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: app-" << i << "\n  namespace: team-" << i % 50
    << "\n  labels:\n    app: app-" << i << "\nspec:\n  provider: istio\n  targetRef:\n"
    << "    apiVersion: apps/v1\n    kind: Deployment\n    name: app-" << i << "\n  progressDeadlineSeconds: 60\n"
    << "  autoscalerRef:\n    apiVersion: autoscaling/v2beta2\n    kind: HorizontalPodAutoscaler\n    name: app-" << i
    << "\n  service:\n    port: 9898\n    targetPort: 9898\n    gateways:\n    - "
       "public-gateway.istio-system.svc.cluster.local\n"
    << "    hosts:\n    - app-" << i << ".example.com\n    trafficPolicy:\n      tls:\n        mode: DISABLE\n"
    << "    retries:\n      attempts: 3\n      perTryTimeout: 1s\n      retryOn: \"gateway-error,connect-failure\"\n"
    << "  analysis:\n    interval: 1m\n    threshold: 5\n";
  switch (i % 3) {
    case 0:
      o << "    maxWeight: 50\n    stepWeight: 10\n";
      break;
    case 1:
      o << "    stepWeights: [1, 5, 10, 25, 50]\n";
      break;
    default:
      o << "    iterations: 10\n    match:\n    - headers:\n        x-canary:\n          exact: insider\n";
  }
  o << "    metrics:\n    - name: request-success-rate\n      thresholdRange:\n        min: 99\n      interval: 1m\n"
    << "    - name: request-duration\n      thresholdRange:\n        max: 500\n      interval: 30s\n"
    << "    webhooks:\n    - name: acceptance-test\n      type: pre-rollout\n      url: "
       "http://flagger-loadtester.test/\n"
    << "      timeout: 30s\n      metadata:\n        type: bash\n        cmd: \"curl -sd 'test' http://app-" << i
    << "-canary:9898/token | grep token\"\n    - name: load-test\n      url: http://flagger-loadtester.test/\n"
    << "      timeout: 5s\n      metadata:\n        cmd: \"hey -z 1m -q 10 -c 2 http://app-" << i
    << "-canary.test:9898/\"\n";
  return o.str();
}

// CPU time (user + system) of the process so far; less disturbed than wall time on a busy host.
double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

bool libyamlEvents(const std::string& text) {
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  bool ok = true;
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      ok = false;
      break;
    }
    bool end = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
    if (end) break;
  }
  yaml_parser_delete(&parser);
  return ok;
}

long peakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--generate") {
    int n = std::atoi(argv[2]);
    std::ofstream out(argv[3], std::ios::binary);
    for (int i = 0; i < n; ++i) out << (i ? "---\n" : "") << canary(i);
    return out ? 0 : 2;
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s --generate N FILE | %s FILE [REPEAT]\n", argv[0], argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  int repeat = argc > 2 ? std::atoi(argv[2]) : 3;
  double best = 1e9, bestDecode = 1e9, bestParse = 1e9, bestCpu = 1e9, bestParseCpu = 1e9;
  size_t docs = 0, errors = 0, warnings = 0;
  for (int r = 0; r < repeat; ++r) {
    double c0 = cpuSeconds();
    auto t0 = std::chrono::steady_clock::now();
    auto loaded = aviary::api::loadString(text, argv[1]);
    auto t1 = std::chrono::steady_clock::now();
    auto reports = aviary::api::checkAll(loaded, false);
    auto t2 = std::chrono::steady_clock::now();
    docs = reports.size();
    errors = warnings = 0;
    for (const auto& rep : reports) errors += rep.errors.size(), warnings += rep.warnings.size();
    best = std::min(best, std::chrono::duration<double>(t2 - t0).count());
    bestCpu = std::min(bestCpu, cpuSeconds() - c0);

    bestDecode = std::min(bestDecode, std::chrono::duration<double>(t1 - t0).count());
  }
  const double rssOurs = peakRssKb() / 1024.0;
  for (int r = 0; r < repeat; ++r) {
    // Peer: libyaml alone producing the events of the whole stream, single-threaded (the floor
    // for a libyaml based decoder; yaml-cpp 0.7 LoadAll took 2.4 s on 10,000 Canaries here).
    double c0 = cpuSeconds();
    auto p0 = std::chrono::steady_clock::now();
    if (!libyamlEvents(text)) std::fprintf(stderr, "peer: libyaml reported a syntax error\n");
    bestParseCpu = std::min(bestParseCpu, cpuSeconds() - c0);
    bestParse = std::min(bestParse, std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count());
  }
  std::printf("file=%s bytes=%zu documents=%zu errors=%zu warnings=%zu\n", argv[1], text.size(), docs, errors,
              warnings);
  std::printf("best of %d: decode+validate %.3f s (decode %.3f s), %.0f documents/s, %.1f MB/s, peak RSS %.1f MB\n",
              repeat, best, bestDecode, docs / best, text.size() / best / 1e6, rssOurs);
  std::printf("CPU time (user+sys, all threads): decode+validate %.3f s\n", bestCpu);
  std::printf(
      "peer: libyaml events alone (1 thread) %.3f s wall, %.3f s CPU, %.0f documents/s; "
      "hardware threads %u\n",
      bestParse, bestParseCpu, docs / bestParse, std::thread::hardware_concurrency());
  return errors == 0 ? 0 : 1;
}
