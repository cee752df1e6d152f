// This side's camera and microphone: asking the browser for them, and what
// went wrong when it would not give them, as a word the page turns into a
// sentence (i18n.js keys 'problem…'). Owns no state: call.js keeps the
// stream and shows the note.

import { Camera } from './protocol.js';

/** Why the camera (or everything) is missing. */
export const Problem = Object.freeze({
  /** The person or the browser refused. */
  denied: 'problemDenied',
  /** No camera on this device. */
  noCamera: 'problemNoCamera',
  /** Another program holds the camera. */
  cameraBusy: 'problemCameraBusy',
  /** Not a secure page (http://): the browser gives no camera at all. */
  insecure: 'problemInsecure',
  /** A messenger's built-in browser, which gives no camera. */
  inApp: 'problemInApp',
});

/** A messenger's or social app's own browser (Facebook, Instagram, Telegram, WhatsApp, WeChat, VK, OK, Line). */
export function inAppBrowser(userAgent = navigator.userAgent) {
  return /FBAN|FBAV|Instagram|Telegram|WhatsApp|MicroMessenger|VKAndroidApp|OKApp|\bLine\//i.test(userAgent);
}

/** The problem a getUserMedia error stands for. */
export function problemOf(err) {
  switch (err && err.name) {
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return Problem.noCamera;
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return Problem.cameraBusy;
    default:
      return inAppBrowser() ? Problem.inApp : Problem.denied;
  }
}

/**
 * Whether the browser gives camera and microphone without asking (allowed
 * on an earlier visit): resolves true only when it says so for both, false
 * where it will ask, cannot tell, or has no Permissions API for them
 * (Firefox, Safari before 16).
 * @returns {Promise<boolean>}
 */
export async function mediaAllowed() {
  const permissions = navigator.permissions;
  if (!permissions || !permissions.query) return false;
  try {
    const states = await Promise.all(['camera', 'microphone'].map((name) => permissions.query({ name })));
    return states.every((status) => status.state === 'granted');
  } catch {
    return false;
  }
}

/**
 * Asks for camera and microphone, then the microphone alone. Resolves to the
 * stream (null with neither) and the problem with the camera (null when it
 * came).
 * @returns {Promise<{stream: MediaStream | null, problem: string | null}>}
 */
export async function askForLocalMedia(audio, video) {
  const devices = navigator.mediaDevices;
  if (!devices || !devices.getUserMedia) {
    return { stream: null, problem: inAppBrowser() ? Problem.inApp : Problem.insecure };
  }
  try {
    return { stream: await devices.getUserMedia({ audio, video }), problem: null };
  } catch (err) {
    console.debug('[homecall] camera and microphone refused:', err.name);
    const problem = problemOf(err);
    if (problem === Problem.denied || problem === Problem.inApp) return { stream: null, problem };
    try {
      return { stream: await devices.getUserMedia({ audio }), problem };
    } catch (again) {
      console.debug('[homecall] microphone refused:', again.name);
      return { stream: null, problem };
    }
  }
}

/** What the camera of `stream` is: on, turned off, or none (`Camera`). */
export function cameraState(stream) {
  const video = stream ? stream.getVideoTracks() : [];
  if (!video.length) return Camera.none;
  return video[0].enabled ? Camera.on : Camera.off;
}

/** Whether the microphone of `stream` is on. */
export function microphoneOn(stream) {
  const audio = stream ? stream.getAudioTracks() : [];
  return audio.length > 0 && audio[0].enabled;
}
