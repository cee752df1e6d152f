#!/usr/bin/env python3
"""Where a call's first picture spent its time, box against browser, on the wire.

Reads what `WIRE_DIR=<dir> bench/first-frame` leaves in <dir>: `lo.pcap`
(every packet on the bench namespace's loopback) and `runs.json` (each
call's page stages with the page's time origin). The page's stages and the
capture share the wall clock, so each packet lands on the page's timeline
(ms since navigation) to within a millisecond.

For each call to a HomeCall box (the homecall and baseline runs; the aiortc
reference signals over HTTP and is left out) it prints when these crossed
the wire, then the median of each step:

  hello     the page's hello left (its first message)
  welcome   the box's welcome left
  ready     the page's `ready` (or a hello that carries it) reached the box
  offer     the box's offer left
  answer    the page's answer left
  check     the browser's first ICE check
  nominated the box's nominating check (USE-CANDIDATE) was answered
  dtls      the box's last DTLS record (its Finished)
  keyframe  the box's first video frame had all its packets sent
  frame     the page presented the box's first frame (first_frame)

usage: python3 bench/wire.py <dir>
"""

import json
import statistics
import struct
import sys
from pathlib import Path

AUDIO_PT = 111  # the box's Opus (media::peer::AUDIO_PT); any other PT is video
STUN_COOKIE = b"\x21\x12\xa4\x42"
USE_CANDIDATE = 0x0025


def packets(path):
    """(wall ms, 'tcp'|'udp', src port, dst port, payload) for each packet."""
    with open(path, "rb") as f:
        header = f.read(24)
        (magic,) = struct.unpack("<I", header[:4])
        scale = 1e6 if magic == 0xA1B23C4D else 1e3  # ns or µs timestamps
        (link,) = struct.unpack("<I", header[20:24])
        skip = {1: 14, 113: 16}.get(link, 0)  # Ethernet (lo) or Linux cooked
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            sec, frac, length, _ = struct.unpack("<IIII", record)
            data = f.read(length)[skip:]
            if len(data) < 20 or data[0] >> 4 != 4:
                continue
            ihl = (data[0] & 15) * 4
            proto = data[9]
            sport, dport = struct.unpack(">HH", data[ihl : ihl + 4])
            if proto == 17:
                payload = data[ihl + 8 :]
            elif proto == 6:
                payload = data[ihl + (data[ihl + 12] >> 4) * 4 :]
            else:
                continue
            if payload:
                yield sec * 1e3 + frac / scale, "udp" if proto == 17 else "tcp", sport, dport, payload


def websocket_text(payload, limit=120):
    """The start of a WebSocket text frame's message (unmasked), else None."""
    if len(payload) < 2 or payload[0] != 0x81:
        return None
    length, at = payload[1] & 0x7F, 2
    if length == 126:
        at = 4
    elif length == 127:
        at = 10
    if payload[1] & 0x80:
        mask, at = payload[at : at + 4], at + 4
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload[at : at + limit]))
    else:
        body = payload[at : at + limit]
    return body.decode("utf-8", "replace")


def udp_port(text):
    """The port of the first UDP candidate in `text`, else None:
    "candidate:1 1 UDP <priority> <address> <port> typ host"."""
    if " UDP " not in text:
        return None
    fields = text.split(" UDP ", 1)[1].split()
    return int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else None


def stun(payload):
    """(message type, attribute types) of a STUN message, else None."""
    if len(payload) < 20 or payload[4:8] != STUN_COOKIE:
        return None
    (kind,) = struct.unpack(">H", payload[:2])
    attributes, at = set(), 20
    while at + 4 <= len(payload):
        attr, length = struct.unpack(">HH", payload[at : at + 4])
        attributes.add(attr)
        at += 4 + (length + 3) // 4 * 4
    return kind, attributes


