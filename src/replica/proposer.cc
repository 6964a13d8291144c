#include "replica/proposer.h"

namespace walfs {

Proposer::Proposer(std::shared_ptr<Log> log, const ServerOptions& opts)
    : log_(std::move(log)), opts_(opts) {}

Proposer::~Proposer() { Stop(); }

void Proposer::Start() {
  worker_.Start([this] { Run(); });
}

void Proposer::Stop() {
  worker_.Stop();
  std::deque<Item> left;
  {
    MutexLock lock(&worker_.mu());
    left.swap(queue_);
  }
  for (auto& it : left) it.done(Status(Code::kNotReady, "the server is shutting down"));
}

bool Proposer::Enqueue(Item item) {
  {
    MutexLock lock(&worker_.mu());
    if (worker_.stopping() || queue_.size() >= opts_.proposals_pending_max) return false;
    queue_.push_back(std::move(item));
  }
  worker_.Notify();
  return true;
}

bool Proposer::Submit(std::string payload, Done done) {
  return Enqueue(Item{std::move(payload), false, std::move(done)});
}

bool Proposer::SubmitTail(Done done) { return Enqueue(Item{{}, true, std::move(done)}); }

void Proposer::TakeBatch(std::vector<Item>* items) {
  uint64_t bytes = 0;
  while (!queue_.empty() && items->size() < opts_.propose_batch_entries_max) {
    uint64_t next = queue_.front().payload.size();
    if (!items->empty() && bytes + next > opts_.propose_batch_bytes_max) break;
    bytes += next;
    items->push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void Proposer::Run() {
  for (;;) {
    std::vector<Item> items;
    {
      MutexLock lock(&worker_.mu());
      while (queue_.empty()) {
        if (!worker_.Wait()) return;
      }
      if (worker_.stopping()) return;
      TakeBatch(&items);
    }
    Round(&items);
  }
}

size_t Proposer::RunOnce() {
  std::vector<Item> items;
  {
    MutexLock lock(&worker_.mu());
    TakeBatch(&items);
  }
  if (!items.empty()) Round(&items);
  return items.size();
}

void Proposer::Round(std::vector<Item>* items) {
  if (!conn_) {
    auto c = log_->Connect();
    if (!c.ok()) {
      for (auto& it : *items) it.done(c.status());
      return;
    }
    conn_ = std::move(c).value();
  }
  std::vector<std::string> payloads;
  for (auto& it : *items) {
    if (!it.tail) payloads.push_back(std::move(it.payload));
  }
  Result<Position> tail = Status(Code::kLogUnavailable, "no tail");
  if (!payloads.empty()) {
    auto r = conn_->Append(payloads);
    size_t i = 0;
    for (auto& it : *items) {
      if (it.tail) continue;
      it.done(r.ok() ? Result<Position>((*r)[i++]) : Result<Position>(r.status()));
    }
    // The last id appended is at or past the tail as of every tail request
    // in this round: waiting for it is still a linearizable barrier.
    if (r.ok()) tail = r->back();
  }
  bool any_tail = std::any_of(items->begin(), items->end(), [](const Item& i) { return i.tail; });
  if (!any_tail) return;
  if (!tail.ok()) tail = conn_->Last();
  for (auto& it : *items) {
    if (it.tail) it.done(tail);
  }
}

}  // namespace walfs
