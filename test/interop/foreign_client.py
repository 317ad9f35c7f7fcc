#!/usr/bin/env python3
"""A bus client that is not bigapp's code: Python's standard library only,
speaking RESP over a plain socket, following docs/protocol.md.

  foreign_client.py produce HOST PORT SERVICE N   push N echo jobs, then read their statuses
  foreign_client.py work    HOST PORT SERVICE N   take N jobs, run them, write their statuses

Prints one JSON object on stdout.
"""
import json
import os
import socket
import sys
import time
import uuid


class Resp:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, int(port)))
        self.buf = b""

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        return self.read()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(65536)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("unexpected reply %r" % line)


def now_ms():
    return int(time.time() * 1000)


def produce(r, service, n):
    ids = []
    for i in range(n):
        job_id = "py-" + uuid.uuid4().hex
        ids.append(job_id)
        envelope = {
            "v": 1, "id": job_id, "type": "echo", "data": {"text": "from python %d" % i},
            "attempt": 1, "maxAttempts": 3, "ts": now_ms(),
            "traceparent": "00-%s-%s-01" % (uuid.uuid4().hex, uuid.uuid4().hex[:16]),
        }
        r.call("LPUSH", "%s.queue" % service, json.dumps(envelope))
    # Read statuses reliably: move each into our own in-flight list, then remove it once handled.
    me = "py-%d" % os.getpid()
    inflight = "%s.done.inflight.%s" % (service, me)
    wanted, got = set(ids), {}
    deadline = time.time() + 60
    while wanted - set(got) and time.time() < deadline:
        raw = r.call("BLMOVE", "%s.done" % service, inflight, "RIGHT", "LEFT", "1")
        if raw is None:
            continue
        status = json.loads(raw)
        if status["id"] in wanted and status["status"] in ("succeeded", "failed", "dead"):
            got[status["id"]] = {"status": status["status"], "result": status.get("result")}
        r.call("LREM", inflight, "-1", raw)
    return {"ids": ids, "statuses": got}


def work(r, service, n):
    me = "py-worker-%d" % os.getpid()
    inflight = "%s.inflight.%s" % (service, me)
    # Register before taking, so a crash of this worker is reaped like any other.
    r.call("SET", "%s.consumer.%s" % (service, me), json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "version": "python"}), "PX", "30000")
    r.call("SADD", "%s.consumers" % service, me)
    done = 0
    seen = []
    deadline = time.time() + 60
    while done < n and time.time() < deadline:
        raw = r.call("BLMOVE", "%s.queue" % service, inflight, "RIGHT", "LEFT", "1")
        if raw is None:
            continue
        started = now_ms()
        env = json.loads(raw)
        text = env["data"]["text"]
        status = {
            "v": 1, "id": env["id"], "service": service, "type": env["type"], "status": "succeeded",
            "attempt": env["attempt"], "ts": now_ms(), "durationMs": now_ms() - started, "worker": me,
            "result": {"text": text, "length": len(text)},
        }
        if "traceparent" in env:
            status["traceparent"] = env["traceparent"]
        # Status and acknowledgement in one transaction: never one without the other.
        r.call("MULTI")
        r.call("LPUSH", "%s.done" % service, json.dumps(status))
        r.call("LREM", inflight, "-1", raw)
        r.call("EXEC")
        seen.append(env["id"])
        done += 1
    r.call("DEL", "%s.consumer.%s" % (service, me))
    r.call("SREM", "%s.consumers" % service, me)
    return {"processed": seen}


def main():
    mode, host, port, service, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    r = Resp(host, port)
    out = produce(r, service, n) if mode == "produce" else work(r, service, n)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
