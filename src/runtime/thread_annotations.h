// Thread-safety annotations, checked by clang's -Wthread-safety (the
// `make test-thread-safety` build); with g++ they expand to nothing.
//
// GUARDED_BY(mu) on a field: read or written only with mu held.
// REQUIRES(mu) on a function: its caller holds mu. EXCLUDES(mu): it does
// not (the function takes mu itself). The rest describe the lock types in
// runtime/mutex.h. See https://clang.llvm.org/docs/ThreadSafetyAnalysis.html
#pragma once

#if defined(__clang__)
#define WALFS_TSA(x) __attribute__((x))
#else
#define WALFS_TSA(x)
#endif

#define CAPABILITY(x) WALFS_TSA(capability(x))
#define SCOPED_CAPABILITY WALFS_TSA(scoped_lockable)
#define GUARDED_BY(x) WALFS_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) WALFS_TSA(pt_guarded_by(x))
#define REQUIRES(...) WALFS_TSA(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) WALFS_TSA(acquire_capability(__VA_ARGS__))
#define RELEASE(...) WALFS_TSA(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) WALFS_TSA(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) WALFS_TSA(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) WALFS_TSA(assert_capability(x))
#define RETURN_CAPABILITY(x) WALFS_TSA(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS WALFS_TSA(no_thread_safety_analysis)
