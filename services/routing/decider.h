#pragma once
// Assembles what the engine needs for one CallSetup and asks it: who calls
// (the edge fills user and line ids for a subscriber's device), who is
// called (the dialed string resolved in the caller's tenant: an extension,
// or a number of any tenant), their settings, schedules, rule lists,
// contacts and the callee tenant's blacklist, all from the caches
// (directory.h, routing_cache.h), plus the callee's CompiledSettings, built
// once per version of its inputs.
//
// A setup that can't be evaluated (profiles or the database unreachable, a
// caller that doesn't exist) gets an explicit error decision (final REJECT
// with a SIP code, `error` saying why), never silence.
//
// Star codes (B13): the engine describes the change (feature_applied); the
// decider then applies it to the caller's settings and saves them through
// RoutingManager::SaveFeatureCode, exactly as a PATCH of call-settings would
// (validation, events, cache invalidation). Only then does the decision go
// back, so the confirmation the edge plays is true.
//
// Threading: Decide and TryDecideCached may run on any number of threads.
// TryDecideCached never blocks (no I/O, no compile): it answers from warm
// caches or says it can't, and the caller moves the setup to a worker.
#include <google/protobuf/field_mask.pb.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "numbering/numbering.h"
#include "services/routing/directory.h"
#include "services/routing/engine/engine.h"
#include "services/routing/routing_cache.h"

namespace sb::routing {

// Saves a star code's change (RoutingManager::SaveFeatureCode).
using FeatureCodeSaver = std::function<absl::StatusOr<rpb::CallSettings>(
    const std::string& user_id, const rpb::CallSettings& updated, const google::protobuf::FieldMask& mask)>;

struct DecideOptions {
  // False for dry runs (the Decide RPC): a star code is described, not saved.
  bool apply_star_codes = true;
};

struct DeciderStats {
  DirectoryStats directory;
  RoutingDataStats data;
  int64_t compiles = 0;  // CompiledSettings built
  int64_t decisions = 0;
  int64_t decided_from_cache = 0;  // by TryDecideCached
  // Round trips to profiles and PostgreSQL on the decision path.
  int64_t cache_misses() const { return directory.fetches + data.loads; }
};

class Decider {
 public:
  Decider(Directory* directory, RoutingData* data, const numbering::Numbering* numbering,
          FeatureCodeSaver saver, std::function<absl::Time()> clock = absl::Now);

  // May block on profiles and PostgreSQL (cache misses, star codes).
  rpb::RouteDecision Decide(const rpb::CallSetup& setup, const DecideOptions& options = {});
  // From warm caches only; nullopt when anything is missing or the setup
  // needs a write (a star code).
  std::optional<rpb::RouteDecision> TryDecideCached(const rpb::CallSetup& setup);

  DeciderStats Stats() const;

 private:
  struct Lookup;
  struct Assembly;
  struct CompiledEntry {
    std::vector<std::shared_ptr<const void>> inputs;  // identity = version
    std::shared_ptr<const CompiledSettings> compiled;
  };

  // The decision, or the status that prevented it (an unreachable backend;
  // in cache-only mode, a miss).
  absl::StatusOr<rpb::RouteDecision> Run(const rpb::CallSetup& setup, Lookup& lookup,
                                         const DecideOptions& options);
  absl::Status Assemble(const rpb::CallSetup& setup, Lookup& lookup, Assembly& out);
  absl::Status SaveStarCode(const rpb::CallSetup& setup, const Assembly& a, rpb::RouteDecision* decision);
  std::shared_ptr<const CompiledSettings> FindCompiled(
      const std::string& key, const std::vector<std::shared_ptr<const void>>& inputs);
  void StoreCompiled(const std::string& key, CompiledEntry entry);

  Directory* directory_;
  RoutingData* data_;
  const numbering::Numbering* numbering_;
  FeatureCodeSaver saver_;
  std::function<absl::Time()> clock_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, CompiledEntry> compiled_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> compiles_{0};
  std::atomic<int64_t> decisions_{0};
  std::atomic<int64_t> from_cache_{0};
};

// The top-level fields that differ between two settings (what a star code
// changed), as an update mask.
google::protobuf::FieldMask ChangedFields(const rpb::CallSettings& before, const rpb::CallSettings& after);

}  // namespace sb::routing
