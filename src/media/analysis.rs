//! What the box decoded from a caller, measured: picture size, mean colour,
//! the dominant audio frequency and level.
//!
//! Owns the arithmetic (pure functions over planes and samples, unit-tested
//! here) and the [`RemoteStats`] they feed. The probes in `media::remote`
//! call these on decoded buffers; the admin page and the tests read the
//! result to know that a caller's picture and voice really arrived.

/// Figures about the media decoded from the current (or last) caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteStats {
    pub video_frames: u64,
    pub width: u32,
    pub height: u32,
    /// Mean colour of the centre of the last measured frame, RGB 0–255.
    pub mean_rgb: [u8; 3],
    pub audio_buffers: u64,
    /// Dominant frequency estimated from zero crossings of the audible buffers.
    pub audio_frequency_hz: f64,
    /// RMS level of the last buffer, 0–1.
    pub audio_rms: f64,
    crossings: u64,
    audible_samples: u64,
    /// Sign of the last non-zero sample, so crossings between buffers count.
    last_positive: Option<bool>,
    /// When the first picture was decoded, for the frame rate.
    first_frame_at: Option<std::time::Instant>,
}

/// Below this RMS a buffer counts as silence and is left out of the frequency estimate.
const AUDIBLE_RMS: f64 = 0.005;

impl RemoteStats {
    pub(super) fn add_video_frame(&mut self, width: u32, height: u32, mean: Option<[u8; 3]>) {
        self.first_frame_at
            .get_or_insert_with(std::time::Instant::now);
        self.video_frames += 1;
        self.width = width;
        self.height = height;
        if let Some(rgb) = mean {
            self.mean_rgb = rgb;
        }
    }

    /// Pictures a second since the first one (0 before two pictures).
    pub fn framerate(&self) -> f64 {
        match self.first_frame_at {
            Some(at) if self.video_frames > 1 => {
                let secs = at.elapsed().as_secs_f64();
                if secs > 0.0 {
                    (self.video_frames - 1) as f64 / secs
                } else {
                    0.0
                }
            }
            _ => 0.0,
        }
    }

    /// Adds one buffer of mono samples (the first channel) at `rate` Hz.
    pub(super) fn add_audio(&mut self, samples: impl Iterator<Item = i16>, rate: u32) {
        self.audio_buffers += 1;
        let (rms, crossings, count) = level_and_crossings(samples, &mut self.last_positive);
        self.audio_rms = rms;
        if rms >= AUDIBLE_RMS && count > 0 {
            self.crossings += crossings;
            self.audible_samples += count;
            self.audio_frequency_hz =
                self.crossings as f64 / 2.0 * f64::from(rate) / self.audible_samples as f64;
        }
    }
}

/// RMS (0–1), number of sign changes and number of samples.
fn level_and_crossings(
    samples: impl Iterator<Item = i16>,
    last_positive: &mut Option<bool>,
) -> (f64, u64, u64) {
    let mut sum_sq = 0f64;
    let mut count = 0u64;
    let mut crossings = 0u64;
    for s in samples {
        let x = f64::from(s) / 32768.0;
        sum_sq += x * x;
        count += 1;
        if s != 0 {
            let positive = s > 0;
            if last_positive.is_some_and(|p| p != positive) {
                crossings += 1;
            }
            *last_positive = Some(positive);
        }
    }
    let rms = if count == 0 {
        0.0
    } else {
        (sum_sq / count as f64).sqrt()
    };
    (rms, crossings, count)
}

/// Mean RGB of the centre quarter of an I420 picture, from its three planes
/// (`stride` bytes per row; chroma planes are half size), BT.601 limited range.
pub(super) fn mean_rgb_i420(
    planes: [&[u8]; 3],
    strides: [usize; 3],
    width: usize,
    height: usize,
) -> Option<[u8; 3]> {
    let mean = |plane: &[u8], stride: usize, w: usize, h: usize| -> Option<f64> {
        let (x0, x1, y0, y1) = (w / 4, w * 3 / 4, h / 4, h * 3 / 4);
        let mut sum = 0u64;
        let mut n = 0u64;
        for row in y0..y1 {
            let line = plane.get(row * stride + x0..row * stride + x1)?;
            sum += line.iter().map(|&b| u64::from(b)).sum::<u64>();
            n += line.len() as u64;
        }
        (n > 0).then(|| sum as f64 / n as f64)
    };
    let y = mean(planes[0], strides[0], width, height)?;
    let u = mean(planes[1], strides[1], width.div_ceil(2), height.div_ceil(2))?;
    let v = mean(planes[2], strides[2], width.div_ceil(2), height.div_ceil(2))?;
    Some(ycbcr_to_rgb(y, u, v))
}

