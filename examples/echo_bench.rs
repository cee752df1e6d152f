//! `bench/echo`: the box's echo canceller (its microphone DSP chain and its
//! speaker's mixer and probe, as built by the crate), in a simulated room:
//! far-end speech played, heard back after 30–120 ms (low-passed,
//! reflected, attenuated) with near-end speech in double talk. Prints ERLE
//! and near-end retention per delay and their medians, and the same with
//! echo cancellation off, as the reference.

#[path = "../tests/support/echo_loop.rs"]
mod echo_loop;

use std::time::Duration;

use homecall::media::VoiceProcessing;

const SECONDS: f64 = 20.0;
/// Measured from here on: the room's delay is found in about a second of
/// far-end talk and the canceller converges within two more; the box keeps
/// both from one call to the next.
const SETTLE_SECONDS: f64 = 4.0;
const DOUBLE_TALK: [(f64, f64); 2] = [(6.0, 9.0), (14.0, 17.0)];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    // RUST_LOG=homecall=info shows when the canceller is lined up.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let delays: Vec<u64> = std::env::var("DELAYS_MS")
        .unwrap_or_else(|_| "30,60,90,120".into())
        .split(',')
        .filter_map(|d| d.trim().parse().ok())
        .collect();
    let far = echo_loop::voice(SECONDS, 120.0, 1);
    let near = echo_loop::in_windows(&echo_loop::voice(SECONDS, 220.0, 2), &DOUBLE_TALK);
    let configs = [
        ("box (EC+NS+AGC)", VoiceProcessing::default()),
        (
            "EC only",
            VoiceProcessing {
                noise_suppression: false,
                gain_control: false,
                ..VoiceProcessing::default()
            },
        ),
        (
            "EC+NS",
            VoiceProcessing {
                gain_control: false,
                ..VoiceProcessing::default()
            },
        ),
        (
            "EC+AGC",
            VoiceProcessing {
                noise_suppression: false,
                ..VoiceProcessing::default()
            },
        ),
        (
            "reference: EC off",
            VoiceProcessing {
                echo_cancellation: false,
                ..VoiceProcessing::default()
            },
        ),
    ];
    println!(
        "{:<20} {:>8} {:>9} {:>13} {:>10}",
        "chain", "delay_ms", "erle_db", "near_kept_db", "near_corr"
    );
    // CHAINS=box,EC only: only the chains whose names start so.
    let chains = std::env::var("CHAINS").ok();
    let wanted = |name: &str| {
        chains
            .as_deref()
            .is_none_or(|c| c.split(',').any(|p| name.starts_with(p.trim())))
    };
    for (name, voice) in configs.into_iter().filter(|(name, _)| wanted(name)) {
        let mut erle = Vec::new();
        let mut kept = Vec::new();
        let mut corr = Vec::new();
        for &d in &delays {
            match echo_loop::run(voice, Duration::from_millis(d), &far, &near) {
                Ok(r) => {
                    let f = echo_loop::figures(&r.out, &r.echo, &r.near, SETTLE_SECONDS);
                    println!(
                        "{name:<20} {d:>8} {:>9.1} {:>13.1} {:>10.2}",
                        f.erle_db, f.near_kept_db, f.near_corr
                    );
                    erle.push(f.erle_db);
                    kept.push(f.near_kept_db);
                    corr.push(f.near_corr);
                }
                Err(e) => println!("{name:<20} {d:>8} failed: {e}"),
            }
        }
        if !erle.is_empty() {
            println!(
                "{name:<20} {:>8} {:>9.1} {:>13.1} {:>10.2}",
                "median",
                median(erle),
                median(kept),
                median(corr)
            );
        }
    }
}
