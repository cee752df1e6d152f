//! A room around the box's own sound chain, for measuring its echo canceller
//! (shared by `tests/echo.rs` and `examples/echo_bench.rs`).
//!
//! ```text
//! far voice ─ appsrc(live) ─► SpeakerOutput (mixer ─ echo probe ─ fakesink, synced) ── "played" ─┐
//!                                                                                                 │ room: low-pass, reflections, gain, delay D
//! near voice + room + noise ─ appsrc(live, paced by the clock) ─ microphone_dsp ─ appsink ◄───────┘
//! ```
//! What the microphone hears at time T is what the fakesink played at T − D
//! (as a room would give it back), plus the near-end voice: the echo is
//! made from what was really played, at the time it was played.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gst::prelude::*;
use homecall::media::{microphone_dsp, Speaker, SpeakerOutput, VoiceProcessing};

pub const RATE: usize = 48_000;
const PERIOD: usize = RATE / 100;

/// What one run measured.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    /// Echo return loss enhancement: echo heard ÷ echo left, far end alone, dB.
    pub erle_db: f64,
    /// The near-end voice's level in the output during double talk ÷ its level heard, dB.
    pub near_kept_db: f64,
    /// Correlation of the output with the clean near-end voice during double talk (1: all of it, nothing else).
    pub near_corr: f64,
}

/// What the microphone's chain gave, and the echo and near end it heard.
pub struct Recording {
    pub out: Vec<f32>,
    pub echo: Vec<f32>,
    pub near: Vec<f32>,
}

/// A voice-like signal: a harmonic series with a gliding pitch, shaped by
/// moving formants, in syllables grouped in phrases with pauses.
pub fn voice(seconds: f64, pitch_hz: f64, seed: u64) -> Vec<f32> {
    let n = (seconds * RATE as f64) as usize;
    let mut rng = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut rand = move || {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((rng >> 33) as f64) / ((1u64 << 31) as f64)
    };
    // Syllable envelope and formants, per syllable.
    let mut env = vec![0f32; n];
    let mut f1 = vec![0f32; n];
    let mut f2 = vec![0f32; n];
    let mut t = 0usize;
    while t < n {
        let phrase_end = t + ((1.0 + 1.5 * rand()) * RATE as f64) as usize;
        while t < phrase_end.min(n) {
            let len = ((0.12 + 0.18 * rand()) * RATE as f64) as usize;
            let (a, b) = (300.0 + 500.0 * rand(), 900.0 + 1400.0 * rand());
            let loud = 0.6 + 0.4 * rand();
            for i in 0..len.min(n - t) {
                let x = i as f64 / len as f64;
                env[t + i] = (loud * (std::f64::consts::PI * x).sin().powf(0.7)) as f32;
                f1[t + i] = a as f32;
                f2[t + i] = b as f32;
            }
            t += len;
        }
        t += ((0.2 + 0.4 * rand()) * RATE as f64) as usize; // a pause
    }
    let mut phase = 0f64;
    let mut out = vec![0f32; n];
    let vibrato = rand() * 6.0;
    for (i, o) in out.iter_mut().enumerate() {
        if env[i] == 0.0 {
            continue;
        }
        let ts = i as f64 / RATE as f64;
        let f0 = pitch_hz * (1.0 + 0.12 * (2.0 * std::f64::consts::PI * 0.6 * ts + vibrato).sin());
        phase += 2.0 * std::f64::consts::PI * f0 / RATE as f64;
        let mut s = 0f64;
        let mut k = 1.0;
        while k * f0 < 4000.0 {
            let f = k * f0;
            let formant = |c: f32, w: f64| (-((f - c as f64) / w).powi(2)).exp();
            let a = (0.3 + formant(f1[i], 150.0) + 0.7 * formant(f2[i], 250.0)) / k;
            s += a * (k * phase).sin();
            k += 1.0;
        }
        *o = (s * env[i] as f64) as f32;
    }
    let rms = (out.iter().map(|x| (*x as f64).powi(2)).sum::<f64>() / n as f64).sqrt();
    out.iter()
        .map(|x| (*x as f64 / rms.max(1e-9) * 0.1) as f32)
        .collect()
}

/// The room: what was played, low-passed (a TV's speaker, the air), with
/// a few reflections, `gain` louder or softer.
struct Room {
    gain: f32,
    /// Biquad state (2nd-order low-pass at 3.5 kHz).
    x: [f32; 2],
    y: [f32; 2],
    /// Low-passed sound, sample-indexed from running time 0.
    heard: Vec<f32>,
}

