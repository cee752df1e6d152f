"""The reference box of bench/first-frame: aiortc doing the HomeCall box's job.

Serves bench/aiortc-page.html at / and its signalling socket at /ws, on
127.0.0.1:<port> (the first argument). A page says hello (not ready) and is
welcomed; when it says ready, the box builds a peer connection that sends a
640x360 30 fps test picture (H.264, as HomeCall sends) and an audio track,
offers (aiortc gathers before offering: its candidates are in the offer),
takes the page's answer and trickled candidates, and ends the peer
connection when the socket closes. Prints "listening" once it accepts.

Run by bench/first-frame in the benchmark's loopback-only namespace, from a
virtualenv the script makes (PyPI aiortc and aiohttp).
"""

import asyncio
import fractions
import pathlib
import sys
import time

import aioice.ice
from aiohttp import WSMsgType, web
from aiortc import (
    RTCPeerConnection,
    RTCRtpSender,
    VideoStreamTrack,
)
from aiortc.mediastreams import AudioStreamTrack
from aiortc.sdp import candidate_from_sdp
from av import VideoFrame

PAGE = pathlib.Path(__file__).with_name("aiortc-page.html").read_text()
WIDTH, HEIGHT, FPS = 640, 360, 30

# aioice leaves loopback out of its host candidates; the benchmark's
# namespace has nothing else (HomeCall's box adds loopback the same way).
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


class TestPicture(VideoStreamTrack):
    """A moving grey ramp at 640x360, 30 fps (HomeCall's test source moves too)."""

    def __init__(self):
        super().__init__()
        self.count = 0
        self.start = None

    async def recv(self):
        if self.start is None:
            self.start = time.monotonic()
        due = self.start + self.count / FPS
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        frame = VideoFrame(width=WIDTH, height=HEIGHT, format="yuv420p")
        shift = self.count % 256
        row = bytes((x + shift) % 256 for x in range(frame.planes[0].line_size))
        frame.planes[0].update(row * HEIGHT)
        for plane in frame.planes[1:]:
            plane.update(bytes([128]) * plane.buffer_size)
        frame.pts = self.count * (90_000 // FPS)
        frame.time_base = fractions.Fraction(1, 90_000)
        self.count += 1
        return frame


async def page(_request):
    return web.Response(text=PAGE, content_type="text/html")


async def signal(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    pc = None
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            m = msg.json()
            kind = m.get("type")
            if kind == "hello":
                await ws.send_json({"type": "welcome", "session": "bench", "iceServers": []})
            elif kind == "ready" and pc is None:
                pc = RTCPeerConnection()
                video = pc.addTransceiver(TestPicture(), direction="sendrecv")
                h264 = [
                    c
                    for c in RTCRtpSender.getCapabilities("video").codecs
                    if c.mimeType == "video/H264"
                ]
                video.setCodecPreferences(h264)
                pc.addTransceiver(AudioStreamTrack(), direction="sendrecv")
                await pc.setLocalDescription(await pc.createOffer())
                await ws.send_json({"type": "offer", "sdp": pc.localDescription.sdp})
            elif kind == "answer" and pc is not None:
                from aiortc import RTCSessionDescription

                await pc.setRemoteDescription(RTCSessionDescription(sdp=m["sdp"], type="answer"))
            elif kind == "ice" and pc is not None:
                line = m["candidate"]
                candidate = candidate_from_sdp(line.split(":", 1)[1])
                candidate.sdpMLineIndex = m.get("sdpMLineIndex", 0)
                await pc.addIceCandidate(candidate)
    finally:
        if pc is not None:
            await pc.close()
    return ws


def main():
    port = int(sys.argv[1])
    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/ws", signal)
    web.run_app(app, host="127.0.0.1", port=port, print=lambda *_: print("listening", flush=True))


if __name__ == "__main__":
    main()
