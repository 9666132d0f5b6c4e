// `aviary render -f canary.yaml -f workload.yaml [-f hpa.yaml ...] [--canary-weight N]
// [--phase PHASE] [-o yaml|json]`: prints every object `aviary controller` would create or update
// for these inputs, without a cluster (docs/render.md). The objects come from
// platform/kubernetes/render.h, which builds them with the controller's own functions.
// Exit status: 0 printed; 1 the inputs have problems (all listed on stderr, nothing on stdout);
// 2 usage or unreadable input.
#include <iostream>
#include <iterator>
#include <memory>

#include "api/decode.h"
#include "api/report.h"
#include "cli/commands.h"
#include "platform/kubernetes/render.h"
#include "yaml/emit.h"

namespace aviary::cli {
namespace {

namespace pk = platform::kubernetes;

struct RenderArgs {
  std::vector<std::string> inputs;
  std::string output = "yaml";
  std::string phase;
  int canaryWeight = 0;
  bool mirror = false;
  std::string meshProvider = "istio";
  std::string selectorLabels = "app,name,app.kubernetes.io/name";
  std::string includeLabelPrefix;
  bool configTracking = true;
  std::string canaryUid;
  uint64_t seed = 1;
};

std::vector<std::string> splitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int fail(const ErrorList& errors) {
  for (const auto& e : errors) std::cerr << e.format() << "\n";
  std::cerr << "aviary render: " << errors.size() << " problem" << (errors.size() == 1 ? "" : "s")
            << "; nothing printed\n";
  return 1;
}

int runRender(const RenderArgs& args) {
  api::LoadResult loaded;
  for (const auto& file : args.inputs) {
    if (file == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      loaded.append(api::loadString(text, "-"));
      continue;
    }
    auto r = api::loadFile(file);
    if (!r) {
      std::cerr << "aviary render: " << r.error().message << "\n";
      return 2;
    }
    loaded.append(std::move(r.value()));
  }
  pk::RenderOptions options;
  options.canaryWeight = args.canaryWeight;
  options.mirror = args.mirror;
  options.meshProvider = args.meshProvider;
  options.selectorLabels = splitComma(args.selectorLabels);
  options.includeLabelPrefix = splitComma(args.includeLabelPrefix);
  options.configTracking = args.configTracking;
  options.canaryUid = args.canaryUid;
  options.seed = args.seed;
  ErrorList errors;
  if (args.phase.empty()) {
    // A weight without a phase means the analysis is under way.
    options.phase = args.canaryWeight != 0 || args.mirror ? pk::RenderPhase::Progressing : pk::RenderPhase::Initialized;
  } else if (auto p = pk::parseRenderPhase(args.phase)) {
    options.phase = *p;
  } else {
    errors.push_back(Error{ErrorCode::Invalid,
                           "expected one of " + std::string(pk::kRenderPhases) + ", found \"" + args.phase + "\"",
                           "--phase",
                           {}});
  }
  // The decoder's and validator's findings first: an invalid Canary is one the controller refuses.
  for (const auto& report : api::checkAll(loaded, false))
    errors.insert(errors.end(), report.errors.begin(), report.errors.end());
  if (loaded.canaries.empty() && loaded.rejectedCanaries.empty())
    errors.push_back(
        makeError(ErrorCode::Invalid, "expected a flagger.app/v1beta1 Canary among the inputs, found none", "-f"));
  const auto inputs = pk::renderInputs(loaded);
  std::vector<kube::Json> objects;
  for (const auto& canary : loaded.canaries) {
    auto more = pk::renderCanary(canary, inputs, options, errors);
    objects.insert(objects.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  if (!errors.empty()) return fail(errors);

  std::string out;
  if (args.output == "json") {
    out = pk::renderList(objects).dump(2) + "\n";
  } else {
    for (const auto& o : objects) {
      auto doc = yaml::emitYaml(o);
      if (!doc) return fail({doc.error()});
      out += "---\n" + *doc;
    }
  }
  std::cout << out;
  std::cout.flush();
  return std::cout ? 0 : 2;
}

}  // namespace

void addRenderCommand(CLI::App& app, Runner& run) {
  auto args = std::make_shared<RenderArgs>();
  auto* cmd = app.add_subcommand("render", "Print the objects aviary controller would write for a Canary");
  cmd->add_option("-f,--filename", args->inputs,
                  "Canary, target Deployment/DaemonSet/Service, HPA, ConfigMaps, Secrets (YAML or JSON, - for stdin); "
                  "repeatable")
      ->required();
  cmd->add_option("--canary-weight", args->canaryWeight, "Canary weight of the routes (0-100; default 0)")
      ->check(CLI::Range(0, 100));
  cmd->add_option("--phase", args->phase,
                  "Canary phase: Initialized (default), Progressing (default with --canary-weight), Promoting, "
                  "Finalising, Succeeded, Failed");
  cmd->add_flag("--mirror", args->mirror, "Traffic mirrored to the canary (analysis.mirror; phase Progressing)");
  cmd->add_option("-o,--output", args->output, "Output format: yaml (a multi-document stream) or json (a v1 List)")
      ->check(CLI::IsMember({"yaml", "json"}));
  cmd->add_option("--mesh-provider", args->meshProvider,
                  "Provider of Canaries without spec.provider: istio (default) or kubernetes");
  cmd->add_option("--selector-labels", args->selectorLabels,
                  "As aviary controller's -selector-labels (default app,name,app.kubernetes.io/name)");
  cmd->add_option("--include-label-prefix", args->includeLabelPrefix,
                  "As aviary controller's -include-label-prefix (default: none copied)");
  cmd->add_option("--enable-config-tracking", args->configTracking,
                  "As aviary controller's -enable-config-tracking (default true)");
  cmd->add_option("--canary-uid", args->canaryUid,
                  "metadata.uid for the owner references when the Canary has none (else they are left out)");
  cmd->add_option("--seed", args->seed, "Seed of the flagger-id annotation and session cookies (default 1)");
  cmd->callback([args, &run] { run = [args] { return runRender(*args); }; });
}

}  // namespace aviary::cli
