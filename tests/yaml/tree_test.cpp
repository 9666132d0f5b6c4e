// yaml/tree.h: positions, typing, aliases and limits of the libyaml-built document tree.
#include <gtest/gtest.h>

#include <string>

#include "yaml/positions.h"
#include "yaml/tree.h"

namespace aviary::yaml {
namespace {

struct Parsed {
  Document doc;
  ParseError error;
  bool ok = false;
};

Parsed parse(std::string_view text, int lineOffset = 0) {
  Parsed p;
  p.ok = parseDocument(text, lineOffset, p.doc, p.error);
  return p;
}

::testing::AssertionResult at(const Node& n, int line, int column) {
  if (n.line() == line && n.column() == column) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "at " << n.line() << ":" << n.column() << ", expected " << line << ":"
                                       << column;
}

TEST(YamlTree, BlockPositionsAreAbsoluteAndOneBased) {
  auto p = parse("a: 1\nb:\n  c: \"x\"\n  d:\n  - 7\n  - e: f\n", 10);
  ASSERT_TRUE(p.ok) << p.error.message;
  Node root = p.doc.root();
  ASSERT_TRUE(root.isMap());
  ASSERT_EQ(root.size(), 2u);
  EXPECT_TRUE(at(root, 11, 1));
  EXPECT_TRUE(at(root.key(0), 11, 1));
  EXPECT_TRUE(at(root.value(0), 11, 4));
  Node b = root.get("b");
  EXPECT_TRUE(at(root.key(1), 12, 1));
  EXPECT_TRUE(at(b, 13, 3));
  EXPECT_TRUE(at(b.get("c"), 13, 6));
  Node d = b.get("d");
  ASSERT_TRUE(d.isSequence());
  EXPECT_TRUE(at(d, 15, 3));  // an indentless sequence starts at its first '-'
  ASSERT_EQ(d.size(), 2u);
  EXPECT_TRUE(at(d.item(0), 15, 5));
  EXPECT_TRUE(at(d.item(1), 16, 5));
  EXPECT_TRUE(at(d.item(1).key(0), 16, 5));
  EXPECT_TRUE(at(d.item(1).value(0), 16, 8));
  EXPECT_EQ(d.item(1).get("e").scalar(), "f");
  EXPECT_FALSE(b.get("missing").isDefined());
}

TEST(YamlTree, FlowPositions) {
  auto p = parse("{\"a\": 1, b: [x, 'y', {c: d}]}\n");
  ASSERT_TRUE(p.ok) << p.error.message;
  Node root = p.doc.root();
  EXPECT_TRUE(at(root, 1, 1));
  EXPECT_TRUE(at(root.key(0), 1, 2));
  EXPECT_TRUE(at(root.value(0), 1, 7));
  Node b = root.get("b");
  EXPECT_TRUE(at(b, 1, 13));
  EXPECT_TRUE(at(b.item(0), 1, 14));
  EXPECT_TRUE(at(b.item(1), 1, 17));
  EXPECT_TRUE(at(b.item(2), 1, 22));
  EXPECT_TRUE(at(b.item(2).value(0), 1, 26));
}

TEST(YamlTree, ColumnsCountBytesAndCrLfEndsLines) {
  auto p = parse("a: \xC3\xA9\r\nb: [\xC3\xA9, x]\r\n");
  ASSERT_TRUE(p.ok) << p.error.message;
  Node b = p.doc.root().get("b");
  EXPECT_TRUE(at(b, 2, 4));
  EXPECT_TRUE(at(b.item(1), 2, 9));  // 'é' is two bytes, as yaml-cpp counted
  EXPECT_EQ(p.doc.root().get("a").scalar(), "\xC3\xA9");
  EXPECT_EQ(b.item(1).scalar(), "x");
}

TEST(YamlTree, QuotedScalarsAreStringsAndPlainNullsAreNull) {
  auto p = parse(
      "a: null\nb: \"null\"\nc: ~\nd:\ne: '5'\nf: !!str 5\ng: !!int 5\nh: !!float 1.5\ni: !foo x\nj: |\n  "
      "text\nk: ! 5\nl: 5\n");
  ASSERT_TRUE(p.ok) << p.error.message;
  Node r = p.doc.root();
  EXPECT_TRUE(r.get("a").isNull());
  EXPECT_TRUE(r.get("b").isScalar());
  EXPECT_EQ(r.get("b").style(), Style::Quoted);
  EXPECT_TRUE(r.get("c").isNull());
  EXPECT_TRUE(r.get("d").isNull());
  EXPECT_EQ(r.get("e").style(), Style::Quoted);
  EXPECT_EQ(r.get("f").style(), Style::TagStr);
  EXPECT_EQ(r.get("g").style(), Style::TagInt);
  EXPECT_EQ(r.get("h").style(), Style::TagFloat);
  EXPECT_EQ(r.get("i").style(), Style::TagOther);
  EXPECT_EQ(r.get("j").style(), Style::Quoted);
  EXPECT_EQ(r.get("j").scalar(), "text\n");
  EXPECT_EQ(r.get("k").style(), Style::Quoted);
  EXPECT_EQ(r.get("l").style(), Style::Plain);
  EXPECT_EQ(r.get("l").scalar().data()[1], '\0');  // NUL-terminated for strtoll
}

TEST(YamlTree, AliasesReferToTheAnchoredNode) {
  auto p = parse("a: &x {k: v}\nb: *x\nc: &s text\nd: *s\n<<: *x\n");
  ASSERT_TRUE(p.ok) << p.error.message;
  Node r = p.doc.root();
  EXPECT_EQ(r.get("a"), r.get("b"));
  EXPECT_EQ(r.get("b").get("k").scalar(), "v");
  EXPECT_TRUE(at(r.get("b"), 1, 4));  // the anchored node's position
  EXPECT_EQ(r.get("d").scalar(), "text");
  EXPECT_EQ(r.size(), 5u);  // `<<` is an ordinary key
  EXPECT_EQ(r.key(4).scalar(), "<<");
}

TEST(YamlTree, UndefinedAliasIsAnError) {
  auto p = parse("a: 1\nb: *nope\n");
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.error.message, "alias *nope refers to an undefined anchor");
  EXPECT_EQ(p.error.line, 2);
  EXPECT_EQ(p.error.column, 4);
  // An anchor is defined once its node is complete: no cycles.
  EXPECT_FALSE(parse("a: &x [*x]\n").ok);
}

TEST(YamlTree, AliasBombIsRejected) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  auto p = parse(bomb);
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.message.find("aliases expand to more than"), std::string::npos) << p.error.message;
  EXPECT_GE(p.error.line, 5);
}

