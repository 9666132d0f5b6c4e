// loadNode: Canaries written inline in other yaml-cpp parsed files (`aviary simulate` scenarios)
// are converted into a yaml_tree.h document and decoded like any other document. The only place
// aviary_api uses yaml-cpp.
#include <yaml-cpp/yaml.h>

#include "api/decode.h"
#include "api/decode_parts.h"

namespace aviary::api {
namespace {

// Keeps yaml-cpp's aliases (shared nodes, possibly cyclic) from expanding without bound.
constexpr size_t kMaxConvertedNodes = 1000000;

class Converter {
 public:
  explicit Converter(yaml::Document& doc) : doc_(doc) {}

  uint32_t convert(const YAML::Node& n, int depth) {
    yaml::NodeData d;
    const YAML::Mark mark = n.Mark();
    if (mark.line >= 0) {
      d.line = mark.line + 1;  // yaml-cpp marks are 0-based, absolute in the scenario file
      d.column = mark.column + 1;
    }
    uint32_t idx = static_cast<uint32_t>(doc_.nodes.size());
    bool deep = depth >= yaml::kMaxNesting || doc_.nodes.size() >= kMaxConvertedNodes;
    switch (deep ? YAML::NodeType::Null : n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        d.kind = yaml::Kind::Null;
        doc_.nodes.push_back(d);
        return idx;
      case YAML::NodeType::Scalar: {
        const std::string& tag = n.Tag();  // yaml-cpp: "?" for a plain scalar, "!" for a quoted one
        d.style = tag == "?" || tag.empty() ? yaml::Style::Plain : yaml::styleOfTag(tag);
        const std::string& s = n.Scalar();
        if (d.style == yaml::Style::Plain && yaml::isNullText(s)) {  // as the libyaml builder does
          d.kind = yaml::Kind::Null;
          doc_.nodes.push_back(d);
          return idx;
        }
        d.kind = yaml::Kind::Scalar;
        d.begin = static_cast<uint32_t>(doc_.text.size());
        d.count = static_cast<uint32_t>(s.size());
        doc_.text.append(s);
        doc_.text.push_back('\0');
        // yaml-cpp passes raw bytes through; flagged like the libyaml reader does.
        if (!detail::isValidUtf8(s)) {
          d.invalidUtf8 = true;
          if (!doc_.hasInvalidUtf8) doc_.firstInvalidUtf8 = idx;
          doc_.hasInvalidUtf8 = true;
        }
        doc_.nodes.push_back(d);
        return idx;
      }
      case YAML::NodeType::Sequence:
      case YAML::NodeType::Map:
        break;
    }
    bool map = n.IsMap();
    d.kind = map ? yaml::Kind::Map : yaml::Kind::Sequence;
    doc_.nodes.push_back(d);
    std::vector<uint32_t> kids;
    if (map) {
      for (auto it = n.begin(); it != n.end(); ++it) {
        kids.push_back(convert(it->first, depth + 1));
        kids.push_back(convert(it->second, depth + 1));
      }
    } else {
      for (const auto& item : n) kids.push_back(convert(item, depth + 1));
    }
    yaml::NodeData& self = doc_.nodes[idx];
    self.begin = static_cast<uint32_t>(doc_.kids.size());
    self.count = static_cast<uint32_t>(map ? kids.size() / 2 : kids.size());
    doc_.kids.insert(doc_.kids.end(), kids.begin(), kids.end());
    return idx;
  }

 private:
  yaml::Document& doc_;
};

}  // namespace

LoadResult loadNode(const YAML::Node& node, const std::string& sourceName) {
  LoadResult out;
  if (!node.IsDefined() || node.IsNull()) return out;
  yaml::Document doc;
  doc.root_ = Converter(doc).convert(node, 0);
  detail::decodeDocument(doc.root(), sourceName, out);
  return out;
}

}  // namespace aviary::api