def timeline(run, capture):
    """When each step of `run` crossed the wire, in ms since its navigation."""
    origin, stages = run["origin"], run["stages"]
    end = origin + stages.get("first_frame", 2000) + 50
    seen = {"frame": stages.get("first_frame")}
    box_udp = None
    video_ts = None
    for at, proto, sport, dport, payload in capture:
        if not origin <= at <= end:
            continue
        ms = at - origin
        if proto == "tcp":
            text = websocket_text(payload) or ""
            if '"type":"hello"' in text:
                seen.setdefault("hello", ms)
            if '"type":"welcome"' in text:
                seen.setdefault("welcome", ms)
            if '"type":"ready"' in text or ('"type":"hello"' in text and '"ready":true' in text):
                seen.setdefault("ready", ms)
            elif '"type":"offer"' in text:
                seen.setdefault("offer", ms)
                # A try built ahead carries its candidates in its offer.
                if box_udp is None:
                    box_udp = udp_port(websocket_text(payload, len(payload)).replace("\\r\\n", "\n"))
            elif '"type":"answer"' in text:
                seen.setdefault("answer", ms)
            elif '"type":"ice"' in text and box_udp is None:
                box_udp = udp_port(text)
            continue
        message = stun(payload)
        if message:
            kind, attributes = message
            if kind == 0x0001 and dport == box_udp:
                seen.setdefault("check", ms)
            if kind == 0x0001 and sport == box_udp and USE_CANDIDATE in attributes:
                seen.setdefault("nominating", ms)
            if kind == 0x0101 and dport == box_udp and "nominating" in seen:
                seen.setdefault("nominated", ms)
            continue
        if 20 <= payload[0] <= 63:  # DTLS
            if sport == box_udp and video_ts is None:
                seen["dtls"] = ms
            continue
        if 128 <= payload[0] <= 191 and sport == box_udp and len(payload) >= 12:
            pt = payload[1] & 0x7F
            if pt == AUDIO_PT or 72 <= pt <= 79:  # audio, or RTCP
                continue
            (ts,) = struct.unpack(">I", payload[4:8])
            if video_ts is None:
                video_ts = ts
            if ts == video_ts:
                seen["keyframe"] = ms
    return seen


STEPS = ["hello", "welcome", "ready", "offer", "answer", "check", "nominated", "dtls", "keyframe", "frame"]
SPANS = [
    ("hello", "welcome", "box admits the page"),
    ("ready", "offer", "box makes its offer"),
    ("offer", "answer", "page answers"),
    ("answer", "check", "browser starts checking"),
    ("check", "nominated", "box's ICE (triggered check, nomination)"),
    ("nominated", "dtls", "DTLS"),
    ("dtls", "keyframe", "box sends its first picture"),
    ("keyframe", "frame", "browser decodes and shows it"),
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    directory = Path(sys.argv[1])
    capture = list(packets(directory / "lo.pcap"))
    runs = [r for r in json.loads((directory / "runs.json").read_text()) if not r["label"].startswith("aiortc")]
    spans = {}
    for run in runs:
        seen = timeline(run, capture)
        line = " ".join(f"{s}={seen[s]:.1f}" if seen.get(s) is not None else f"{s}=-" for s in STEPS)
        print(f"{run['label']}: {line}")
        if run.get("warm_up"):
            continue
        for start, stop, _ in SPANS:
            if seen.get(start) is not None and seen.get(stop) is not None:
                spans.setdefault((run["label"].rstrip("0123456789"), start), []).append(seen[stop] - seen[start])
    print("median ms of each step (warm-up runs left out):")
    kinds = sorted({kind for kind, _ in spans})
    print(f"  {'step':44}" + "".join(f"{k:>10}" for k in kinds))
    for start, stop, what in SPANS:
        cells = "".join(
            f"{statistics.median(spans[(k, start)]):>10.1f}" if spans.get((k, start)) else f"{'-':>10}" for k in kinds
        )
        print(f"  {start + ' → ' + stop + ': ' + what:44}{cells}")


if __name__ == "__main__":
    main()