TEST(YamlTree, NestingDepthIsLimited) {
  std::string deep(300, '[');
  deep += std::string(300, ']');
  auto p = parse(deep);
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.message.find("nested too deeply"), std::string::npos) << p.error.message;
  EXPECT_EQ(p.error.line, 1);
  EXPECT_EQ(p.error.column, kMaxNesting + 1);
  std::string ok(200, '[');
  ok += std::string(200, ']');
  EXPECT_TRUE(parse(ok).ok);
}

TEST(YamlTree, SyntaxErrorHasProblemPositionAndContext) {
  auto p = parse("a: 1\nb: [1, 2\nc: 3\n", 4);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.error.message,
            "did not find expected ',' or ']' (while parsing a flow sequence started at line 6 col 4)");
  EXPECT_EQ(p.error.line, 7);
  EXPECT_EQ(p.error.column, 2);
}

TEST(YamlTree, ControlCharactersAreAnError) {
  auto p = parse("a: 1\nb: x\x01y\n");
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.error.message, "control characters are not allowed (U+0001)");
  EXPECT_EQ(p.error.line, 2);
  EXPECT_EQ(p.error.column, 5);
}

TEST(YamlTree, InvalidUtf8IsFlaggedNotFatal) {
  auto p = parse("a: ok\nb: \"caf\xE9 team\"\nc: \xFF\n");
  ASSERT_TRUE(p.ok) << p.error.message;
  ASSERT_TRUE(p.doc.hasInvalidUtf8);
  Node first(&p.doc, p.doc.firstInvalidUtf8);
  EXPECT_TRUE(at(first, 2, 4));
  EXPECT_TRUE(p.doc.root().get("c").invalidUtf8());
  EXPECT_FALSE(p.doc.root().get("a").invalidUtf8());
}

TEST(YamlTree, EmptyDocumentHasNoRoot) {
  EXPECT_FALSE(parse("").doc.root().isDefined());
  EXPECT_FALSE(parse("# only a comment\n").doc.root().isDefined());
  auto p = parse("---\n");
  EXPECT_TRUE(p.ok);
  EXPECT_TRUE(!p.doc.root().isDefined() || p.doc.root().isNull());
}

TEST(YamlTree, OnlyTheFirstDocumentIsRead) {
  auto p = parse("a: 1\n...\nb: [\n");
  ASSERT_TRUE(p.ok) << p.error.message;
  EXPECT_EQ(p.doc.root().get("a").scalar(), "1");
}

TEST(FieldPositionsTest, LaterRecordWinsAndMissingIsNull) {
  FieldPositions p;
  p.add("", "spec", LineCol{1, 1});
  p.add("spec", "service", LineCol{2, 3});
  p.addIndex("spec.hosts", 0, LineCol{4, 5});
  p.add("spec", "service", LineCol{6, 7});
  ASSERT_NE(p.find("spec.service"), nullptr);
  EXPECT_EQ(p.find("spec.service")->line, 6);
  EXPECT_EQ(p.at("spec.hosts[0]").column, 5);
  EXPECT_EQ(p.at("spec").line, 1);
  EXPECT_EQ(p.find("spec.hosts"), nullptr);
  EXPECT_THROW(p.at("nope"), std::out_of_range);
  p.clear();
  EXPECT_TRUE(p.empty());
}

}  // namespace
}  // namespace aviary::yaml
