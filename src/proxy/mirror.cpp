#include "proxy/mirror.h"

namespace aviary::proxy {

using std::chrono::steady_clock;

Mirror::Mirror(Worker& worker, SnapshotPtr snap, const CompiledListener& listener, uint32_t cluster)
    : worker_(worker), snap_(std::move(snap)), listener_(listener), cluster_(cluster), exchange_(worker, *this) {
  ++worker_.mirrorsInFlight;
  worker_.link(this);
}

Mirror::~Mirror() {
  --worker_.mirrorsInFlight;
  worker_.unlink(this);
}

void Mirror::launch(Worker& worker, SnapshotPtr snap, const CompiledListener& listener, uint32_t cluster,
                    std::string_view head, std::string_view body, bool headRequest, Duration timeout) {
  if (worker.mirrorsInFlight >= kMaxInFlight) return;
  const SteadyTime now = steady_clock::now();
  EndpointState* ep = worker.upstreams().choose(*snap, cluster, worker.random(), now, nullptr);
  auto m = std::make_shared<Mirror>(worker, snap, listener, cluster);
  m->start_ = now;
  // Copy the request, appending "-shadow" to the Host value (Istio's convention for mirrors).
  m->request_.reserve(head.size() + body.size() + 8);
  size_t host = std::string_view::npos;
  for (size_t pos = head.find("\r\n"); pos != std::string_view::npos && pos + 2 < head.size();
       pos = head.find("\r\n", pos + 2)) {
    if (head.size() > pos + 7 && equalsIgnoreCase(head.substr(pos + 2, 5), "host:")) {
      host = head.find("\r\n", pos + 2);
      break;
    }
  }
  if (host != std::string_view::npos) {
    m->request_.append(head.substr(0, host)).append("-shadow").append(head.substr(host));
  } else {
    m->request_.append(head);
  }
  m->headLen_ = m->request_.size();
  m->request_.append(body);
  if (ep == nullptr) {
    worker.stats().record(listener.sourceLabels[cluster], 503, kFlagUH, 0.0, body.size(), 0);
    return;
  }
  m->endpoint_ = ep;
  ++ep->active;
  const Duration connect = snap->clusters()[cluster].config->connectTimeout;
  m->deadline = now + (timeout.count() > 0 ? timeout : Duration(15000));
  UpstreamConnectionPtr conn = worker.upstreams().acquire(*ep);
  if (!conn->reused) m->deadline = std::min(m->deadline, now + connect);
  m->self_ = m;  // until onExchangeDone
  const std::string_view request(m->request_);
  m->exchange_.start(std::move(conn), request.substr(0, m->headLen_), request.substr(m->headLen_), headRequest,
                     snap->config().limits.maxResponseBytes);
}

void Mirror::dropPart() {
  exchange_.takeBody();
  worker_.defer(this, shared_from_this(), Worker::Flush::Upstream);  // then bodyWritten()
}

void Mirror::onDeadline() {
  timedOut_ = true;
  connectTimedOut_ = exchange_.connecting();
  exchange_.abort();
}

void Mirror::onExchangeDone(ExchangeFailure failure) {
  worker_.loop().retire(std::move(self_));
  --endpoint_->active;
  deadline = SteadyTime::max();
  const double ms = std::chrono::duration<double, std::milli>(steady_clock::now() - start_).count();
  const uint64_t reqBytes = request_.size() - headLen_;
  const LabelSetPtr& labels = listener_.labels[cluster_];
  if (failure == ExchangeFailure::None) {
    worker_.upstreams().report(
        *snap_, cluster_, *endpoint_,
        exchange_.response().status >= 500 ? AttemptOutcome::ServerError : AttemptOutcome::Success,
        steady_clock::now());
    worker_.stats().record(labels, static_cast<uint16_t>(exchange_.response().status), 0, ms, reqBytes,
                           exchange_.payloadBytes());
    worker_.upstreams().release(std::move(exchange_.connection()), exchange_.reusable(), *snap_->clusters()[cluster_].config);
    return;
  }
  exchange_.connection().reset();
  if (failure == ExchangeFailure::Aborted && !timedOut_) return;  // shutdown
  const bool connect =
      failure == ExchangeFailure::ConnectFailed || failure == ExchangeFailure::ConnectRefused || connectTimedOut_;
  worker_.stats().record(labels, timedOut_ && !connect ? 504 : 503,
                         connect     ? kFlagUF
                         : timedOut_ ? kFlagUT
                                     : kFlagUC,
                         ms, reqBytes, 0);
}

}  // namespace aviary::proxy
