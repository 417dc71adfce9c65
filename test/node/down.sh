#!/usr/bin/env bash
# Stops the node that up.sh started in WORK_DIR and removes what it left on the machine:
# its network namespace, its cgroups and the kernel settings kubelet changed.
# Usage: test/node/down.sh WORK_DIR [--keep]   (--keep: leave WORK_DIR's files)
set -uo pipefail
work="${1:?usage: down.sh WORK_DIR [--keep]}"
[[ -d "$work" ]] || exit 0
work="$(cd "$work" && pwd)"
if [[ -e "$work/node.pid" ]]; then
  pid="$(cat "$work/node.pid")"
  # unshare passes SIGTERM to the supervisor, which stops the components in order.
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
fi
if [[ -e "$work/netns" ]]; then
  ns="$(cat "$work/netns")"
  for _ in $(seq 1 50); do [[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]] && break; sleep 0.1; done
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  sleep 0.2
  ip netns del "$ns" 2>/dev/null
fi
# Kubelet's cgroupfs driver makes kubepods/... in every v1 hierarchy; remove them once empty.
for _ in 1 2 3 4 5; do
  leftover=0
  for hierarchy in /sys/fs/cgroup/*/; do
    [[ -d "$hierarchy/kubepods" ]] || continue
    find "$hierarchy/kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null || leftover=1
  done
  ((leftover)) || break
  sleep 0.5
done
if [[ -e "$work/host-sysctls" ]]; then
  read -r overcommit panic panic_on_oops panic_on_oom <"$work/host-sysctls"
  sysctl -qw vm.overcommit_memory="$overcommit" kernel.panic="$panic" \
    kernel.panic_on_oops="$panic_on_oops" vm.panic_on_oom="$panic_on_oom"
fi
if [[ "${2:-}" != "--keep" ]]; then rm -rf "$work"; fi
exit 0
