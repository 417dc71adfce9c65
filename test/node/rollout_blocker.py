"""Why a Deployment's Pods will not become Ready, in one line, or nothing while they still
may. Reads `kubectl get pods -o json` and `kubectl get events -o json` (file paths as
arguments) so that a broken install fails in seconds with its cause, not a time-out."""
import json
import sys

FATAL_WAITING = {"ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName",
                 "CreateContainerConfigError", "CreateContainerError", "RunContainerError"}
# A probe can fail once or twice while a replica starts; this many failures is a pattern.
PROBE_FAILURES = 4


def container_blocker(pod):
    for status in pod.get("status", {}).get("containerStatuses") or []:
        waiting = (status.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason", "")
        if reason in FATAL_WAITING:
            return f"{reason}: {waiting.get('message', '')}"
        if reason == "CrashLoopBackOff" or status.get("restartCount", 0) >= 2:
            last = (status.get("lastState") or {}).get("terminated") or {}
            return (f"container {status['name']} is crash-looping (restarts {status.get('restartCount')}, "
                    f"last exit code {last.get('exitCode')}, {last.get('reason', '')})")
    for condition in pod.get("status", {}).get("conditions") or []:
        if condition.get("reason") == "Unschedulable":
            return f"unschedulable: {condition.get('message', '')}"
    return None


def probe_blocker(events, pod_names):
    for event in events:
        if event.get("reason") != "Unhealthy" or event["involvedObject"].get("name") not in pod_names:
            continue
        if (event.get("count") or 1) >= PROBE_FAILURES:
            return f"{event.get('message', '').strip()} (x{event.get('count')})"
    return None


def main():
    with open(sys.argv[1]) as f:
        pods = json.load(f).get("items", [])
    with open(sys.argv[2]) as f:
        events = json.load(f).get("items", [])
    names = {p["metadata"]["name"] for p in pods}
    for pod in pods:
        cause = container_blocker(pod)
        if cause:
            print(f"{pod['metadata']['name']}: {cause}")
            return
    cause = probe_blocker(events, names)
    if cause:
        print(cause)


if __name__ == "__main__":
    main()
