#include "proxy/retry_policy.h"

namespace aviary::proxy {

bool isRetriable(const RetryPolicy& policy, RetryCause cause, int status) {
  const uint32_t on = policy.retryOn;
  const uint32_t noResponse = kRetry5xx | kRetryGatewayError | kRetryReset;
  switch (cause) {
    case RetryCause::Response:
      if (status >= 500 && (on & kRetry5xx)) return true;
      if ((status == 502 || status == 503 || status == 504) && (on & kRetryGatewayError)) return true;
      return status == 409 && (on & kRetryRetriable4xx);
    case RetryCause::Refused: return on & (noResponse | kRetryConnectFailure | kRetryRefusedStream);
    case RetryCause::ConnectFailure: return on & (noResponse | kRetryConnectFailure);
    case RetryCause::Reset:
    case RetryCause::PerTryTimeout: return on & noResponse;
    case RetryCause::Other: return false;
  }
  return false;
}

}  // namespace aviary::proxy
