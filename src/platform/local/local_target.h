#pragma once
// The local platform's Target (controller/target.h): a Workload (api/workload.h) run by the
// process supervisor as two replica sets, the way Flagger runs a Deployment and its primary
// (flagger-scheduler.md §10.1):
//   set "NS/W-primary"  the primary, created as a copy of W's spec at initialization and rolled
//                       to W's current spec at promotion;
//   set "NS/W"          W itself: scaled to zero once initialized, scaled up when a new revision
//                       is detected, back to zero after promotion or rollback.
// Readiness reads the supervisor's set status with the wording of Flagger's Deployment checks,
// and the progress deadline (spec.progressDeadlineSeconds) from the set's last progress.
// One per canary; called from that canary's ticks only.
#include <optional>
#include <string>

#include "api/hpa.h"

#include "controller/target.h"

namespace aviary::platform::local {

class LocalPlatform;

class LocalTarget final : public controller::Target {
 public:
  LocalTarget(LocalPlatform& platform, std::string ns, std::string workload)
      : platform_(platform), ns_(std::move(ns)), workload_(std::move(workload)) {}

  Result<std::string> revision(const api::Canary& canary) override;
  Result<controller::ConfigChecksums> configs(const api::Canary&) override { return controller::ConfigChecksums{}; }
  controller::Readiness initialize(const api::Canary& canary, bool requirePrimaryReady) override;
  controller::Readiness isPrimaryReady(const api::Canary& canary) override;
  controller::Readiness isCanaryReady(const api::Canary& canary) override;
  Status promote(const api::Canary& canary) override;
  Status scaleToZero(const api::Canary& canary) override;
  Status scaleFromZero(const api::Canary& canary) override;
  // The primary's HorizontalPodAutoscaler, cloned from autoscalerRef as on Kubernetes
  // (flagger-integration.md §1.13): `<ref>-primary` scaling `<W>-primary`, min/max, metrics and
  // behavior copied, primaryScalerReplicas applied. An autoscalerRef naming no HPA of the
  // platform is logged once and otherwise ignored (Kubernetes: an error), so that the seed's
  // manifests run without one.
  Status reconcilePrimaryScaler(const api::Canary& canary, bool init) override;
  // Pause/Resume are no-ops for an HPA, as in Flagger: a set at 0 replicas is not autoscaled.
  Status pauseTargetScaler(const api::Canary&) override { return okStatus(); }
  Status resumeTargetScaler(const api::Canary&) override { return okStatus(); }
  Status revert(const api::Canary& canary) override;

 private:
  controller::Readiness readiness(const api::Canary& canary, bool primary);
  // The canary's HPA when autoscalerRef names one the platform has.
  std::optional<api::HorizontalPodAutoscaler> targetAutoscaler(const api::Canary& canary);
  bool warnedMissingHpa_ = false;

  LocalPlatform& platform_;
  std::string ns_;
  std::string workload_;
};

}  // namespace aviary::platform::local
