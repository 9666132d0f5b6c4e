// What the leader elector reads from the API server, on arbitrary bytes: a Lease object decoded
// into its record (any field of any JSON type), written back, and the MicroTime formatting of
// the bytes read as a time. Looks for crashes and exceptions escaping the decoder.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "kube/leader_election.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  aviary::kube::Json lease;
  try {
    // The Client decodes answers the same way; nlohmann can throw out_of_range on huge numbers
    // even without exceptions enabled, which the Client reports as a bad answer.
    lease = aviary::kube::Json::parse(in, nullptr, false);
  } catch (const std::exception&) {
    return 0;
  }
  auto record = aviary::kube::leaseRecordFromJson(lease);
  (void)aviary::kube::leaseSpecToJson(record).dump();
  int64_t micros = 0;
  std::memcpy(&micros, data, std::min(size, sizeof(micros)));
  // Keep within what the system clock's nanosecond count can hold.
  micros %= int64_t{9'000'000'000'000'000};
  (void)aviary::kube::formatMicroTime(aviary::Clock::TimePoint{} + std::chrono::microseconds(micros));
  return 0;
}
