#!/usr/bin/env bash
# The module graph in docs/architecture.md must be the build's. CMake is the truth: the
# graph between irsa_* targets comes from `cmake --graphviz` on a scratch configure (tests
# and benchmarks off), with the irsa_ prefix dropped. The picture is the ```mermaid block
# under "## Modules" in docs/architecture.md, one `a --> b` line per direct dependency.
#
#   hack/check-architecture.sh          exit 1 and print the difference when they differ
#   hack/check-architecture.sh --print  print the mermaid block the build implies
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-check}"
case "$mode" in
  check | --check) mode=check ;;
  --print) mode=print ;;
  *) echo "usage: $0 [--print]" >&2; exit 2 ;;
esac

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# Edges "a b" between irsa_* targets, sorted, from CMake's own dependency graph.
cmake_edges() {
  if ! cmake -S . -B "$scratch/build" -DIRSA_BUILD_TESTS=OFF -DIRSA_BUILD_BENCH=OFF \
      --graphviz="$scratch/graph.dot" >"$scratch/cmake.log" 2>&1; then
    cat "$scratch/cmake.log" >&2
    echo "check-architecture: cmake configure failed" >&2
    exit 2
  fi
  # The main file lists every node with its label and every direct edge.
  python3 - "$scratch/graph.dot" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
labels = dict(re.findall(r'"(node\d+)"\s*\[\s*label\s*=\s*"([^"]+)"', text))
edges = set()
for a, b in re.findall(r'"(node\d+)"\s*->\s*"(node\d+)"', text):
    la, lb = labels.get(a, ""), labels.get(b, "")
    if la.startswith("irsa_") and lb.startswith("irsa_"):
        edges.add((la[5:], lb[5:]))
nodes = sorted({l[5:] for l in labels.values() if l.startswith("irsa_")})
for a, b in sorted(edges):
    print(f"{a} {b}")
# Modules without any irsa_ edge still appear, as a lone node.
linked = {n for e in edges for n in e}
for n in nodes:
    if n not in linked:
        print(n)
PY
}

# The same edges from the mermaid block in docs/architecture.md.
doc_edges() {
  python3 - docs/architecture.md <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
try:
    start = lines.index("## Modules")
except ValueError:
    sys.exit("check-architecture: docs/architecture.md has no '## Modules' section")
block, inside = [], False
for line in lines[start:]:
    if line.strip() == "```mermaid":
        inside = True
        continue
    if inside and line.strip() == "```":
        break
    if inside:
        block.append(line)
edges, lone = set(), set()
for line in block:
    m = re.match(r"\s*([A-Za-z0-9_]+)\s*-->\s*([A-Za-z0-9_]+)\s*$", line)
    if m:
        edges.add((m.group(1), m.group(2)))
        continue
    m = re.match(r"\s*([A-Za-z0-9_]+)\s*$", line)
    if m:
        lone.add(m.group(1))
for a, b in sorted(edges):
    print(f"{a} {b}")
linked = {n for e in edges for n in e}
for n in sorted(lone - linked):
    print(n)
PY
}

# Borders the picture alone does not show, checked on the transitive graph including
# third-party targets: identity links no networking, config nothing above the value modules.
check_rules() {
  python3 - "$scratch/graph.dot" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
labels = dict(re.findall(r'"(node\d+)"\s*\[\s*label\s*=\s*"([^"]+)"', text))
out = {}
for a, b in re.findall(r'"(node\d+)"\s*->\s*"(node\d+)"', text):
    out.setdefault(labels.get(a, a), set()).add(labels.get(b, b))
def reach(start):
    seen, todo = set(), [start]
    while todo:
        for n in out.get(todo.pop(), ()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen
failed = False
rules = {
    "irsa_identity": lambda n: n in ("irsa_kube", "irsa_server", "irsa_aws") or "HTTPLIB" in n
                     or n.startswith("OpenSSL"),
    "irsa_config": lambda n: n.startswith("irsa_") and n not in (
        "irsa_status", "irsa_govalues", "irsa_json", "irsa_tls"),
    "irsa_tls": lambda n: n.startswith("OpenSSL"),
}
for module, forbidden in rules.items():
    if module not in out and module not in labels.values():
        continue
    for n in sorted(reach(module)):
        if forbidden(n):
            print(f"check-architecture: {module} must not depend on {n}", file=sys.stderr)
            failed = True
sys.exit(1 if failed else 0)
PY
}

to_mermaid() {
  echo '```mermaid'
  echo 'graph TD'
  while read -r a b; do
    if [[ -n "${b:-}" ]]; then echo "  $a --> $b"; else echo "  $a"; fi
  done
  echo '```'
}

cmake_edges >"$scratch/build.edges"
if [[ "$mode" == print ]]; then
  to_mermaid <"$scratch/build.edges"
  exit 0
fi
doc_edges >"$scratch/doc.edges"
rules_ok=1
check_rules || rules_ok=0
if ! diff -u --label "docs/architecture.md" --label "CMake (irsa_* targets)" \
    <(sort "$scratch/doc.edges") <(sort "$scratch/build.edges"); then
  echo "check-architecture: docs/architecture.md's module picture differs from the build" \
       "(lines: 'module dependency'); regenerate it with: hack/check-architecture.sh --print" >&2
  exit 1
fi
((rules_ok)) || exit 1
echo "check-architecture: docs/architecture.md matches the build's module graph"
