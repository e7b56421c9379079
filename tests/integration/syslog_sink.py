#!/usr/bin/env python3
"""syslog_sink.py SOCKET OUT UNTIL: binds a datagram socket at SOCKET (as
/dev/log is), appends each message received to OUT, one per line, and
exits when a message contains UNTIL, or after 15 s without one."""
import socket
import sys
import time

path, out, until = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
end = time.monotonic() + 15
with open(out, "a", encoding="utf-8", errors="replace") as f:
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            m = s.recv(65536).decode("utf-8", "replace")
        except socket.timeout:
            break
        f.write(m.rstrip("\n") + "\n")
        f.flush()
        if until in m:
            break
