#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (Secret Service), so tests use a
# real OS keyring even as root with no desktop session. HOME is a throw-away folder: the test keyring lives there.
set -eu
home=$(mktemp -d "${TMPDIR:-/tmp}/azaion-test-home.XXXXXX")
runtime=$(mktemp -d "${TMPDIR:-/tmp}/azaion-test-run.XXXXXX")
chmod 700 "$home" "$runtime"
trap 'rm -rf "$home" "$runtime"' EXIT INT TERM
export HOME="$home" XDG_RUNTIME_DIR="$runtime" AZAION_REQUIRE_KEYRING=1
timeout --kill-after=30 "${AZAION_TEST_TIMEOUT:-4800}" dbus-run-session -- sh -c '
    printf %s "azaion-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
    exec "$@"' sh "$@"
