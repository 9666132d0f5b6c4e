// `aviary validate -f FILE|DIR|- ... [-o json] [--strict]`: decodes and validates Canary,
// MetricTemplate and AlertProvider manifests; one line per resource (docs/validate.md).
// Exit status: 0 all valid, 1 any invalid, 2 unreadable input (or nothing to validate).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>

#include "api/decode.h"
#include "api/report.h"
#include "cli/commands.h"

namespace aviary::cli {
namespace {

namespace fs = std::filesystem;

struct ValidateArgs {
  std::vector<std::string> inputs;
  std::string output = "text";
  bool strict = false;
};

bool isManifest(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Expands the -f arguments into files (directories recursively, sorted); problems go to
// `unreadable`.
std::vector<std::string> expandInputs(const std::vector<std::string>& inputs, std::vector<std::string>& unreadable) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (in == "-" || !fs::is_directory(in, ec)) {
      files.push_back(in);
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(in, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec) && isManifest(it->path())) found.push_back(it->path().string());
    if (ec) unreadable.push_back("cannot read directory " + in + ": " + ec.message());
    if (found.empty() && !ec) unreadable.push_back("no .yaml, .yml or .json files in directory " + in);
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

int runValidate(const ValidateArgs& args) {
  std::vector<std::string> unreadable;
  api::LoadResult loaded;
  for (const auto& file : expandInputs(args.inputs, unreadable)) {
    if (file == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      loaded.append(api::loadString(text, "-"));
      continue;
    }
    auto r = api::loadFile(file);
    if (!r.ok()) {
      unreadable.push_back(r.error().message);
      continue;
    }
    loaded.append(std::move(r.value()));
  }

  auto reports = api::checkAll(loaded, args.strict);
  if (reports.empty() && unreadable.empty()) unreadable.push_back("no resources found in the given input");
  bool ok = std::all_of(reports.begin(), reports.end(), [](const auto& r) { return r.ok(); });
  if (args.output == "json") {
    auto j = api::formatJson(reports);
    j["unreadable"] = unreadable;
    j["ok"] = ok && unreadable.empty();
    std::cout << j.dump(2, ' ', false, api::Json::error_handler_t::replace) << "\n";
  } else {
    std::cout << api::formatText(reports);
    for (const auto& u : unreadable) std::cerr << "aviary validate: " << u << "\n";
    size_t unchecked = 0;
    for (const auto& r : reports) unchecked += r.uncheckedTemplateRefs;
    if (unchecked > 0)
      std::cerr << "note: " << unchecked << " metric templateRef(s) not checked because no MetricTemplate was given "
                << "(pass the templates with -f to check them)\n";
  }
  std::cout.flush();
  if (!unreadable.empty()) return 2;
  return ok ? 0 : 1;
}

}  // namespace

void addValidateCommand(CLI::App& app, Runner& run) {
  auto args = std::make_shared<ValidateArgs>();
  auto* cmd = app.add_subcommand("validate", "Check Canary, MetricTemplate and AlertProvider manifests");
  cmd->add_option("-f,--filename", args->inputs, "File, directory (recursive) or - for stdin; repeatable")->required();
  cmd->add_option("-o,--output", args->output, "Output format: text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--strict", args->strict, "Treat warnings as errors");
  cmd->callback([args, &run] { run = [args] { return runValidate(*args); }; });
}

}  // namespace aviary::cli
