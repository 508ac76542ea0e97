#!/bin/sh
# Installs the Debian packages that building and testing the release packages need (make package / package-test),
# when running as root on Debian/Ubuntu and any are missing: makensis (nsis), dpkg-shlibdeps (dpkg-dev),
# readelf/objdump/strip for PyInstaller (binutils), desktop-file-validate, xauth for xvfb-run. The app's own runtime
# libraries and the keyring come from scripts/install-system-deps.sh.
set -eu
PKGS="nsis dpkg-dev binutils desktop-file-utils xauth"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages for packaging:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "warning: missing packages for packaging (install them, or run make as root on Debian):$missing" >&2
fi