impl Room {
    fn push(&mut self, played: &[f32]) {
        // RBJ low-pass, 3.5 kHz, Q 0.707, at 48 kHz.
        let w = 2.0 * std::f32::consts::PI * 3500.0 / RATE as f32;
        let alpha = w.sin() / (2.0 * 0.707);
        let (c, a0) = (w.cos(), 1.0 + alpha);
        let b = [(1.0 - c) / 2.0 / a0, (1.0 - c) / a0, (1.0 - c) / 2.0 / a0];
        let a = [-2.0 * c / a0, (1.0 - alpha) / a0];
        for &s in played {
            let y = b[0] * s + b[1] * self.x[0] + b[2] * self.x[1]
                - a[0] * self.y[0]
                - a[1] * self.y[1];
            self.x = [s, self.x[0]];
            self.y = [y, self.y[0]];
            self.heard.push(y);
        }
    }

    /// The echo at sample `n` (the direct sound delayed by `delay` samples and its reflections).
    fn echo(&self, n: usize, delay: usize) -> Option<f32> {
        let at = |back: usize| {
            n.checked_sub(delay + back)
                .map_or(Some(0.0), |i| self.heard.get(i).copied())
        };
        let ms = RATE / 1000;
        Some(self.gain * (at(0)? + 0.35 * at(7 * ms)? - 0.2 * at(17 * ms)? + 0.1 * at(29 * ms)?))
    }
}

