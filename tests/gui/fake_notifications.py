"""A tiny freedesktop notification server for the tests: owns ``org.freedesktop.Notifications`` on the session
bus (jeepney, a separate D-Bus implementation from the app's QtDBus) and appends every ``Notify`` call, as JSON,
to the file given on the command line. A call whose signature is not the specification's ``susssasa{sv}i`` gets
the error a real daemon (GNOME Shell, dunst, KDE) gives, so a wrongly typed call fails here as it would there.

    python -m tests.gui.fake_notifications CALLS.jsonl      (prints "ready" once it owns the name)

``FAKE_NOTIFY_CAPS`` (comma-separated, default ``body``) is what ``GetCapabilities`` answers; ``body-markup``
makes it a daemon that renders markup, so clients must escape text.
"""

from __future__ import annotations

import json
import os
import sys

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
SIGNATURE = "susssasa{sv}i"
INTROSPECTION = """<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" name="app_name" direction="in"/>
      <arg type="u" name="replaces_id" direction="in"/>
      <arg type="s" name="app_icon" direction="in"/>
      <arg type="s" name="summary" direction="in"/>
      <arg type="s" name="body" direction="in"/>
      <arg type="as" name="actions" direction="in"/>
      <arg type="a{sv}" name="hints" direction="in"/>
      <arg type="i" name="expire_timeout" direction="in"/>
      <arg type="u" name="id" direction="out"/>
    </method>
    <method name="GetCapabilities"><arg type="as" name="caps" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" name="name" direction="out"/><arg type="s" name="vendor" direction="out"/>
      <arg type="s" name="version" direction="out"/><arg type="s" name="spec_version" direction="out"/>
    </method>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg type="s" name="xml" direction="out"/></method>
  </interface>
</node>
"""


def main(record: str) -> int:
    conn = open_dbus_connection(bus="SESSION")
    reply = conn.send_and_get_reply(message_bus.RequestName(NAME, 4))  # 4: do not queue
    if reply.body[0] != 1:
        print(f"could not own {NAME}: {reply.body}", flush=True)
        return 1
    print("ready", flush=True)
    next_id = 1
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        fields = msg.header.fields
        member = fields.get(HeaderFields.member)
        signature = fields.get(HeaderFields.signature, "")
        if member == "Notify":
            if signature != SIGNATURE:
                conn.send(new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs",
                                    "s", (f"Notify takes {SIGNATURE}, not {signature}",)))
                with open(record, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"refused": signature}) + "\n")
                continue
            app, replaces, icon, summary, body, actions, hints, timeout = msg.body
            with open(record, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"app": app, "replaces": replaces, "icon": icon, "summary": summary,
                                     "body": body, "actions": list(actions), "hints": sorted(hints),
                                     "timeout": timeout, "path": fields.get(HeaderFields.path)}) + "\n")
            conn.send(new_method_return(msg, "u", (next_id,)))
            next_id += 1
        elif member == "Introspect":
            conn.send(new_method_return(msg, "s", (INTROSPECTION,)))
        elif member == "GetCapabilities":
            caps = os.environ.get("FAKE_NOTIFY_CAPS", "body").split(",")
            conn.send(new_method_return(msg, "as", (caps,)))
        elif member == "GetServerInformation":
            conn.send(new_method_return(msg, "ssss", ("fake", "azaion-tests", "1", "1.2")))
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (str(member),)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
