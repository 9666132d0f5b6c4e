#include "metrics/secret_source.h"
#include "common/quote.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

extern char** environ;

namespace aviary::metrics {

namespace fs = std::filesystem;

Result<SecretData> DirectorySecretSource::get(const std::string& namespace_, const std::string& name) const {
  // Names come from YAML: refuse anything that could leave the secrets directory.
  for (const auto* part : {&namespace_, &name}) {
    if (part->empty() || *part == "." || *part == ".." || part->find('/') != std::string::npos) {
      return makeError(ErrorCode::Invalid, fmt::format("invalid secret reference {}/{}", quote(namespace_), quote(name)));
    }
  }
  fs::path dir = fs::path(root_) / namespace_ / name;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return makeError(ErrorCode::NotFound,
                     fmt::format("secret {}/{} not found (no directory {})", namespace_, name, dir.string()));
  }
  SecretData data;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string key = entry.path().filename().string();
    if (key.starts_with(".") || !entry.is_regular_file(ec)) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) return makeError(ErrorCode::Io, fmt::format("cannot read secret file {}", entry.path().string()));
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string value = ss.str();
    if (value.ends_with("\n")) value.pop_back();
    data.emplace(std::move(key), std::move(value));
  }
  if (ec) return makeError(ErrorCode::Io, fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  return data;
}

EnvSecretSource::EnvSecretSource() {
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env_.emplace_back(*e);
}

std::string EnvSecretSource::prefixFor(const std::string& namespace_, const std::string& name) {
  auto mangle = [](const std::string& s) {
    std::string out;
    for (unsigned char c : s) out += std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_';
    return out;
  };
  return "AVIARY_SECRET_" + mangle(namespace_) + "_" + mangle(name) + "_";
}

Result<SecretData> EnvSecretSource::get(const std::string& namespace_, const std::string& name) const {
  std::string prefix = prefixFor(namespace_, name);
  SecretData data;
  for (const auto& entry : env_) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || !entry.starts_with(prefix) || eq <= prefix.size()) continue;
    std::string key = entry.substr(prefix.size(), eq - prefix.size());
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    data[key] = entry.substr(eq + 1);
  }
  if (data.empty()) {
    return makeError(ErrorCode::NotFound,
                     fmt::format("secret {}/{} not found (no environment variable {}*)", namespace_, name, prefix));
  }
  return data;
}

Result<SecretData> MapSecretSource::get(const std::string& namespace_, const std::string& name) const {
  auto it = secrets_.find(namespace_ + "/" + name);
  if (it == secrets_.end())
    return makeError(ErrorCode::NotFound, fmt::format("secret {}/{} not found", namespace_, name));
  return it->second;
}

}  // namespace aviary::metrics
