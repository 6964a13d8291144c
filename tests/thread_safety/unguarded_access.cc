// Must NOT compile under `make thread-safety`: it reads a GUARDED_BY field
// without its lock. The target checks that clang refuses it, so that the
// annotations are known to be checked, not merely present.
#include "runtime/mutex.h"

namespace walfs {

class Counter {
 public:
  int Get() { return n_; }  // no MutexLock: clang must refuse this

 private:
  Mutex mu_;
  int n_ GUARDED_BY(mu_) = 0;
};

int Use() {
  Counter c;
  return c.Get();
}

}  // namespace walfs
