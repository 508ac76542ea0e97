#!/bin/sh
# Installs Debian packages when running as root on Debian/Ubuntu and any are missing; elsewhere it only says what
# it would need. With no arguments: the packages the tests use (keyring, D-Bus, podman, Xvfb, Qt's runtime
# libraries, openssl; openbox, xdotool, x11-utils, imagemagick and trayer (a system tray) for tests/acceptance; ceph-mon, ceph-osd and
# radosgw for the Ceph RADOS Gateway of tests/compat, ~50 s to install; zsh and fish check the shell completion
# scripts, tests/cli; runc runs the containers of tests/images/test_housekeeping.py, where crun refuses hybrid
# cgroups). With arguments: those
# packages (packaging/install-build-deps.sh passes its own list).
set -eu
PKGS="${*:-dbus gnome-keyring podman xvfb openssl libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 \
libglib2.0-0 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 \
libxcb-render-util0 libxcb-xinerama0 libxcb-image0 openbox xdotool x11-utils imagemagick ceph-mon ceph-osd radosgw \
zsh fish runc trayer}"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "warning: missing system packages (install them, or run make as root on Debian):$missing" >&2
fi
