#!/usr/bin/env bash
# ctest `repo_paths`: every repository path named in a doc, a script, a CMakeLists.txt or a C++/CUDA
# comment must exist, since paths are what rots first when files move. A path is a token that starts
# with one of the top-level folders below; `foo.{h,cpp}` is expanded, `<op>`-style placeholders, the
# example names `foo`, `bar` and `my_*`, `$var`/`${var}` and `*` match anything, and a token without an
# extension may name a file stem (`io/safetensors` for io/safetensors.{h,cpp}). Ignored: URLs, a path
# right after another repository's owner/name ("lxchtan/PoNet examples/LRA/code"), and runtime outputs
# (runs/, build*/), which are not among the folders. In C++/CUDA files only comments are read (code and
# includes are checked by the compiler).
# The same text must not point outside the repository: a clone has nothing there, so a reader sent there
# (for a specification, say) finds nothing. An outside pointer is a token that starts with `../` (paths
# here are written from the repository root; in a markdown link `](../x)` it is resolved from the file's
# folder and is outside only if it leaves the root) or with `shared/`, the workspace folder that sits
# beside a development clone. The only ones allowed are the run-time uses in RUNTIME_USES below, where a
# script or a harness reads a tool or a model from there; a document (*.md, README*) outside is never
# allowed (this script names the patterns and is exempt). Prints every missing path as file:line: path
# and every outside pointer as file:line: outside: path; exits 1 if there is any.
#   tests/scripts/check_paths.sh [REPO_DIR]      (default: the repository holding this script)
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  # tracked files and new ones not yet committed (but not ignored ones), that exist in the tree
  git ls-files -z --cached --others --exclude-standard
else
  find . -type f -not -path './build*' -not -path './runs/*' -not -path './.git/*' -print0 | sed -z 's|^\./||'
fi | python3 /dev/fd/3 3<<'PY'
import glob, os, re, sys

TOP = ["core", "autograd", "kernels", "nn", "io", "text", "data", "dist", "hf", "train", "apps", "bench", "docs",
       "scripts", "tests", "examples", "cmake", ".ci"]
# Outside the repository, used at run time: file -> the outside folders it may name.
RUNTIME_USES = {
    "scripts/perf_compare.sh": ["../shared/bench"],          # the PyTorch side-by-side harness
    "bench/bench_ponet_step.cpp": ["../shared/bench"],       # the same harness times its --result mode
    "tests/data/generators/make_one_cycle_fixture.py": ["../shared/bench"],   # its torch venv setup
    "tests/data/generators/make_trajectory_fixture.py": ["../shared/reference"],  # ponet_reference.py
    "scripts/interop_check.py": ["../shared/reference"],                          # ponet_reference.py
}
SUFFIXES = (".md", ".h", ".cpp", ".cu", ".cuh", ".sh", ".py")
C_LIKE = (".h", ".cpp", ".cu", ".cuh")

# A path starts after a character that cannot be part of a longer path (or after CMake's
# ${CMAKE_CURRENT_SOURCE_DIR}/ and the like) and runs over path characters; braces are taken whole so
# that {h,cpp} keeps its comma.
START = re.compile(r"(?:(?<![\w./$@~-])|(?<=SOURCE_DIR\}/))(?:" + "|".join(re.escape(t) for t in TOP) + r")/")
# "lxchtan/PoNet examples/LRA/code": a path right after an owner/name names a file of that repository
OTHER_REPO = re.compile(r"(?<![\w./-])([\w.-]+)/[\w.-]+[ `]*$")
URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S*|www\.\S+")
PLACEHOLDER = re.compile(r"<[A-Za-z_][A-Za-z0-9_ -]*>|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|(?<![A-Za-z0-9])(?:foo|bar|my_[A-Za-z0-9_]*)(?![A-Za-z0-9])")

def take_token(line, i):
    j, depth = i, 0
    while j < len(line):
        c = line[j]
        if c == "{" and line.startswith("{", j):
            depth += 1
        elif c == "}" and depth:
            depth -= 1
        elif depth and c == ",":
            pass
        elif not (c.isalnum() or c in "_./*-+<>$" or (c == "{") or (c == "}" and depth)):
            break
        if c == ">" and "<" not in line[i:j]:
            break
        j += 1
    return line[i:j]

