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
  # unshare (util-linux 2.38) does not pass signals on: stop its child, the supervisor,
  # which stops the components in order; --kill-child covers a dead supervisor.
  pkill -TERM -P "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
fi
if [[ -e "$work/netns" ]]; then
  ns="$(cat "$work/netns")"
  for _ in $(seq 1 50); do [[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]] && break; sleep 0.1; done
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  sleep 0.2
  ip netns del "$ns" 2>/dev/null
fi
# Kubelet's cgroupfs driver makes kubepods/... in every v1 hierarchy (or once, on cgroup
# v2); the Pods' processes die with the PID namespace a moment later, so retry until empty.
for _ in $(seq 1 20); do
  leftover=0
  for tree in /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods; do
    [[ -d "$tree" ]] || continue
    find "$tree" -depth -type d -exec rmdir {} + 2>/dev/null
    [[ -d "$tree" ]] && leftover=1
  done
  ((leftover)) || break
  sleep 0.5
done
((leftover)) && echo "down.sh: cgroups left under kubepods (processes still in them?)"
rmdir /run/containerd 2>/dev/null   # the empty mount point node.sh made
if [[ -e "$work/host-sysctls" ]]; then
  read -r overcommit panic panic_on_oops panic_on_oom maxkeys maxbytes <"$work/host-sysctls"
  sysctl -qw vm.overcommit_memory="$overcommit" kernel.panic="$panic" \
    kernel.panic_on_oops="$panic_on_oops" vm.panic_on_oom="$panic_on_oom" \
    kernel.keys.root_maxkeys="$maxkeys" kernel.keys.root_maxbytes="$maxbytes"
fi
if [[ "${2:-}" != "--keep" ]]; then rm -rf "$work"; fi
exit 0
