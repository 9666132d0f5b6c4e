#include "yaml/emit.h"

#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace aviary::yaml {
namespace {

using Json = nlohmann::json;

// Whether a plain scalar with this text could be read back as something other than a string by
// a YAML 1.1 (go-yaml, PyYAML) or 1.2 core-schema reader. Conservative: quoting too much is safe.
bool needsQuotes(const std::string& s) {
  if (s.empty()) return true;
  const char c = s[0];
  if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.' || c == '~') return true;
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  static const char* kWords[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null"};
  return std::any_of(std::begin(kWords), std::end(kWords), [&](const char* w) { return lower == w; });
}

// The emitter's state and the first refused event; all libyaml calls go through emit().
class Emitter {
 public:
  Emitter() {
    yaml_emitter_initialize(&e_);
    yaml_emitter_set_output(&e_, &Emitter::write, this);
    yaml_emitter_set_unicode(&e_, 1);
    yaml_emitter_set_width(&e_, -1);  // never fold long strings
    yaml_emitter_set_indent(&e_, 2);
  }
  ~Emitter() { yaml_emitter_delete(&e_); }
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  bool emit(yaml_event_t& ev) {
    if (!ok_) {
      yaml_event_delete(&ev);
      return false;
    }
    if (!yaml_emitter_emit(&e_, &ev)) {  // the emitter frees the event either way
      ok_ = false;
      error_ = e_.problem ? e_.problem : "yaml emitter error";
    }
    return ok_;
  }
  bool scalar(const std::string& text, yaml_scalar_style_t style) {
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, nullptr, nullptr, reinterpret_cast<const yaml_char_t*>(text.data()),
                                 static_cast<int>(text.size()), 1, 1, style);
    return emit(ev);
  }
  bool value(const Json& j) {
    if (j.is_object()) {
      yaml_event_t ev;
      yaml_mapping_start_event_initialize(&ev, nullptr, nullptr, 1,
                                          j.empty() ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
      emit(ev);
      for (auto it = j.begin(); it != j.end(); ++it) {
        string(it.key());
        value(*it);
      }
      yaml_mapping_end_event_initialize(&ev);
      return emit(ev);
    }
    if (j.is_array()) {
      yaml_event_t ev;
      yaml_sequence_start_event_initialize(&ev, nullptr, nullptr, 1,
                                           j.empty() ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
      emit(ev);
      for (const auto& item : j) value(item);
      yaml_sequence_end_event_initialize(&ev);
      return emit(ev);
    }
    if (j.is_string()) return string(j.get<std::string>());
    if (j.is_null()) return scalar("null", YAML_PLAIN_SCALAR_STYLE);
    return scalar(j.dump(), YAML_PLAIN_SCALAR_STYLE);  // numbers and booleans as JSON writes them
  }
  bool string(const std::string& s) {
    return scalar(s, needsQuotes(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
  }

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  std::string out;

 private:
  static int write(void* self, unsigned char* buffer, size_t size) {
    static_cast<Emitter*>(self)->out.append(reinterpret_cast<const char*>(buffer), size);
    return 1;
  }
  yaml_emitter_t e_{};
  bool ok_ = true;
  std::string error_;
};

}  // namespace

Result<std::string> emitYaml(const Json& value) {
  Emitter em;
  yaml_event_t ev;
  yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
  em.emit(ev);
  yaml_document_start_event_initialize(&ev, nullptr, nullptr, nullptr, 1);
  em.emit(ev);
  em.value(value);
  yaml_document_end_event_initialize(&ev, 1);
  em.emit(ev);
  yaml_stream_end_event_initialize(&ev);
  em.emit(ev);
  if (!em.ok()) return makeError(ErrorCode::Internal, "cannot write YAML: " + em.error());
  return std::move(em.out);
}

}  // namespace aviary::yaml
