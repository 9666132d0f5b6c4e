#pragma once
// Mirror: a fire-and-forget copy of a request sent to the route's mirror cluster. Its response
// is read to its end and dropped as it arrives (so the connection can be reused) and recorded in
// telemetry under the mirror cluster's labels, but never reaches the client. Like Istio, "-shadow" is appended to Host.
#include <memory>
#include <string>
#include <string_view>

#include "proxy/exchange.h"
#include "proxy/worker.h"

namespace aviary::proxy {

class Mirror final : public Timed, public ExchangeOwner, public Deferred, public std::enable_shared_from_this<Mirror> {
 public:
  // At most kMaxInFlight mirrors per worker; beyond that the copy is skipped.
  static constexpr int kMaxInFlight = 512;
  static void launch(Worker& worker, SnapshotPtr snap, const CompiledListener& listener, uint32_t cluster,
                     std::string_view head, std::string_view body, bool headRequest, Duration timeout);

  Mirror(Worker& worker, SnapshotPtr snap, const CompiledListener& listener, uint32_t cluster);
  ~Mirror() override;

  // Timed
  void onDeadline() override;
  void close() override { exchange_.abort(); }
  std::shared_ptr<void> self() override { return shared_from_this(); }
  // ExchangeOwner
  void onExchangeDone(ExchangeFailure failure) override;
  std::shared_ptr<void> keepAlive() override { return shared_from_this(); }
  // The response is read part by part and dropped (a large one is never buffered whole).
  bool onExchangeHead() override {
    dropPart();
    return true;
  }
  void onExchangeBody() override { dropPart(); }
  // Deferred: the part just read is "written" (dropped); reading goes on.
  void flushDeferred() override { exchange_.bodyWritten(); }

 private:
  void dropPart();

  Worker& worker_;
  std::shared_ptr<Mirror> self_;  // keeps the mirror alive while its exchange runs
  SnapshotPtr snap_;
  const CompiledListener& listener_;
  uint32_t cluster_;
  std::string request_;
  size_t headLen_ = 0;
  EndpointState* endpoint_ = nullptr;
  Exchange exchange_;
  SteadyTime start_;
  bool timedOut_ = false;
  bool connectTimedOut_ = false;
};

}  // namespace aviary::proxy
