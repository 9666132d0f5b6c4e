#pragma once
// Where a checker finds MetricTemplates. Looked up at every evaluation (never copied at
// construction), so that a template edited while the controller runs takes effect at the next
// tick. Implementations: VectorTemplateSource (a fixed list: `aviary query`, tests) and the
// runtime's adapter over the platform store (runtime/live_config.h).
#include <memory>
#include <string>
#include <vector>

#include "api/canary.h"

namespace aviary::metrics {

class TemplateSource {
 public:
  virtual ~TemplateSource() = default;
  // The template `name` in namespace `ns` (already defaulted), or null. Thread-safe.
  virtual std::shared_ptr<const api::MetricTemplate> find(const std::string& name, const std::string& ns) const = 0;
  // "name.namespace" of every template (for "not found" messages).
  virtual std::vector<std::string> keys() const = 0;
};
using TemplateSourcePtr = std::shared_ptr<const TemplateSource>;

class VectorTemplateSource final : public TemplateSource {
 public:
  explicit VectorTemplateSource(std::vector<api::MetricTemplate> templates);
  std::shared_ptr<const api::MetricTemplate> find(const std::string& name, const std::string& ns) const override;
  std::vector<std::string> keys() const override;

 private:
  std::vector<std::shared_ptr<const api::MetricTemplate>> templates_;
};

}  // namespace aviary::metrics
