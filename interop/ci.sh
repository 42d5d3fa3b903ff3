#!/usr/bin/env bash
# CI for the interop suite: install the third-party clients, then run every
# client script against `tgpfs dc` (go test ./interop/). A failed install or
# a failed run fails CI; TGPFS_INTEROP_REQUIRE turns a client that is still
# missing into a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "interop/ci.sh: $1 is missing and installing it needs root" >&2
    exit 1
  fi
}

apt_updated=
apt_install() {
  as_root "$1"
  if [ -z "$apt_updated" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Telethon 1.x as Debian ships it, for Debian's own python (a pyenv python
# earlier in PATH does not see it).
if ! /usr/bin/python3 -c 'import telethon' 2>/dev/null; then
  apt_install python3-telethon
fi
if ! command -v node >/dev/null 2>&1; then
  apt_install nodejs npm
fi

# mtcute and GramJS exactly as the lockfile pins them. Install scripts stay
# off (npm/.npmrc): the only one that matters would compile better-sqlite3,
# which the scripts never load (they keep sessions in memory).
(cd npm && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

cd ..
/usr/bin/python3 -c 'import telethon; print("interop: telethon", telethon.__version__)'
echo "interop: node $(node --version)"; (cd interop/npm && npm ls --depth=0)
TGPFS_INTEROP_REQUIRE=1 go test -count=1 -parallel 4 -timeout 20m ./interop/
