// The Pod sandbox's process (registry.k8s.io/pause stand-in): PID 1 of the Pod's PID
// namespace. It holds the namespaces open, reaps every zombie re-parented to it, and exits
// 0 on SIGINT or SIGTERM. Built with `gcc -static -Os` into a FROM scratch image by
// test/node/images/build.sh.
//
// The signals are blocked and taken with sigwaitinfo(), not handled asynchronously: the
// kernel drops a signal sent to a namespace's init only when its disposition is SIG_DFL
// and it is not blocked, so blocking them (plus no-op handlers, for the unblocked moment
// before sigprocmask) makes sure SIGTERM from the runtime reaches us.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAUSE_VERSION "irsa-e2e pause 3.10"

static void noop(int signo) { (void)signo; }

static void reap(void) {
  for (;;) {
    pid_t pid = waitpid(-1, NULL, WNOHANG);
    if (pid > 0) continue;
    if (pid < 0 && errno == EINTR) continue;
    return;  // 0: children left but none exited; -1 ECHILD: no children
  }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--version") == 0) {
      printf("%s\n", PAUSE_VERSION);
      return 0;
    }
  }
  if (getpid() != 1) fprintf(stderr, "pause: warning: not PID 1, zombies of the Pod are not mine\n");

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = noop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  const int sigs[] = {SIGINT, SIGTERM, SIGCHLD};
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    if (sigaction(sigs[i], &sa, NULL) != 0) { perror("pause: sigaction"); return 1; }
    sigaddset(&set, sigs[i]);
  }
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) { perror("pause: sigprocmask"); return 1; }

  reap();  // anything that exited before the mask was in place
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&set, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      perror("pause: sigwaitinfo");
      return 1;
    }
    if (sig == SIGCHLD) {
      reap();  // SIGCHLDs coalesce: one signal can stand for many exits
      continue;
    }
    fprintf(stderr, "pause: shutting down, got signal %d\n", sig);
    reap();
    return 0;
  }
}
