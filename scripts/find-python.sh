#!/usr/bin/env bash
# Finds the Python interpreter to build a virtual environment with.
#
#   find-python.sh            the newest supported python3.X that runs: "X.Y /path/to/python"
#   find-python.sh PYTHON     that interpreter, if it runs and is 3.11 or newer
#   find-python.sh --each     one line per supported version: "X.Y /path/to/python" or "X.Y -"
#
# An interpreter counts only if it runs. A pyenv shim on PATH whose version is installed but
# not active (the shim says "command not found") stands for pyenv's newest installed X.Y.
# With no usable interpreter it exits 1 after one line on stderr naming the versions needed.
set -euo pipefail

SUPPORTED=(3.11 3.12 3.13) # oldest first: the versions tested (README, pyproject classifiers)

# "3.11, 3.12 or 3.13"
or_list() {
    local out="$1"
    shift
    while [ $# -gt 1 ]; do
        out+=", $1"
        shift
    done
    if [ $# -eq 1 ]; then out+=" or $1"; fi
    echo "$out"
}
NEEDS="scar-evidence needs Python $(or_list "${SUPPORTED[@]}")"

# Prints "X.Y path" for an interpreter that runs, nothing otherwise.
probe() {
    "$1" -c 'import sys; v = sys.version_info; sys.stdout.write("%d.%d %s" % (v[0], v[1], sys.executable))' \
        2>/dev/null || true
}

# probe, then the pyenv installation behind an inactive shim named python3.X.
resolve() {
    local found version name
    found="$(probe "$1")"
    name="$(basename -- "$1")"
    if [ -z "$found" ] && [[ "$name" =~ ^python(3\.[0-9]+)$ ]] && command -v pyenv >/dev/null; then
        version="$(pyenv latest "${BASH_REMATCH[1]}" 2>/dev/null || true)"
        if [ -n "$version" ]; then
            found="$(probe "$(pyenv root)/versions/$version/bin/$name")"
        fi
    fi
    echo "$found"
}

# Is version X.Y (first argument) older than X.Y (second)?
older() {
    local major="${1%%.*}" minor="${1#*.}" other_major="${2%%.*}" other_minor="${2#*.}"
    ((major < other_major || (major == other_major && minor < other_minor)))
}

case "${1:-}" in
--each)
    for version in "${SUPPORTED[@]}"; do
        found="$(resolve "python$version")"
        if [ "${found%% *}" = "$version" ]; then echo "$found"; else echo "$version -"; fi
    done
    ;;
"")
    for ((i = ${#SUPPORTED[@]} - 1; i >= 0; i--)); do
        found="$(resolve "python${SUPPORTED[i]}")"
        if [ -n "$found" ]; then
            echo "$found"
            exit 0
        fi
    done
    echo "$NEEDS: none of $(or_list "${SUPPORTED[@]/#/python}") runs here;" \
        "install one, or run make with PYTHON=/path/to/python3" >&2
    exit 1
    ;;
*)
    found="$(resolve "$1")"
    if [ -z "$found" ]; then
        echo "$NEEDS: PYTHON=$1 does not run here" >&2
        exit 1
    fi
    version="${found%% *}"
    if older "$version" "${SUPPORTED[0]}"; then
        echo "$NEEDS: PYTHON=$1 is Python $version" >&2
        exit 1
    fi
    echo "$found"
    ;;
esac
