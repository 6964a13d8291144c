#include "replica/waiters.h"

namespace walfs {

uint64_t Waiters::Register(Position p, Callback cb) {
  {
    MutexLock lock(&mu_);
    if (applied_ < p && stopped_.ok()) {
      uint64_t id = next_id_++;
      auto it = waiting_.emplace(p, std::make_pair(id, std::move(cb)));
      by_id_[id] = it;
      return id;
    }
  }
  cb();
  return 0;
}

void Waiters::Cancel(uint64_t id) {
  MutexLock lock(&mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  waiting_.erase(it->second);
  by_id_.erase(it);
}

void Waiters::FireReady(std::vector<Callback>* out) {
  auto end = stopped_.ok() ? waiting_.upper_bound(applied_) : waiting_.end();
  for (auto it = waiting_.begin(); it != end; ++it) {
    by_id_.erase(it->second.first);
    out->push_back(std::move(it->second.second));
  }
  waiting_.erase(waiting_.begin(), end);
}

void Waiters::Publish(Position applied, std::string digest,
                      std::vector<std::pair<Position, Outcome>> outcomes) {
  std::vector<Callback> fire;
  {
    MutexLock lock(&mu_);
    applied_ = applied;
    digest_ = std::move(digest);
    for (auto& [p, o] : outcomes) {
      outcomes_[p] = std::move(o);
      outcome_order_.push_back(p);
    }
    while (outcome_order_.size() > outcomes_max_) {
      outcomes_.erase(outcome_order_.front());
      outcome_order_.pop_front();
    }
    FireReady(&fire);
  }
  for (auto& cb : fire) cb();
}

void Waiters::Stop(Status why) {
  std::vector<Callback> fire;
  {
    MutexLock lock(&mu_);
    stopped_ = std::move(why);
    FireReady(&fire);
  }
  for (auto& cb : fire) cb();
}

void Waiters::Resume() {
  MutexLock lock(&mu_);
  stopped_ = Status::Ok();
}

Position Waiters::applied() const {
  MutexLock lock(&mu_);
  return applied_;
}

std::string Waiters::digest() const {
  MutexLock lock(&mu_);
  return digest_;
}

Status Waiters::stopped() const {
  MutexLock lock(&mu_);
  return stopped_;
}

std::optional<Outcome> Waiters::TakeOutcome(Position p) {
  MutexLock lock(&mu_);
  auto it = outcomes_.find(p);
  if (it == outcomes_.end()) return std::nullopt;
  return it->second;
}

}  // namespace walfs
