#include "runtime/live_config.h"

#include "common/log.h"

namespace aviary::runtime {

std::vector<std::string> StoreTemplateSource::keys() const {
  std::vector<std::string> out;
  for (const auto& t : store_.listMetricTemplates()) out.push_back(t->metadata.name + "." + t->metadata.namespace_);
  return out;
}

std::function<std::shared_ptr<notifier::Notifier>(const std::string&, const std::string&)> alertProviderLookup(
    const platform::Store& store, metrics::SecretSourcePtr secrets, NotifierFactory factory) {
  return [&store, secrets, factory](const std::string& name, const std::string& ns) -> std::shared_ptr<notifier::Notifier> {
    auto provider = store.getAlertProvider(ns, name);
    if (!provider) return nullptr;
    std::string address = provider->address;
    std::string token;
    if (!provider->secretRefName.empty()) {
      if (!secrets) {
        spdlog::error("alert provider {}.{}: secret {} error: no secret source is configured", name, ns,
                      provider->secretRefName);
        return nullptr;
      }
      auto data = secrets->get(ns, provider->secretRefName);
      if (!data) {
        spdlog::error("alert provider {}.{}: secret {} error: {}", name, ns, provider->secretRefName,
                      data.error().message);
        return nullptr;
      }
      if (auto it = data->find("address"); it != data->end()) address = it->second;
      if (auto it = data->find("token"); it != data->end()) token = it->second;
    }
    auto made = factory(*provider, address, token);
    if (!made) {
      spdlog::error("alert provider {}.{}: {}", name, ns, made.error().message);
      return nullptr;
    }
    return std::shared_ptr<notifier::Notifier>(std::move(*made));
  };
}

}  // namespace aviary::runtime