fn ycbcr_to_rgb(y: f64, cb: f64, cr: f64) -> [u8; 3] {
    let y = 1.164 * (y - 16.0);
    let (cb, cr) = (cb - 128.0, cr - 128.0);
    let clamp = |v: f64| v.round().clamp(0.0, 255.0) as u8;
    [
        clamp(y + 1.596 * cr),
        clamp(y - 0.392 * cb - 0.813 * cr),
        clamp(y + 2.017 * cb),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb_to_ycbcr([r, g, b]: [f64; 3]) -> [u8; 3] {
        let y = 16.0 + 0.257 * r + 0.504 * g + 0.098 * b;
        let cb = 128.0 - 0.148 * r - 0.291 * g + 0.439 * b;
        let cr = 128.0 + 0.439 * r - 0.368 * g - 0.071 * b;
        [y.round() as u8, cb.round() as u8, cr.round() as u8]
    }

    #[test]
    fn mean_colour_of_a_solid_picture_comes_back() {
        for rgb in [
            [40.0, 90.0, 200.0],
            [200.0, 30.0, 30.0],
            [128.0, 128.0, 128.0],
        ] {
            let [y, u, v] = rgb_to_ycbcr(rgb);
            let (w, h) = (64, 36);
            let stride = 80; // padded rows must not disturb the mean
            let luma = vec![y; stride * h];
            let cb = vec![u; stride * h / 2];
            let cr = vec![v; stride * h / 2];
            let got = mean_rgb_i420([&luma, &cb, &cr], [stride, stride, stride], w, h)
                .expect("planes big enough");
            for c in 0..3 {
                assert!(
                    (f64::from(got[c]) - rgb[c]).abs() <= 2.0,
                    "{rgb:?} came back as {got:?}"
                );
            }
        }
    }

    #[test]
    fn short_planes_give_no_colour() {
        assert_eq!(
            mean_rgb_i420([&[0; 4], &[0; 1], &[0; 1]], [8, 4, 4], 8, 8),
            None
        );
    }

    fn sine(freq: f64, amplitude: f64, rate: u32, n: usize, phase: usize) -> Vec<i16> {
        (phase..phase + n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                (amplitude * 32767.0 * (2.0 * std::f64::consts::PI * freq * t).sin()) as i16
            })
            .collect()
    }

    #[test]
    fn tone_frequency_and_level_are_measured_over_buffers() {
        let mut stats = RemoteStats::default();
        for k in 0..50 {
            let buf = sine(1000.0, 0.3, 48_000, 960, k * 960);
            stats.add_audio(buf.iter().copied(), 48_000);
        }
        assert_eq!(stats.audio_buffers, 50);
        assert!((stats.audio_frequency_hz - 1000.0).abs() < 5.0, "{stats:?}");
        assert!(
            (stats.audio_rms - 0.3 / 2f64.sqrt()).abs() < 0.01,
            "{stats:?}"
        );
    }

    #[test]
    fn silence_is_counted_but_not_measured() {
        let mut stats = RemoteStats::default();
        stats.add_audio(std::iter::repeat_n(0i16, 960), 48_000);
        assert_eq!(stats.audio_buffers, 1);
        assert_eq!(stats.audio_rms, 0.0);
        assert_eq!(stats.audio_frequency_hz, 0.0);
    }

    #[test]
    fn video_frames_are_counted_with_their_size() {
        let mut stats = RemoteStats::default();
        stats.add_video_frame(640, 360, Some([1, 2, 3]));
        stats.add_video_frame(640, 360, None);
        assert_eq!(
            (stats.video_frames, stats.width, stats.height),
            (2, 640, 360)
        );
        assert_eq!(stats.mean_rgb, [1, 2, 3]);
    }
}
