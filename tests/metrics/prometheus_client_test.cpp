// The Prometheus provider's wire protocol and result semantics against a scripted server.
#include <gtest/gtest.h>

#include <cmath>

#include "fake_prometheus.h"
#include "metrics/prometheus_client.h"

namespace aviary::metrics {
namespace {

PrometheusClient client(const std::string& address, PrometheusOptions o = {}) {
  o.address = address;
  auto c = PrometheusClient::create(o);
  EXPECT_TRUE(c.ok()) << c.error().message;
  return std::move(*c);
}

TEST(PrometheusClientTest, InvalidAddressesAreRejected) {
  for (const char* a : {"", "prometheus:9090", "ftp://x", "http://", "http:///path"}) {
    PrometheusOptions o;
    o.address = a;
    auto c = PrometheusClient::create(o);
    ASSERT_FALSE(c.ok()) << a;
    EXPECT_EQ(c.error().message, std::string("prometheus address ") + a + " is not a valid URL");
  }
}

TEST(PrometheusClientTest, SendsCollapsedQueryToApiPathUnderTheAddressPrefix) {
  FakePrometheus fake;
  fake.respondValue("42.5");
  auto v = client(fake.url() + "/prom/").query("\n\tsum(\n\t\tup)  ");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_DOUBLE_EQ(*v, 42.5);
  auto r = fake.last();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/prom/api/v1/query");
  EXPECT_EQ(r.query, "query=+sum%28+up%29+");
  EXPECT_EQ(r.queryParam("query"), " sum( up) ");
}

TEST(PrometheusClientTest, BearerTokenBasicAuthAndHeaders) {
  FakePrometheus fake;
  fake.respondValue("1");
  PrometheusOptions o;
  ASSERT_TRUE(applyPrometheusCredentials(o, {{"token", "s3cr3t"}, {"username", "ignored"}}).ok());
  o.headers = {{"X-Scope-OrgID", {"tenant-a"}}};
  ASSERT_TRUE(client(fake.url(), o).query("up").ok());
  EXPECT_EQ(fake.last().header("authorization"), "Bearer s3cr3t");
  EXPECT_EQ(fake.last().header("x-scope-orgid"), "tenant-a");

  PrometheusOptions basic;
  ASSERT_TRUE(applyPrometheusCredentials(basic, {{"username", "aladdin"}, {"password", "opensesame"}}).ok());
  ASSERT_TRUE(client(fake.url(), basic).query("up").ok());
  EXPECT_EQ(fake.last().header("authorization"), "Basic YWxhZGRpbjpvcGVuc2VzYW1l");
}

TEST(PrometheusClientTest, IncompleteCredentialsAreErrors) {
  PrometheusOptions o;
  EXPECT_EQ(applyPrometheusCredentials(o, {{"password", "p"}}).error().message,
            "prometheus credentials does not contain a username");
  EXPECT_EQ(applyPrometheusCredentials(o, {{"username", "u"}}).error().message,
            "prometheus credentials does not contain a password");
}

TEST(PrometheusClientTest, ResultSemantics) {
  auto vec = [](const std::string& results) {
    return R"({"status":"success","data":{"resultType":"vector","result":[)" + results + "]}}";
  };
  EXPECT_DOUBLE_EQ(*parseQueryResponse(200, vec(R"({"metric":{},"value":[1,"98.5"]})")), 98.5);
  EXPECT_DOUBLE_EQ(*parseQueryResponse(200, vec(R"({"metric":{},"value":[1,"1e3"]})")), 1000);
  EXPECT_TRUE(std::isinf(*parseQueryResponse(200, vec(R"({"metric":{},"value":[1,"+Inf"]})"))));
  // "no values": empty vector, NaN, a sample without a value.
  for (const auto& body : {vec(""), vec(R"({"metric":{},"value":[1,"NaN"]})"), vec(R"({"metric":{},"value":[1]})")}) {
    auto r = parseQueryResponse(200, body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::NoValues);
    EXPECT_EQ(r.error().message, "no values found");
  }
  auto several =
      parseQueryResponse(200, vec(R"({"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]})"));
  ASSERT_FALSE(several.ok());
  EXPECT_NE(several.error().message.find("query returned 2 series, expected one"), std::string::npos);
  EXPECT_NE(several.error().message.find(R"({"a":"2"})"), std::string::npos);
  auto matrix = parseQueryResponse(
      200, R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}]}})");
  EXPECT_EQ(matrix.error().message, "query returned multiple values");
  auto scalar = parseQueryResponse(200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"1"]}})");
  EXPECT_NE(scalar.error().message.find("scalar result, expected an instant vector"), std::string::npos);
  EXPECT_NE(parseQueryResponse(200, "<html>").error().message.find("error unmarshaling result"), std::string::npos);
  EXPECT_NE(parseQueryResponse(200, vec(R"({"metric":{},"value":[1,"abc"]})")).error().message.find("invalid syntax"),
            std::string::npos);
}

TEST(PrometheusClientTest, HttpErrorsCarryPrometheusErrorText) {
  FakePrometheus fake;
  fake.respond(400, R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"})");
  auto v = client(fake.url()).query("sum(");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message,
            "error response: Status 400 Bad Request: bad_data: 1:5: parse error: unexpected end of input");
  fake.respond(503, "upstream down");
  EXPECT_EQ(client(fake.url()).query("up").error().message,
            "error response: Status 503 Service Unavailable: upstream down");
}

TEST(PrometheusClientTest, UnreachableServerNamesTheAddress) {
  std::string address;
  {
    FakePrometheus gone;
    address = gone.url();
  }
  auto v = client(address).query("up");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(v.error().message.rfind("Prometheus at " + address + " is unreachable: ", 0), 0u) << v.error().message;
  EXPECT_EQ(v.error().message.find("/api/v1/query"), std::string::npos) << v.error().message;
}

TEST(PrometheusClientTest, SlowServerTimesOut) {
  FakePrometheus fake;
  fake.respondValue("1");
  fake.delay(std::chrono::milliseconds(600));
  PrometheusOptions o;
  o.timeout = std::chrono::milliseconds(150);
  auto v = client(fake.url(), o).query("up");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::Timeout) << v.error().message;
  EXPECT_EQ(v.error().message.rfind("Prometheus at " + fake.url() + " did not answer within 150ms: ", 0), 0u)
      << v.error().message;
}

TEST(PrometheusClientTest, IsOnline) {
  FakePrometheus fake;
  EXPECT_TRUE(client(fake.url()).isOnline().ok());
  EXPECT_EQ(fake.last().queryParam("query"), "vector(1)");
  fake.respondValue("2");
  EXPECT_EQ(client(fake.url()).isOnline().error().message, "value is not 1 for query: vector(1)");
  fake.respond(500, R"({"status":"error","errorType":"internal","error":"boom"})");
  EXPECT_EQ(client(fake.url()).isOnline().error().message,
            "running query failed: error response: Status 500 Internal Server Error: internal: boom");
}

}  // namespace
}  // namespace aviary::metrics
