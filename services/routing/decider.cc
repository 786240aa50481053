#include "services/routing/decider.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "core/status.h"
#include "services/routing/engine/terminals.h"
#include "services/routing/routing_manager.h"

namespace sb::routing {
namespace {

// Marks a value the cache-only path doesn't have.
absl::Status NotCached() { return absl::UnavailableError("not cached"); }

absl::TimeZone ZoneOf(const ppb::User* user, const ppb::Tenant& tenant) {
  absl::TimeZone tz;
  if (user != nullptr && !user->timezone().empty() && absl::LoadTimeZone(user->timezone(), &tz)) return tz;
  if (!tenant.timezone().empty() && absl::LoadTimeZone(tenant.timezone(), &tz)) return tz;
  return absl::UTCTimeZone();
}

LineRef RefOf(const ppb::Line& line, const ppb::User* owner) {
  LineRef r;
  r.line_id = line.id();
  r.user_id = line.user_id();
  r.tenant_id = line.tenant_id();
  r.extension = line.extension();
  r.number_e164 = line.number_e164();
  r.display_name = owner != nullptr ? DisplayName(*owner) : line.label();
  return r;
}

// The caller's line: the one the edge named, else the user's primary one.
LineRef CallerLine(const ppb::User& user, const std::string& line_id) {
  for (const auto& l : user.lines()) {
    if (l.id() == line_id) return RefOf(l, &user);
  }
  LineRef r;
  r.line_id = line_id;
  r.user_id = user.id();
  r.tenant_id = user.tenant_id();
  r.extension = user.extension();
  r.number_e164 = user.number_e164();
  r.display_name = DisplayName(user);
  if (line_id.empty() && user.lines_size() > 0) r.line_id = user.lines(0).id();
  return r;
}

// Top-level field names of every difference MessageDifferencer reports.
class TopLevelReporter : public google::protobuf::util::MessageDifferencer::Reporter {
 public:
  explicit TopLevelReporter(google::protobuf::FieldMask* mask) : mask_(mask) {}
  using Path = std::vector<google::protobuf::util::MessageDifferencer::SpecificField>;
  void ReportAdded(const google::protobuf::Message&, const google::protobuf::Message&,
                   const Path& p) override {
    Add(p);
  }
  void ReportDeleted(const google::protobuf::Message&, const google::protobuf::Message&,
                     const Path& p) override {
    Add(p);
  }
  void ReportModified(const google::protobuf::Message&, const google::protobuf::Message&,
                      const Path& p) override {
    Add(p);
  }

 private:
  void Add(const Path& p) {
    if (p.empty() || p[0].field == nullptr) return;
    const std::string& name = p[0].field->name();
    if (name == "updated_at" || name == "user_id") return;
    if (std::find(mask_->paths().begin(), mask_->paths().end(), name) == mask_->paths().end()) {
      mask_->add_paths(name);
    }
  }
  google::protobuf::FieldMask* mask_;
};

}  // namespace

google::protobuf::FieldMask ChangedFields(const rpb::CallSettings& before, const rpb::CallSettings& after) {
  google::protobuf::FieldMask mask;
  google::protobuf::util::MessageDifferencer diff;
  TopLevelReporter reporter(&mask);
  diff.ReportDifferencesTo(&reporter);
  diff.Compare(before, after);
  return mask;
}

// Where the decision path gets its data: the caches' Peek (cache-only, never
// blocks) or Get (fetches on a miss).
struct Decider::Lookup {
  Directory* directory;
  RoutingData* data;
  bool cache_only = false;
  bool missed = false;

