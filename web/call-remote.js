// The box's stream as the page's video shows it: the picture at once, the
// sound once the first picture is up.
//
// A fresh browser readies its sound output with a blocking wait on the
// page's main thread the first time a media element plays audio (Chrome's
// GetOutputDeviceInfo: about 100 ms in bench/first-frame's trace, before
// anything plays). Given the whole stream, the video would pay that wait
// before its first picture; given the picture alone, it shows the picture,
// and the sound joins the same element (same autoplay grant, same "Tap to
// hear") a moment later. A stream with no picture gets its sound at once.

/** The sound joins by then even if no picture comes (the box's camera failed). */
const SOUND_AT_THE_LATEST_MS = 1000;

export class RemoteView {
  /**
   * @param {HTMLVideoElement} video the element that shows the box
   * @param {() => void} onSoundJoined called when the sound has joined (play() again where needed)
   */
  constructor(video, onSoundJoined) {
    this.video = video;
    this.onSoundJoined = onSoundJoined;
    /** The box's stream last shown (the MediaLink's), and what the video has of it. */
    this.source = /** @type {MediaStream | null} */ (null);
    this.shown = /** @type {MediaStream | null} */ (null);
    this.soundJoined = false;
    this.soundTimer = 0;
  }

  /** Shows `stream` (the box's tracks); again whenever its tracks change. */
  show(stream) {
    let replaced = false;
    if (stream !== this.source || this.video.srcObject !== this.shown) {
      this.clear();
      this.source = stream;
      this.shown = new MediaStream();
      this.soundJoined = stream.getVideoTracks().length === 0;
      replaced = true;
    }
    this.sync();
    if (replaced) {
      this.video.srcObject = this.shown;
      if (!this.soundJoined) this.joinSoundAfterFirstPicture();
    }
  }

  /** Shows nothing. */
  clear() {
    clearTimeout(this.soundTimer);
    this.source = null;
    this.shown = null;
    this.video.srcObject = null;
  }

  /** Puts the source's tracks on the shown stream (its sound only once joined). */
  sync() {
    const { source, shown } = this;
    if (!source || !shown) return;
    const wanted = source.getTracks().filter((track) => this.soundJoined || track.kind === 'video');
    for (const track of shown.getTracks()) if (!wanted.includes(track)) shown.removeTrack(track);
    for (const track of wanted) if (!shown.getTracks().includes(track)) shown.addTrack(track);
  }

  joinSoundAfterFirstPicture() {
    const shown = this.shown;
    const join = () => {
      if (this.shown !== shown || this.soundJoined) return;
      clearTimeout(this.soundTimer);
      this.soundJoined = true;
      this.sync();
      this.onSoundJoined();
    };
    if (typeof this.video.requestVideoFrameCallback === 'function') this.video.requestVideoFrameCallback(join); // guarded: typeof
    else this.video.addEventListener('playing', join, { once: true });
    this.soundTimer = setTimeout(join, SOUND_AT_THE_LATEST_MS);
  }
}