def expand_braces(p):
    m = re.search(r"\{([^{}]*)\}", p)
    if not m:
        return [p]
    out = []
    for alt in m.group(1).split(","):
        out += expand_braces(p[:m.start()] + alt + p[m.end():])
    return out

def exists(p):
    pattern = PLACEHOLDER.sub("*", p)
    if glob.glob(pattern) or glob.glob(pattern.rstrip("/")):
        return True
    # a file stem: io/safetensors for io/safetensors.h and .cpp
    return "." not in os.path.basename(pattern.rstrip("/")) and bool(glob.glob(pattern + ".*"))

def comment_lines(text):
    """The comment text of each line of a C-like file (line number, text); code is blanked."""
    in_block = False
    for n, line in enumerate(text.split("\n"), 1):
        out, i = "", 0
        while i < len(line):
            if in_block:
                e = line.find("*/", i)
                if e < 0:
                    out += line[i:]; i = len(line)
                else:
                    out += line[i:e] + " "; i = e + 2; in_block = False
            else:
                s, b = line.find("//", i), line.find("/*", i)
                q = line.find("\"", i)
                firsts = [x for x in (s, b, q) if x >= 0]
                if not firsts:
                    break
                k = min(firsts)
                if k == q:  # skip a string literal (it may hold "//")
                    e = q + 1
                    while e < len(line) and line[e] != "\"":
                        e += 2 if line[e] == "\\" else 1
                    i = e + 1
                elif k == s:
                    out += " " + line[s + 2:]; i = len(line)
                else:
                    in_block = True; i = b + 2
        yield n, out

SELF = "tests/scripts/check_paths.sh"  # names the outside patterns it looks for
OUTSIDE = re.compile(r"(?<![\w./$@~-])(?:\.\./|shared/)")


def outside_pointer(path, line, m):
    """The outside path named at match m as written, or None if it is inside the repository (a markdown
    link from a subfolder) or an allowed run-time use."""
    written = take_token(line, m.start()).rstrip(".-+>,")
    if line[:m.start()].endswith("](") and written.startswith("../"):
        inside = os.path.normpath(os.path.join(os.path.dirname(path), written))
        if not inside.startswith("../") and inside != "..":
            return None
    tok = "../" + written if written.startswith("shared/") else written  # shared/ sits beside the root
    name = os.path.basename(tok.rstrip("/"))
    document = name.endswith(".md") or name.startswith("README")
    allowed = any(tok == a or tok.startswith(a + "/") for a in RUNTIME_USES.get(path, []))
    return None if allowed and not document else written


missing = outside = 0
for path in sys.stdin.read().split("\0"):
    if not path or not os.path.isfile(path):
        continue
    base = os.path.basename(path)
    if not (path.endswith(SUFFIXES) or base == "CMakeLists.txt"):
        continue
    text = open(path, encoding="utf-8", errors="replace").read()
    lines = comment_lines(text) if path.endswith(C_LIKE) else enumerate(text.split("\n"), 1)
    prev = ""
    for n, line in lines:
        line = URL.sub(" ", line)
        for m in OUTSIDE.finditer(line) if path != SELF else ():
            bad = outside_pointer(path, line, m)
            if bad:
                print(f"{path}:{n}: outside: {bad}")
                outside += 1
        for m in START.finditer(line):
            before = line[:m.start()]
            other = OTHER_REPO.search(before if before.strip(" #*/`-") else prev)
            if other and other.group(1) not in TOP:
                continue
            tok = take_token(line, m.start())
            tok = tok.rstrip(".-+>")
            while tok.endswith(".."):
                tok = tok[:-1]
            if tok.endswith("/..."):
                tok = tok[:-3]
            for p in expand_braces(tok):
                if not exists(p):
                    print(f"{path}:{n}: {p}")
                    missing += 1
        prev = line
if missing:
    print(f"check_paths: {missing} path(s) named but not in the repository")
if outside:
    print(f"check_paths: {outside} pointer(s) to a path outside the repository")
if missing or outside:
    sys.exit(1)
print("check_paths: every named repository path exists, and nothing points outside the repository")
PY
