// `aviary render`'s model (platform/kubernetes/render.h): goldens of the platform objects for the
// seed's Canary + podinfo Deployment + HPA (golden/render/SOURCES.md says where each shape comes
// from), the Istio objects compared with the Istio router's own goldens (tests/router/istio/golden,
// not duplicated here) for the seed at weights 0, 10, 50 and promoted and for the A/B, blue/green,
// mirroring and session-affinity variants, the YAML output read back, and bad input reported
// all at once with file:line:col. AVIARY_UPDATE_GOLDEN=1 rewrites the goldens of this file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "api/decode.h"
#include "platform/kubernetes/render.h"
#include "yaml/emit.h"

namespace aviary::platform::kubernetes {
namespace {

using kube::Json;

const std::string kRoot = AVIARY_SOURCE_DIR;
const std::string kSeedCanary = kRoot + "/examples/seed/podinfo-canary.yaml";
const std::string kSeedHpa = kRoot + "/examples/seed/podinfo-hpa.yaml";
const std::string kPodinfo = kRoot + "/tests/platform/kubernetes/testdata/podinfo.yaml";
const std::string kIstioData = kRoot + "/tests/router/istio/testdata/";
const std::string kIstioGolden = kRoot + "/tests/router/istio/golden/";
const std::string kGolden = kRoot + "/tests/platform/kubernetes/golden/render/";
// The uid the Istio router's seed testdata adds to the seed Canary (so that the owner references
// of both goldens agree); the seed file itself is used unchanged, the uid comes as --canary-uid.
const std::string kSeedUid = "5c3b1b5e-0000-4000-8000-000000000000";

api::LoadResult loadAll(const std::vector<std::string>& files) {
  api::LoadResult all;
  for (const auto& f : files) {
    auto r = api::loadFile(f);
    EXPECT_TRUE(r.ok()) << r.error().format();
    if (r.ok()) all.append(std::move(r.value()));
  }
  EXPECT_TRUE(all.errors.empty()) << all.errors.front().format();
  return all;
}

std::vector<Json> render(const std::vector<std::string>& files, const RenderOptions& options) {
  auto in = loadAll(files);
  EXPECT_EQ(in.canaries.size(), 1u);
  ErrorList errors;
  auto out = renderCanary(in.canaries.at(0), renderInputs(in), options, errors);
  for (const auto& e : errors) ADD_FAILURE() << e.format();
  return out;
}

Json readJson(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing " << path;
  std::stringstream text;
  text << in.rdbuf();
  Json j = Json::parse(text.str(), nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << path << " is not JSON";
  return j;
}

void expectGolden(const std::string& name, const Json& actual) {
  const std::string path = kGolden + name + ".json";
  if (const char* u = std::getenv("AVIARY_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(path) << actual.dump(2) << "\n";
  }
  const Json expected = readJson(path);
  EXPECT_EQ(expected, actual) << name
                              << ": diff (RFC 6902, golden -> actual): " << Json::diff(expected, actual).dump(2);
}

bool isIstio(const Json& o) {
  return o.value("apiVersion", "") == "networking.istio.io/v1beta1";
}

// The objects of `objects` that are not Istio's, as a v1 List (this file's goldens).
Json platformObjects(const std::vector<Json>& objects) {
  std::vector<Json> out;
  for (const auto& o : objects)
    if (!isIstio(o)) out.push_back(o);
  return renderList(out);
}

// The Istio objects must be exactly the router's golden `name` (the same objects, any order).
void expectRouterGolden(const std::string& name, const std::vector<Json>& objects) {
  const Json golden = readJson(kIstioGolden + name + ".json");
  std::map<std::string, Json> want, got;
  for (const auto& o : golden["items"]) want[o.value("kind", "") + "/" + o["metadata"].value("name", "")] = o;
  for (const auto& o : objects)
    if (isIstio(o)) got[o.value("kind", "") + "/" + o["metadata"].value("name", "")] = o;
  ASSERT_EQ(want.size(), 3u) << name;
  for (const auto& [key, o] : want) {
    ASSERT_TRUE(got.count(key)) << name << ": render has no " << key;
    EXPECT_EQ(o, got[key]) << name << " " << key
                           << ": diff (router golden -> render): " << Json::diff(o, got[key]).dump(2);
  }
  EXPECT_EQ(got.size(), want.size()) << name;
}

RenderOptions seedOptions(RenderPhase phase, int weight) {
  RenderOptions o;
  o.phase = phase;
  o.canaryWeight = weight;
  o.canaryUid = kSeedUid;
  return o;
}

TEST(RenderGolden, SeedAtWeights0_10_50AndAfterPromotion) {
  const std::vector<std::string> files{kSeedCanary, kPodinfo, kSeedHpa};
  const auto initial = render(files, seedOptions(RenderPhase::Initialized, 0));
  expectGolden("seed-initialized", platformObjects(initial));
  expectRouterGolden("seed-weight-0", initial);
  for (int w : {10, 50}) {
    const auto at = render(files, seedOptions(RenderPhase::Progressing, w));
    // The platform objects do not change while the analysis shifts traffic.
    EXPECT_EQ(platformObjects(at), platformObjects(initial)) << "weight " << w;
    expectRouterGolden("seed-weight-" + std::to_string(w), at);
  }
  const auto promoted = render(files, seedOptions(RenderPhase::Succeeded, 0));
  expectGolden("seed-promoted", platformObjects(promoted));
  expectRouterGolden("seed-promoted", promoted);
}

TEST(RenderGolden, SeedWithoutUidHasNoOwnerReferences) {
  RenderOptions o;
  for (const auto& obj : render({kSeedCanary, kPodinfo, kSeedHpa}, o))
    EXPECT_FALSE(obj["metadata"].contains("ownerReferences")) << obj.dump();
}

TEST(RenderGolden, StrategyVariantsEqualTheRoutersObjects) {
  struct Case {
    const char* canary;
    RenderPhase phase;
    int weight;
    bool mirror;
    const char* golden;
  };
  const Case cases[] = {
      {"ab-canary.yaml", RenderPhase::Progressing, 100, false, "ab-iterating"},
      {"ab-canary.yaml", RenderPhase::Succeeded, 0, false, "ab-promoted"},
      {"bluegreen-canary.yaml", RenderPhase::Progressing, 0, true, "bluegreen-mirroring"},
      {"bluegreen-canary.yaml", RenderPhase::Promoting, 100, false, "bluegreen-switched"},
      {"mirror-canary.yaml", RenderPhase::Progressing, 0, true, "mirror-weight-50"},
      {"affinity-canary.yaml", RenderPhase::Progressing, 10, false, "affinity-weight-10"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.golden);
    RenderOptions o;
    o.phase = c.phase;
    o.canaryWeight = c.weight;
    o.mirror = c.mirror;
    const auto objects = render({kIstioData + c.canary, kPodinfo}, o);
    expectRouterGolden(c.golden, objects);
    expectGolden(std::string("variant-") + c.golden, platformObjects(objects));
  }
}

TEST(RenderGolden, KubernetesProviderWritesNoIstioObjects) {
  RenderOptions o = seedOptions(RenderPhase::Initialized, 0);
  o.meshProvider = "istio";
  auto in = loadAll({kSeedCanary, kPodinfo, kSeedHpa});
  in.canaries.at(0).spec.provider = "kubernetes";
  ErrorList errors;
  const auto objects = renderCanary(in.canaries.at(0), renderInputs(in), o, errors);
  ASSERT_TRUE(errors.empty()) << errors.front().format();
  for (const auto& obj : objects) EXPECT_FALSE(isIstio(obj)) << obj.dump();
  EXPECT_EQ(platformObjects(objects), platformObjects(render({kSeedCanary, kPodinfo, kSeedHpa}, o)));
}

// A Service target (§1.10): the user's Service copied to -canary and -primary (promoted: the
// target's labels through -include-label-prefix), no workload or Kubernetes-router Services, and
// the Istio objects routing between the two copies.
TEST(RenderGolden, ServiceTargetCopiesTheService) {
  const std::string file = kRoot + "/tests/platform/kubernetes/testdata/service-canary.yaml";
  RenderOptions o;
  o.phase = RenderPhase::Progressing;
  o.canaryWeight = 20;
  const auto objects = render({file}, o);
  std::vector<std::string> names;
  for (const auto& obj : objects) names.push_back(obj.value("kind", "") + "/" + obj["metadata"].value("name", ""));
  EXPECT_EQ(names, (std::vector<std::string>{"Service/backend-canary", "Service/backend-primary",
                                             "DestinationRule/backend-canary", "DestinationRule/backend-primary",
                                             "VirtualService/backend"}));
  for (size_t i : {0u, 1u}) {
    EXPECT_EQ(objects[i]["spec"]["selector"], Json({{"app", "backend"}}));
    EXPECT_FALSE(objects[i]["spec"].contains("clusterIP"));
    EXPECT_FALSE(objects[i]["metadata"].contains("annotations"));
    EXPECT_EQ(objects[i]["metadata"]["ownerReferences"][0]["uid"], "u-1");
  }
  const Json route = objects[4]["spec"]["http"][0]["route"];
  EXPECT_EQ(route[0]["destination"]["host"], "backend-primary");
  EXPECT_EQ(route[0]["weight"], 80);
  EXPECT_EQ(route[1]["destination"]["host"], "backend-canary");
  o.phase = RenderPhase::Succeeded;
  o.canaryWeight = 0;
  const auto promoted = render({file}, o);
  EXPECT_TRUE(promoted[1]["metadata"]["labels"].empty());  // -include-label-prefix "" copies none
}

TEST(RenderYaml, ReadsBackAsTheSameObjects) {
  const auto objects = render({kSeedCanary, kPodinfo, kSeedHpa}, seedOptions(RenderPhase::Progressing, 10));
  std::string text;
  for (const auto& o : objects) text += "---\n" + yaml::emitYaml(o).value();
  // Strings that look like other types must stay strings ("9797", "true", "", "1e3", "yes").
  const Json tricky = {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata", {{"name", "x"}}},
                       {"data",
                        {{"a", "9797"},
                         {"b", "true"},
                         {"c", ""},
                         {"d", "1e3"},
                         {"e", "yes"},
                         {"f", "null"},
                         {"g", "line1\nline2"},
                         {"h", "key: value"},
                         {"i", "#34577c"},
                         {"j", "- x"},
                         {"k", "ümlaut"}}}};
  text += "---\n" + yaml::emitYaml(tricky).value();
  auto back = api::loadString(text, "rendered.yaml");
  ASSERT_TRUE(back.errors.empty()) << back.errors.front().format() << "\n" << text;
  const auto backObjects = renderInputs(back);
  ASSERT_EQ(backObjects.size(), objects.size() + 1);
  for (size_t i = 0; i < objects.size(); ++i) EXPECT_EQ(backObjects[i].object, objects[i]) << text;
  EXPECT_EQ(backObjects.back().object, tricky) << text;
}

// Inputs with several problems: all reported at once, each with the file position of its value.
TEST(RenderErrors, EveryProblemAtOnceWithPositions) {
  const std::string dir = ::testing::TempDir();
  const std::string canary = dir + "/bad-canary.yaml", workload = dir + "/bad-workload.yaml";
  std::ofstream(canary) << "apiVersion: flagger.app/v1beta1\n"
                           "kind: Canary\n"
                           "metadata:\n"
                           "  name: podinfo\n"
                           "  namespace: test\n"
                           "spec:\n"
                           "  targetRef:\n"
                           "    apiVersion: apps/v1\n"
                           "    kind: Deployment\n"
                           "    name: podinfo\n"
                           "  autoscalerRef:\n"
                           "    apiVersion: autoscaling/v2\n"
                           "    kind: HorizontalPodAutoscaler\n"
                           "    name: podinfo-hpa\n"
                           "  service:\n"
                           "    port: 9898\n"
                           "  analysis:\n"
                           "    interval: 1m\n"
                           "    threshold: 5\n"
                           "    maxWeight: 50\n"
                           "    stepWeight: 10\n";
  std::ofstream(workload) << "apiVersion: apps/v1\n"
                             "kind: Deployment\n"
                             "metadata:\n"
                             "  name: podinfo\n"
                             "spec:\n"
                             "  selector:\n"
                             "    matchLabels:\n"
                             "      role: web\n"
                             "  template:\n"
                             "    metadata:\n"
                             "      labels:\n"
                             "        role: web\n"
                             "    spec:\n"
                             "      containers:\n"
                             "      - name: web\n"
                             "        image: podinfo\n"
                             "        envFrom:\n"
                             "        - configMapRef:\n"
                             "            name: web-config\n";
  auto in = loadAll({canary, workload});
  ASSERT_EQ(in.canaries.size(), 1u);
  RenderOptions o;
  o.canaryWeight = 30;  // with phase Initialized: a problem too
  ErrorList errors;
  const auto objects = renderCanary(in.canaries[0], renderInputs(in), o, errors);
  EXPECT_TRUE(objects.empty());
  std::vector<std::string> lines;
  for (const auto& e : errors) lines.push_back(e.format());
  const auto has = [&](const std::string& text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
  };
  ASSERT_EQ(lines.size(), 4u) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("--canary-weight: expected 0 in phase Initialized")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(workload + ":8:7: spec.selector.matchLabels: expected one of the selector labels [app name "
                             "app.kubernetes.io/name] (-selector-labels), found {\"role\":\"web\"}"))
      << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(workload + ":19:19: spec.template.spec.containers[0].envFrom[0].configMapRef.name: expected the "
                             "ConfigMap test/web-config among the inputs (-f)"))
      << ::testing::PrintToString(lines);
  EXPECT_TRUE(has(canary + ":14:11: spec.autoscalerRef.name: expected the HorizontalPodAutoscaler test/podinfo-hpa "
                           "among the inputs (-f), found none"))
      << ::testing::PrintToString(lines);
}

// A ScaledObject autoscalerRef (§1.14): the primary ScaledObject comes where the HPA would,
// right after the primary Deployment, its query naming the primary, in every phase; without the
// ScaledObject among the inputs the error names it.
TEST(RenderKeda, PrimaryScaledObjectAfterThePrimaryDeployment) {
  const std::string keda = kRoot + "/tests/platform/kubernetes/testdata/keda-canary.yaml";
  for (auto phase : {RenderPhase::Initialized, RenderPhase::Succeeded}) {
    const auto objects = render({keda, kPodinfo}, seedOptions(phase, 0));
    ASSERT_EQ(objects.size(), 6u);  // ConfigMap, Deployment, ScaledObject, three Services
    EXPECT_EQ(objects[1]["kind"], "Deployment");
    const Json& so = objects[2];
    EXPECT_EQ(so["apiVersion"], "keda.sh/v1alpha1");
    EXPECT_EQ(so["kind"], "ScaledObject");
    EXPECT_EQ(so["metadata"]["name"], "podinfo-so-primary");
    EXPECT_EQ(so["metadata"]["ownerReferences"][0]["uid"], kSeedUid);
    EXPECT_EQ(so["spec"]["scaleTargetRef"],
              Json({{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "podinfo-primary"}}));
    EXPECT_EQ(so["spec"]["triggers"][0]["metadata"]["query"],
              "sum(rate(http_requests_total{app=\"podinfo-primary\"}[1m])) or "
              "sum(rate(http_requests_total{app=\"podinfo-primary\"}[1m]))");
    EXPECT_EQ(so["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["name"], "keda-hpa-podinfo-primary");
    EXPECT_EQ(so["spec"]["minReplicaCount"], 2);
    EXPECT_EQ(so["spec"]["maxReplicaCount"], 6);
  }
  // The Canary alone (its ScaledObject left out): one problem at autoscalerRef.name.
  auto in = loadAll({keda, kPodinfo});
  std::vector<api::OtherObject> inputs;
  for (auto& o : renderInputs(in))
    if (o.kind != "ScaledObject") inputs.push_back(o);
  ErrorList errors;
  EXPECT_TRUE(renderCanary(in.canaries.at(0), inputs, {}, errors).empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].format(), keda +
                                    ":18:11: spec.autoscalerRef.name: expected the ScaledObject test/podinfo-so "
                                    "among the inputs (-f), found none");
}

TEST(RenderErrors, MissingTargetAndUnsupportedProvider) {
  auto in = loadAll({kSeedCanary});
  in.canaries.at(0).spec.provider = "linkerd";
  ErrorList errors;
  EXPECT_TRUE(renderCanary(in.canaries[0], renderInputs(in), RenderOptions{}, errors).empty());
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_NE(errors[0].format().find("spec.provider: expected istio or kubernetes"), std::string::npos)
      << errors[0].format();
  EXPECT_EQ(errors[1].format(), kSeedCanary +
                                    ":11:11: spec.targetRef.name: expected the Deployment test/podinfo "
                                    "among the inputs (-f), found none");
  EXPECT_EQ(errors[2].format(), kSeedCanary +
                                    ":19:11: spec.autoscalerRef.name: expected the "
                                    "HorizontalPodAutoscaler test/podinfo among the inputs (-f), found none");
}

// Objects from files can have any shape: wrong types are errors with positions, or (deeper than
// the shape check looks) one error at the Canary's targetRef, never an exception.
TEST(RenderErrors, WrongShapesAreErrorsNotExceptions) {
  auto canary = loadAll({kSeedCanary}).canaries.at(0);
  canary.spec.autoscalerRef.reset();
  for (const char* doc :
       {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: podinfo}\nspec: 5\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: podinfo}\nspec:\n"
        "  selector: {matchLabels: {app: podinfo}}\n  template: {spec: {containers: 5}}\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: podinfo}\nspec:\n"
        "  selector: {matchLabels: {app: podinfo}}\n  template: {spec: {containers: [{ports: 7}]}}\n"}) {
    auto in = api::loadString(doc, "shape.yaml");
    ErrorList errors;
    RenderOptions o;
    o.configTracking = true;
    EXPECT_NO_THROW({
      const auto out = renderCanary(canary, renderInputs(in), o, errors);
      if (!errors.empty()) {
        EXPECT_TRUE(out.empty());
      }
    }) << doc;
    for (const auto& e : errors) EXPECT_FALSE(e.format().empty());
  }
  auto in =
      api::loadString("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: podinfo}\nspec: 5\n", "shape.yaml");
  ErrorList errors;
  renderCanary(canary, renderInputs(in), RenderOptions{}, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].format(), "shape.yaml:4:7: spec: expected an object, found 5");
}

TEST(RenderPhases, ParseFlaggerNames) {
  EXPECT_EQ(parseRenderPhase("Succeeded"), RenderPhase::Succeeded);
  EXPECT_EQ(parseRenderPhase("Promoting"), RenderPhase::Promoting);
  EXPECT_FALSE(parseRenderPhase("succeeded").has_value());
}

}  // namespace
}  // namespace aviary::platform::kubernetes
