// The sandbox API server's request decoding on arbitrary bytes: a body (or "current\n---\npatch")
// through decodeBody, then every patch type against the current object, and the same bytes as
// label and field selectors. Looks for crashes, hangs and unbounded recursion.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sandbox/patch.h"
#include "sandbox/selector.h"

using aviary::sandbox::applyPatch;
using aviary::sandbox::decodeBody;
using aviary::sandbox::PatchType;
using aviary::sandbox::Selector;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view currentText = "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":1}]}]}}";
  std::string_view patchText = in;
  if (auto sep = in.find("\n---\n"); sep != std::string_view::npos) {
    currentText = in.substr(0, sep);
    patchText = in.substr(sep + 5);
  }
  auto current = decodeBody(currentText);
  auto patch = decodeBody(patchText);
  if (current.ok() && patch.ok()) {
    for (auto t : {PatchType::Merge, PatchType::StrategicMerge, PatchType::Json, PatchType::Apply}) {
      auto out = applyPatch(t, *current, *patch);
      if (out.ok()) (void)out->dump();
    }
  }
  std::string text(in.substr(0, 4096));
  for (bool labels : {true, false}) {
    auto sel = Selector::parse(text, labels);
    if (sel.ok() && current.ok()) (void)sel->matches(*current);
  }
  return 0;
}
