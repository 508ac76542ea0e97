#!/bin/sh
# Installs the Debian packages that building and testing the release packages need (make package / package-test),
# when running as root on Debian/Ubuntu and any are missing: makensis (nsis), dpkg-shlibdeps (dpkg-dev),
# readelf/objdump/strip for PyInstaller (binutils), desktop-file-validate, xauth for xvfb-run; Wine (64-bit only:
# the installer is amd64, so no i386 multiarch / wine32) and the mingw-w64 C compiler for the installer test under
# Wine (packaging/wine_test.py). The app's own runtime libraries and the keyring come from
# scripts/install-system-deps.sh with its default list.
set -eu
exec sh "$(dirname "$0")/../scripts/install-system-deps.sh" nsis dpkg-dev binutils desktop-file-utils xauth \
    wine wine64 gcc-mingw-w64-x86-64-win32
