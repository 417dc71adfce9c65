#pragma once

// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html),
// as abseil's thread_annotations.h spells them. Under clang, `-Wthread-safety` checks that
// every member marked GUARDED_BY(m) is touched only with `m` held; other compilers see
// nothing.

#if defined(__clang__)
#define IRSA_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define IRSA_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) IRSA_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY IRSA_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) IRSA_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) IRSA_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) IRSA_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) IRSA_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) IRSA_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) IRSA_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) IRSA_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) IRSA_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) IRSA_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define EXCLUDES(...) IRSA_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS IRSA_THREAD_ANNOTATION(no_thread_safety_analysis)