  template <typename T>
  absl::StatusOr<std::shared_ptr<const T>> Peeked(std::shared_ptr<const T> value) {
    if (value) return value;
    missed = true;
    return NotCached();
  }
  absl::StatusOr<std::shared_ptr<const ppb::User>> User(const std::string& id) {
    return cache_only ? Peeked(directory->PeekUser(id)) : directory->User(id);
  }
  absl::StatusOr<std::shared_ptr<const ppb::Tenant>> Tenant(const std::string& id) {
    return cache_only ? Peeked(directory->PeekTenant(id)) : directory->Tenant(id);
  }
  absl::StatusOr<std::shared_ptr<const Resolved>> Resolve(const std::string& tenant,
                                                          const std::string& dialed) {
    return cache_only ? Peeked(directory->PeekResolve(tenant, dialed)) : directory->Resolve(tenant, dialed);
  }
  absl::StatusOr<std::shared_ptr<const ContactBook>> Contacts(const std::string& user_id) {
    return cache_only ? Peeked(directory->PeekContacts(user_id)) : directory->Contacts(user_id);
  }
  absl::StatusOr<std::shared_ptr<const UserRouting>> UserData(const std::string& tenant,
                                                              const std::string& user) {
    return cache_only ? Peeked(data->PeekUser(user)) : data->User(tenant, user);
  }
  absl::StatusOr<std::shared_ptr<const TenantRouting>> TenantData(const std::string& tenant) {
    return cache_only ? Peeked(data->PeekTenant(tenant)) : data->Tenant(tenant);
  }
};

// What one decision holds on to: the snapshot refers into these.
struct Decider::Assembly {
  Snapshot snapshot;
  std::shared_ptr<const ppb::User> caller;
  std::shared_ptr<const ppb::User> callee;
  std::shared_ptr<const UserRouting> caller_data;
  std::shared_ptr<const TenantRouting> callee_tenant_data;
  std::string callee_tenant_id;
};

Decider::Decider(Directory* directory, RoutingData* data, const numbering::Numbering* numbering,
                 FeatureCodeSaver saver, std::function<absl::Time()> clock)
    : directory_(directory),
      data_(data),
      numbering_(numbering),
      saver_(std::move(saver)),
      clock_(std::move(clock)) {}

std::shared_ptr<const CompiledSettings> Decider::FindCompiled(
    const std::string& key, const std::vector<std::shared_ptr<const void>>& inputs) {
  absl::ReaderMutexLock lock(&mu_);
  auto it = compiled_.find(key);
  if (it == compiled_.end() || it->second.inputs != inputs) return nullptr;
  return it->second.compiled;
}

void Decider::StoreCompiled(const std::string& key, CompiledEntry entry) {
  absl::MutexLock lock(&mu_);
  // One entry per callee; a bound, since callees come from the network.
  if (compiled_.size() >= 200000 && !compiled_.contains(key)) compiled_.clear();
  compiled_[key] = std::move(entry);
}

absl::Status Decider::Assemble(const rpb::CallSetup& setup, Lookup& lk, Assembly& a) {
  Snapshot& s = a.snapshot;
  s.numbering = numbering_;
  std::string tenant_id = setup.tenant_id();

  // The caller, when a subscriber's device calls.
  if (!setup.caller().user_id().empty()) {
    auto caller = lk.User(setup.caller().user_id());
    if (!caller.ok()) {
      if (caller.status().code() == absl::StatusCode::kNotFound) {
        return absl::NotFoundError("the calling subscriber does not exist");
      }
      return caller.status();
    }
    a.caller = *caller;
    if (!tenant_id.empty() && tenant_id != a.caller->tenant_id()) {
      return absl::InvalidArgumentError("the caller is not a subscriber of the setup's tenant");
    }
    tenant_id = a.caller->tenant_id();
    SB_ASSIGN_OR_RETURN(auto tenant, lk.Tenant(tenant_id));
    SB_ASSIGN_OR_RETURN(a.caller_data, lk.UserData(tenant_id, a.caller->id()));
    CallerView view;
    view.line = CallerLine(*a.caller, setup.caller().line_id());
    view.country = tenant->country();
    view.settings = RoutingManager::Effective(*a.caller_data, *a.caller);
    s.caller = std::move(view);
  }

  // The callee: what the dialed string reaches from the caller's tenant.
  // Star codes and other service codes reach no line: don't ask.
  const std::string& dialed = setup.dialed();
  const bool service_code = !dialed.empty() && (dialed[0] == '*' || dialed[0] == '#');
  if (dialed.empty() || service_code || tenant_id.empty()) return absl::OkStatus();
  SB_ASSIGN_OR_RETURN(auto resolved, lk.Resolve(tenant_id, dialed));
  if (!resolved->line) return absl::OkStatus();  // not ours: an outgoing call
  const ppb::Line& line = *resolved->line;
  a.callee_tenant_id = line.tenant_id();
  SB_ASSIGN_OR_RETURN(auto callee_tenant, lk.Tenant(line.tenant_id()));
  SB_ASSIGN_OR_RETURN(a.callee_tenant_data, lk.TenantData(line.tenant_id()));
  s.compiled_blacklist = a.callee_tenant_data->compiled_blacklist;

  CalleeView view;
  std::vector<std::shared_ptr<const void>> inputs = {callee_tenant, a.callee_tenant_data};
  std::shared_ptr<const UserRouting> user_data;
  std::shared_ptr<const ContactBook> book;
  std::string key = absl::StrCat("line:", line.id());
  if (!line.user_id().empty()) {
    SB_ASSIGN_OR_RETURN(a.callee, lk.User(line.user_id()));
    SB_ASSIGN_OR_RETURN(user_data, lk.UserData(line.tenant_id(), line.user_id()));
    SB_ASSIGN_OR_RETURN(book, lk.Contacts(line.user_id()));
    inputs.insert(inputs.end(), {a.callee, user_data, book});
    key = line.user_id();
  }
  view.line = RefOf(line, a.callee.get());
  view.country = callee_tenant->country();
  view.compiled = FindCompiled(key, inputs);
  if (!view.compiled) {
    // Compiling reads every number with libphonenumber: CPU, not for the
    // cache-only path, which runs on the stream's reactor thread.
    if (lk.cache_only) {
      lk.missed = true;
      return NotCached();
    }
    // The raw inputs are only read to compile: Decide reads `compiled`
    // (time zone included: loading one by name is a lookup under a lock).
    view.timezone = ZoneOf(a.callee.get(), *callee_tenant);
    view.settings =
        a.callee ? RoutingManager::Effective(*user_data, *a.callee) : DefaultCallSettings("", false);
    if (user_data) {
      view.schedules = user_data->schedules;
      view.rule_lists = user_data->rule_lists;
    }
    view.schedules.insert(view.schedules.end(), a.callee_tenant_data->schedules.begin(),
                          a.callee_tenant_data->schedules.end());
    if (book) {
      view.contact_numbers = book->contact_numbers;
      view.group_members = book->group_members;
    }
    view.compiled = Compile(view, numbering_);
    compiles_.fetch_add(1, std::memory_order_relaxed);
    StoreCompiled(key, {inputs, view.compiled});
    view.settings.Clear();
    view.schedules.clear();
    view.rule_lists.clear();
    view.contact_numbers.clear();
    view.group_members.clear();
  }
  s.callee = std::move(view);

  // Forward targets that are lines of ours, read in the callee's tenant.
  const std::string callee_tenant_id = line.tenant_id();
  s.resolve = [&lk, callee_tenant_id](const std::string& d) -> std::optional<LineRef> {
    auto r = lk.Resolve(callee_tenant_id, d);
    if (!r.ok() || !(*r)->line) return std::nullopt;
    const ppb::Line& target = *(*r)->line;
    std::shared_ptr<const ppb::User> owner;
    if (!target.user_id().empty()) {
      auto u = lk.User(target.user_id());
      if (u.ok()) owner = *u;
    }
    return RefOf(target, owner.get());
  };
  // B5: a line of ours that forwards every call (read only for ring targets
  // that allow remote forwarding).
  s.unconditional_forward = [&lk](const LineRef& target) -> std::optional<std::string> {
    if (target.user_id.empty()) return std::nullopt;
    auto owner = lk.User(target.user_id);
    if (!owner.ok()) return std::nullopt;
    auto data = lk.UserData(target.tenant_id, target.user_id);
    if (!data.ok()) return std::nullopt;
    const rpb::CallSettings settings = RoutingManager::Effective(**data, **owner);
    const rpb::ForwardUnconditional& forward = settings.forward_unconditional();
    const bool always = forward.mode() == rpb::FORWARD_MODE_UNSPECIFIED || forward.mode() == rpb::ALWAYS;
    if (!forward.enabled() || !always || forward.number().empty()) return std::nullopt;
    return forward.number();
  };
  return absl::OkStatus();
}

absl::Status Decider::SaveStarCode(const rpb::CallSetup& setup, const Assembly& a,
                                   rpb::RouteDecision* decision) {
  StarCode code = ParseStarCode(setup.dialed());
  const rpb::CallSettings& before = a.snapshot.caller->settings;
  SB_ASSIGN_OR_RETURN(rpb::CallSettings after,
                      ApplyStarCode(code, before, *numbering_, a.snapshot.caller->country));
  google::protobuf::FieldMask mask = ChangedFields(before, after);
  if (mask.paths_size() == 0) return absl::OkStatus();  // already so: nothing to save
  SB_ASSIGN_OR_RETURN(rpb::CallSettings saved, saver_(a.caller->id(), after, mask));
  decision->set_feature_applied(DescribeStarCode(code, saved));
  return absl::OkStatus();
}

absl::StatusOr<rpb::RouteDecision> Decider::Run(const rpb::CallSetup& setup, Lookup& lk,
                                                const DecideOptions& options) {
  Assembly a;
  SB_RETURN_IF_ERROR(Assemble(setup, lk, a));
  rpb::RouteDecision decision = ::sb::routing::Decide(setup, a.snapshot, clock_());
  if (lk.missed) return NotCached();  // a forward target wasn't cached
  if (decision.call_id().empty()) decision.set_call_id(setup.call_id());
  if (!decision.feature_applied().empty() && a.caller && options.apply_star_codes) {
    if (lk.cache_only) return NotCached();  // a write: not on the reactor
    if (absl::Status st = SaveStarCode(setup, a, &decision); !st.ok()) {
      core::Logger("decider")->warn("{} star code {} not saved: {}",
                                    core::CallCtx{setup.call_id(), setup.tenant_id()},
                                    setup.dialed().substr(0, 4), st.message());
      const int code = st.code() == absl::StatusCode::kInvalidArgument ? 484 : 503;
      return ErrorDecision(setup.call_id(), code,
                           absl::StrCat("the feature code could not be applied: ", st.message()));
    }
  }
  return decision;
}

rpb::RouteDecision Decider::Decide(const rpb::CallSetup& setup, const DecideOptions& options) {
  decisions_.fetch_add(1, std::memory_order_relaxed);
  Lookup lk{directory_, data_};
  auto decision = Run(setup, lk, options);
  if (decision.ok()) return *std::move(decision);
  const absl::Status& st = decision.status();
  int code = 503;  // our backends: the edge's fallback applies
  if (st.code() == absl::StatusCode::kNotFound) code = 403;
  if (st.code() == absl::StatusCode::kInvalidArgument) code = 400;
  if (code == 503) {
    core::Logger("decider")->warn("{} can't be evaluated: {}",
                                  core::CallCtx{setup.call_id(), setup.tenant_id()}, st.message());
  }
  return ErrorDecision(setup.call_id(), code, std::string(st.message()));
}

std::optional<rpb::RouteDecision> Decider::TryDecideCached(const rpb::CallSetup& setup) {
  Lookup lk{directory_, data_, /*cache_only=*/true};
  auto decision = Run(setup, lk, {});
  if (lk.missed || !decision.ok()) return std::nullopt;  // let Decide fetch, or explain the error
  decisions_.fetch_add(1, std::memory_order_relaxed);
  from_cache_.fetch_add(1, std::memory_order_relaxed);
  return *std::move(decision);
}

DeciderStats Decider::Stats() const {
  DeciderStats s;
  s.directory = directory_->Stats();
  s.data = data_->Stats();
  s.compiles = compiles_.load(std::memory_order_relaxed);
  s.decisions = decisions_.load(std::memory_order_relaxed);
  s.decided_from_cache = from_cache_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace sb::routing