/// Plays `far` on a speaker and feeds the microphone's DSP with its echo
/// after `delay` and `near` (same length) in the room; returns what
/// came out, with the echo and near-end as heard.
pub fn run(
    voice_processing: VoiceProcessing,
    delay: Duration,
    far: &[f32],
    near: &[f32],
) -> Result<Recording, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    gst::init().map_err(|x| e(&x))?;
    let pipeline = gst::Pipeline::new();
    let speaker = SpeakerOutput::build(&pipeline, Speaker::None).map_err(|x| e(&x))?;
    let caps = gst::Caps::builder("audio/x-raw")
        .field("format", "S16LE")
        .field("layout", "interleaved")
        .field("rate", RATE as i32)
        .field("channels", 1i32)
        .build();
    let appsrc = |name: &str| -> Result<gst::Element, String> {
        let src = gst::ElementFactory::make("appsrc")
            .name(name)
            .build()
            .map_err(|x| e(&x))?;
        src.set_property("caps", &caps);
        src.set_property_from_str("format", "time");
        src.set_property("is-live", true);
        Ok(src)
    };
    let push = |src: &gst::Element, b: gst::Buffer| -> Result<(), String> {
        match src.emit_by_name::<gst::FlowReturn>("push-buffer", &[&b]) {
            gst::FlowReturn::Ok => Ok(()),
            other => Err(format!("push: {other:?}")),
        }
    };

    // The far end, as a caller's decoded voice reaches the speaker.
    let far_src = appsrc("far")?;
    let far_bin = gst::Bin::new();
    far_bin.add(&far_src).map_err(|x| e(&x))?;
    pipeline.add(&far_bin).map_err(|x| e(&x))?;
    let far_pad = far_src.static_pad("src").ok_or("no pad")?;
    speaker.play_audio(&far_bin, &far_pad).map_err(|x| e(&x))?;

    // What the speaker played, into the room.
    let room = Arc::new(Mutex::new(Room {
        gain: 0.5,
        x: [0.0; 2],
        y: [0.0; 2],
        heard: Vec::new(),
    }));
    let sink = pipeline
        .iterate_sinks()
        .into_iter()
        .flatten()
        .next()
        .ok_or("the speaker has no sink")?;
    sink.set_property("signal-handoffs", true);
    // The latency the sink plays with (it comes as an upstream event).
    let latency = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let l = latency.clone();
    sink.static_pad("sink").ok_or("no sink pad")?.add_probe(
        gst::PadProbeType::EVENT_UPSTREAM,
        move |_, info| {
            if let Some(gst::PadProbeData::Event(ev)) = &info.data {
                if let gst::EventView::Latency(lat) = ev.view() {
                    l.store(
                        lat.latency().nseconds(),
                        std::sync::atomic::Ordering::SeqCst,
                    );
                }
            }
            gst::PadProbeReturn::Ok
        },
    );
    let r = room.clone();
    let sink_latency = latency.clone();
    sink.connect("handoff", false, move |args| {
        let sink = args[0].get::<gst::Element>().ok()?;
        let buffer = args[1].get::<gst::Buffer>().ok()?;
        let pad = sink.static_pad("sink")?;
        let segment = pad.sticky_event::<gst::event::Segment>(0)?;
        let segment = segment.segment().downcast_ref::<gst::ClockTime>()?.clone();
        let latency =
            gst::ClockTime::from_nseconds(sink_latency.load(std::sync::atomic::Ordering::SeqCst));
        let played_at = segment.to_running_time(buffer.pts()?)? + latency;
        let start = (played_at.nseconds() as u128 * RATE as u128 / 1_000_000_000) as usize;
        let map = buffer.map_readable().ok()?;
        let samples: Vec<f32> = map
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0)
            .collect();
        let mut room = r.lock().ok()?;
        if room.heard.len() < start {
            let gap = start - room.heard.len();
            room.push(&vec![0.0; gap]);
        }
        let skip = room.heard.len().saturating_sub(start);
        room.push(&samples[skip.min(samples.len())..]);
        None
    });

    // The microphone.
    let mic_src = appsrc("mic")?;
    let out = gst::ElementFactory::make("appsink")
        .build()
        .map_err(|x| e(&x))?;
    out.set_property("sync", false);
    // It prerolls only once the room hears the speaker, which plays only
    // once the pipeline does: it must not hold the pipeline back.
    out.set_property("async", false);
    out.set_property("emit-signals", true);
    let mut chain: Vec<gst::Element> = vec![mic_src.clone()];
    chain.extend(microphone_dsp(voice_processing, &speaker.probe_name()).map_err(|x| e(&x))?);
    chain.push(out.clone());
    pipeline.add_many(&chain).map_err(|x| e(&x))?;
    gst::Element::link_many(&chain).map_err(|x| e(&x))?;
    let output = Arc::new(Mutex::new(Vec::<f32>::new()));
    let o = output.clone();
    out.connect("new-sample", false, move |args| {
        let sink = args[0].get::<gst::Element>().ok()?;
        let sample = sink.emit_by_name::<Option<gst::Sample>>("pull-sample", &[])?;
        let buffer = sample.buffer()?;
        let map = buffer.map_readable().ok()?;
        o.lock().ok()?.extend(
            map.chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0),
        );
        Some(gst::FlowReturn::Ok.to_value())
    });

    pipeline.set_state(gst::State::Playing).map_err(|x| e(&x))?;
    let clock = pipeline.clock().ok_or("no clock")?;
    let running = || {
        clock
            .time()
            .saturating_sub(pipeline.base_time().unwrap_or_default())
    };
    // Everything starts a little after the pipeline, on a period boundary.
    let start = gst::ClockTime::from_mseconds(200);
    let to_s16 = |x: f32| ((x.clamp(-1.0, 1.0)) * 32767.0) as i16;
    let buffer = |samples: &[f32], pts: gst::ClockTime| {
        let bytes: Vec<u8> = samples
            .iter()
            .flat_map(|x| to_s16(*x).to_le_bytes())
            .collect();
        let mut b = gst::Buffer::from_mut_slice(bytes);
        let bm = b.get_mut().expect("new buffer");
        bm.set_pts(pts);
        bm.set_duration(gst::ClockTime::from_mseconds(10));
        b
    };
    let delay = (delay.as_secs_f64() * RATE as f64) as usize;
    let first = start.nseconds() as usize * RATE / 1_000_000_000;
    let periods = far.len() / PERIOD;
    let mut heard_echo = Vec::with_capacity(far.len());
    let mut noise = 12345u32;
    let (mut f, mut m) = (0, 0);
    let deadline = std::time::Instant::now()
        + Duration::from_secs_f64(far.len() as f64 / RATE as f64 * 3.0 + 10.0);
    while m < periods {
        if std::time::Instant::now() > deadline {
            let heard = room.lock().map_err(|_| "poisoned")?.heard.len();
            return Err(format!(
                "the loop did not keep time: {m} of {periods} microphone periods, the room heard {heard} samples, running {:?}, latency {:?}",
                running(),
                latency.load(std::sync::atomic::Ordering::SeqCst)
            ));
        }
        let now = running();
        // The far end is pushed 40 ms ahead, as a jitter buffer gives it.
        let far_pts = |k: usize| start + gst::ClockTime::from_mseconds(10 * k as u64);
        while f < periods && far_pts(f) <= now + gst::ClockTime::from_mseconds(40) {
            let b = buffer(&far[f * PERIOD..(f + 1) * PERIOD], far_pts(f));
            push(&far_src, b)?;
            f += 1;
        }
        // A microphone's period is there once it is over, and once the room has it.
        if far_pts(m) + gst::ClockTime::from_mseconds(10) <= now {
            let base = first + m * PERIOD;
            let room = room.lock().map_err(|_| "poisoned")?;
            let echo: Option<Vec<f32>> = (0..PERIOD).map(|i| room.echo(base + i, delay)).collect();
            drop(room);
            if let Some(echo) = echo {
                let samples: Vec<f32> = (0..PERIOD)
                    .map(|i| {
                        noise = noise.wrapping_mul(1664525).wrapping_add(1013904223);
                        let hiss = ((noise >> 8) as f32 / (1 << 24) as f32 - 0.5) * 0.0006;
                        echo[i] + near[m * PERIOD + i] + hiss
                    })
                    .collect();
                heard_echo.extend_from_slice(&echo);
                push(&mic_src, buffer(&samples, far_pts(m)))?;
                m += 1;
                continue;
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = mic_src.emit_by_name::<gst::FlowReturn>("end-of-stream", &[]);
    let bus = pipeline.bus().ok_or("no bus")?;
    let waited = std::time::Instant::now();
    while output.lock().map_err(|_| "poisoned")?.len() < periods * PERIOD
        && waited.elapsed() < Duration::from_secs(30)
    {
        if let Some(msg) = bus.pop_filtered(&[gst::MessageType::Error]) {
            let _ = pipeline.set_state(gst::State::Null);
            return Err(format!("{msg:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = pipeline.set_state(gst::State::Null);
    let output = output.lock().map_err(|_| "poisoned")?.clone();
    Ok(Recording {
        out: output,
        echo: heard_echo,
        near: near.to_vec(),
    })
}

/// Frames after the near end stops that are not counted as echo alone.
const NEAR_END_TAIL_FRAMES: usize = 20;

/// ERLE and near-end figures, skipping the first `settle` seconds (the
/// room's delay found and the canceller converged) and the first 200 ms
/// after each double talk.
pub fn figures(out: &[f32], echo: &[f32], near: &[f32], settle: f64) -> Figures {
    let n = out.len().min(echo.len()).min(near.len());
    let energy = |x: &[f32]| x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
    let frames = n / PERIOD;
    let echo_mean = energy(&echo[..n]) / frames.max(1) as f64;
    let (mut e_in, mut e_out) = (0.0, 0.0);
    let mut talk: Vec<usize> = Vec::new();
    // The near end's last frame: the chain's output lags its input by a
    // frame or two, so the first frames after the near end stops still
    // carry its voice, not echo.
    let mut near_until = 0;
    for k in (settle * 100.0) as usize..frames {
        let r = k * PERIOD..(k + 1) * PERIOD;
        let (e, nn) = (energy(&echo[r.clone()]), energy(&near[r.clone()]));
        if nn > 0.0 {
            near_until = k + NEAR_END_TAIL_FRAMES;
        }
        if nn == 0.0 && k > near_until && e > echo_mean * 0.01 {
            e_in += e;
            e_out += energy(&out[r]);
        } else if nn > 0.0 && e > echo_mean * 0.01 {
            talk.push(k);
        }
    }
    // Double talk: the output projected on the clean near end, at the best small lag.
    let mut best = (0.0f64, 0.0f64);
    for lag in 0..=(RATE / 100) {
        let (mut on, mut nn, mut oo) = (0.0, 0.0, 0.0);
        for &k in &talk {
            for i in k * PERIOD..(k + 1) * PERIOD {
                if i + lag < n {
                    let (o, v) = (out[i + lag] as f64, near[i] as f64);
                    on += o * v;
                    nn += v * v;
                    oo += o * o;
                }
            }
        }
        let corr = on / (nn * oo).sqrt().max(1e-12);
        if corr > best.0 {
            best = (corr, on / nn.max(1e-12));
        }
    }
    Figures {
        erle_db: 10.0 * (e_in / e_out.max(1e-12)).log10(),
        near_kept_db: 20.0 * best.1.abs().max(1e-9).log10(),
        near_corr: best.0,
    }
}

/// Near-end voice only in double-talk windows (`windows` in seconds).
pub fn in_windows(voice: &[f32], windows: &[(f64, f64)]) -> Vec<f32> {
    voice
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let t = i as f64 / RATE as f64;
            if windows.iter().any(|(a, b)| t >= *a && t < *b) {
                *v
            } else {
                0.0
            }
        })
        .collect()
}
