#!/bin/sh
# deps.sh — install the Debian packages fcc and its tests need, only when missing.
# Idempotent: a machine that has them all runs no apt-get at all.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev clang-format-14 \
libyaml-dev libcyaml-dev libjansson-dev libxml2-dev libcurl4-openssl-dev libssl-dev \
libpcre2-dev libzip-dev check \
hyperfine python3-pandas unzip zip"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root, or install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
