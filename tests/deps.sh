#!/bin/sh
# Installs the Debian packages that building and testing tapstack need, when any is missing.
# Runs apt-get only as root and only for what is absent, so a prepared machine pays nothing.
set -eu
PKGS="gcc make pkg-config clang libclang-rt-14-dev libnl-3-dev libnl-route-3-dev libpcap-dev liburing-dev libseccomp-dev libcap-ng-dev check libsubunit-dev \
libsystemd-dev libmicrohttpd-dev \
iproute2 tcpdump iputils-ping arping traceroute iputils-tracepath hping3 python3-scapy netcat-openbsd procps \
mandoc man-db systemd prometheus tmux curl bash-completion strace"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "tests/deps.sh: missing packages:$missing (run as root: sudo make check)" >&2
	exit 1
fi
echo "tests/deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
