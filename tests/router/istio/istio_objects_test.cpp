// Golden tests of the Istio objects (istio_objects.h) for the seed Canary and the strategy
// variants of testdata/. Each golden under golden/ says where its shape comes from in Flagger
// (golden/SOURCES.md). AVIARY_UPDATE_GOLDEN=1 rewrites them (review the diff against Flagger).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "api/decode.h"
#include "router/istio/istio_objects.h"

namespace aviary::router::istio {
namespace {

const std::string kDir = AVIARY_ISTIO_TESTDATA;

api::Canary load(const std::string& file) {
  auto r = api::loadFile(kDir + "/testdata/" + file);
  EXPECT_TRUE(r.ok()) << r.error().format();
  EXPECT_TRUE(r->errors.empty()) << r->errors.front().format();
  EXPECT_EQ(r->canaries.size(), 1u);
  return r->canaries.at(0);
}

// Compares with golden/NAME.json; on a difference prints both, so the failure shows the field.
void expectGolden(const std::string& name, const Json& actual) {
  const std::string path = kDir + "/golden/" + name + ".json";
  if (const char* u = std::getenv("AVIARY_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(path) << actual.dump(2) << "\n";
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden " << path;
  std::stringstream text;
  text << in.rdbuf();
  const Json expected = Json::parse(text.str(), nullptr, false);
  ASSERT_FALSE(expected.is_discarded()) << path << " is not JSON";
  EXPECT_EQ(expected, actual) << name << ": diff (RFC 6902, golden -> actual): " << Json::diff(expected, actual).dump(2);
}

// The objects Reconcile + SetRoutes(weights, mirror) leave, as a v1 List.
Json objectsAt(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror, Random& random) {
  const auto names = serviceNames(canary);
  auto vs = virtualServiceAt(canary, status, weights, mirror, random);
  EXPECT_TRUE(vs.ok()) << vs.error().format();
  return {{"apiVersion", "v1"},
          {"kind", "List"},
          {"items", Json::array({*vs, destinationRule(canary, names.canary), destinationRule(canary, names.primary)})}};
}

TEST(IstioObjectsGolden, SeedAtWeights0_10_50AndAfterPromotion) {
  const auto canary = load("podinfo-canary.yaml");
  SeededRandom random(1);
  api::CanaryStatus status;
  expectGolden("seed-weight-0", objectsAt(canary, status, Weights::withCanary(0), Mirror::No, random));
  expectGolden("seed-weight-10", objectsAt(canary, status, Weights::withCanary(10), Mirror::No, random));
  expectGolden("seed-weight-50", objectsAt(canary, status, Weights::withCanary(50), Mirror::No, random));
  // Promotion ends with SetRoutes(100, 0): the same objects as before the analysis.
  const Json promoted = objectsAt(canary, status, Weights::allPrimary(), Mirror::No, random);
  expectGolden("seed-promoted", promoted);
  auto initial = virtualService(canary);
  ASSERT_TRUE(initial.ok());
  EXPECT_EQ(promoted["items"][0], *initial) << "Reconcile's object and the promoted one must be the same";
}

TEST(IstioObjectsGolden, AbTestingDuringIterationsAndAfterPromotion) {
  const auto canary = load("ab-canary.yaml");
  SeededRandom random(1);
  api::CanaryStatus status;
  expectGolden("ab-iterating", objectsAt(canary, status, Weights::allCanary(), Mirror::No, random));
  expectGolden("ab-promoted", objectsAt(canary, status, Weights::allPrimary(), Mirror::No, random));
}

TEST(IstioObjectsGolden, BlueGreenMirroringThenSwitch) {
  const auto canary = load("bluegreen-canary.yaml");
  SeededRandom random(1);
  api::CanaryStatus status;
  expectGolden("bluegreen-mirroring", objectsAt(canary, status, Weights::allPrimary(), Mirror::Yes, random));
  expectGolden("bluegreen-switched", objectsAt(canary, status, Weights::allCanary(), Mirror::No, random));
}

TEST(IstioObjectsGolden, MirrorWithMirrorWeight) {
  const auto canary = load("mirror-canary.yaml");
  SeededRandom random(1);
  api::CanaryStatus status;
  expectGolden("mirror-weight-50", objectsAt(canary, status, Weights::allPrimary(), Mirror::Yes, random));
}

TEST(IstioObjectsGolden, SessionAffinityCookiesThenExpiry) {
  const auto canary = load("affinity-canary.yaml");
  SeededRandom random(1);
  api::CanaryStatus status;
  expectGolden("affinity-weight-10", objectsAt(canary, status, Weights::withCanary(10), Mirror::No, random));
  const std::string cookie = status.sessionAffinityCookie;
  EXPECT_EQ(cookie.rfind("flagger-cookie=", 0), 0u) << cookie;
  EXPECT_EQ(status.primarySessionAffinityCookie.rfind("flagger-primary-cookie=", 0), 0u);
  // The cookie is kept while the canary has traffic.
  objectsAt(canary, status, Weights::withCanary(20), Mirror::No, random);
  EXPECT_EQ(status.sessionAffinityCookie, cookie);
  // At weight 0 it becomes the previous cookie, matched once more and expired.
  expectGolden("affinity-weight-0", objectsAt(canary, status, Weights::allPrimary(), Mirror::No, random));
  EXPECT_EQ(status.previousSessionAffinityCookie, cookie);
  EXPECT_EQ(status.sessionAffinityCookie, "");
}

}  // namespace
}  // namespace aviary::router::istio
