#!/bin/sh
# Run a command inside a private D-Bus session with an unlocked gnome-keyring Secret Service, so the keyring
# tests use a real OS keyring even as root with no desktop session (CI).
#
#   sh scripts/with-keyring.sh COMMAND [ARG...]      (make test runs the whole suite this way)
#
# HOME and the XDG folders point into a throw-away folder (or into $KEYRING_SESSION_HOME if set, which the caller
# then owns and removes); the test keyring (~/.local/share/keyrings) lives there. Any outer session bus and
# keyring override are ignored. Everything is bounded by `timeout` ($KEYRING_SESSION_TIMEOUT seconds, default 60).
# Exit status: the command's, 124 on timeout, 97/98 when dbus-run-session / gnome-keyring-daemon is missing.
set -eu

command -v dbus-run-session >/dev/null 2>&1 || {
    echo "with-keyring: dbus-run-session not found (install the Debian package 'dbus')" >&2; exit 97; }
command -v gnome-keyring-daemon >/dev/null 2>&1 || {
    echo "with-keyring: gnome-keyring-daemon not found (install the Debian package 'gnome-keyring')" >&2; exit 98; }

if [ -n "${KEYRING_SESSION_HOME:-}" ]; then
    base=$KEYRING_SESSION_HOME
    mkdir -p "$base"
else
    base=$(mktemp -d "${TMPDIR:-/tmp}/azaion-keyring.XXXXXX")
    trap 'rm -rf "$base"' EXIT INT TERM
fi
chmod 700 "$base"
export HOME="$base/home"
export XDG_CONFIG_HOME="$base/config" XDG_CACHE_HOME="$base/cache" XDG_DATA_HOME="$base/data"
export XDG_STATE_HOME="$base/state" XDG_RUNTIME_DIR="$base/run"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# No display either: a locked keyring must fail at once instead of waiting on an unlock prompt.
unset DBUS_SESSION_BUS_ADDRESS PYTHON_KEYRING_BACKEND GNOME_KEYRING_CONTROL DISPLAY WAYLAND_DISPLAY
export KEYRING_PW="${KEYRING_PW:-azaion-test-keyring}"
# Tests that need the keyring fail (rather than skip) when it is not usable inside this wrapper.
export AZAION_REQUIRE_KEYRING=1

status=0
timeout --kill-after=5 "${KEYRING_SESSION_TIMEOUT:-60}" dbus-run-session -- sh -c '
    printf %s "$KEYRING_PW" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    unset KEYRING_PW
    exec "$@"' sh "$@" || status=$?
exit "$status"
