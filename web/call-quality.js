// What this side sends, sized for low-end phones.
//
// Owns the camera's capture size and frame rate (asked as ideals, so any
// camera still works) and the cap on the video bitrate a phone sends: the
// TV shows the caller at up to 720p, and an old phone encoding more than it
// can burns its battery and stutters.

/** The camera: 1280x720 where it has it, never more than 30 frames a second. */
export const VIDEO_CONSTRAINTS = Object.freeze({
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30, max: 30 },
  facingMode: 'user',
});

/** Most bits per second this side's video may use. */
export const MAX_VIDEO_BITRATE = 1_200_000;

/**
 * Caps the video `pc` sends at MAX_VIDEO_BITRATE, where the browser lets a
 * sender's parameters be set (after the local description; old browsers
 * without encodings are left as they are). A video sender is capped by its
 * m-line, with or without a track yet: a camera that comes after the answer
 * (replaceTrack) then starts under the cap, never above it.
 * @param {RTCPeerConnection} pc
 */
export async function capVideo(pc) {
  for (const { sender, receiver } of pc.getTransceivers()) {
    if (receiver.track.kind !== 'video') continue;
    if (typeof sender.getParameters !== 'function' || typeof sender.setParameters !== 'function') continue;
    const parameters = sender.getParameters();
    if (!parameters.encodings || !parameters.encodings.length) continue;
    for (const encoding of parameters.encodings) encoding.maxBitrate = MAX_VIDEO_BITRATE;
    try {
      await sender.setParameters(parameters);
    } catch (err) {
      console.debug('[homecall] cannot cap the video bitrate:', err && err.name);
    }
  }
}
