use super::*;

const PERIOD: usize = 480;

/// Talk-like sound: voiced syllables of 100–300 ms (a harmonic series on
/// a gliding pitch around `pitch` Hz, at varying loudness) with pauses of
/// 100–400 ms, different for each `seed`.
fn talk(seconds: f64, pitch: f64, seed: u32) -> Vec<i16> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut rand = move || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        f64::from(state >> 8) / f64::from(1u32 << 24)
    };
    let n = (seconds * RATE as f64) as usize;
    let mut out = Vec::with_capacity(n);
    let mut phase = 0.0f64;
    while out.len() < n {
        let burst = ((0.1 + 0.2 * rand()) * RATE as f64) as usize;
        let loud = 1500.0 + 3000.0 * rand();
        let (from, to) = (pitch * (0.8 + 0.4 * rand()), pitch * (0.8 + 0.4 * rand()));
        for i in 0..burst {
            let x = i as f64 / burst as f64;
            let f0 = from + (to - from) * x;
            phase += 2.0 * std::f64::consts::PI * f0 / RATE as f64;
            let voiced: f64 = (1..=12).map(|k| (k as f64 * phase).sin() / k as f64).sum();
            out.push((loud * (std::f64::consts::PI * x).sin() * voiced) as i16);
        }
        let pause = ((0.1 + 0.3 * rand()) * RATE as f64) as usize;
        out.extend(std::iter::repeat_n(0, pause));
    }
    out.truncate(n);
    out
}

/// What a microphone hears: `far` delayed by `delay_ms`, at a quarter of
/// its level, plus `near` and a little hiss.
fn room(far: &[i16], delay_ms: usize, near: &[i16]) -> Vec<i16> {
    let delay = delay_ms * RATE as usize / 1000;
    let mut hiss = 7u32;
    (0..far.len())
        .map(|i| {
            hiss = hiss.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let echo = i
                .checked_sub(delay)
                .map_or(0.0, |j| f64::from(far[j]) / 4.0);
            let noise = f64::from(hiss >> 24) - 128.0;
            (echo + f64::from(near[i]) + noise) as i16
        })
        .collect()
}

/// Feeds both sides in 10 ms periods, as the pipeline does (the speaker's
/// side 40 ms ahead of the microphone's), and returns the estimate.
fn estimate(played: &[i16], heard: &[i16]) -> Option<Duration> {
    estimate_with_lead(played, heard, 4)
}

/// As [`estimate`], with the speaker's side `lead` periods ahead of the
/// microphone's (behind when negative).
fn estimate_with_lead(played: &[i16], heard: &[i16], lead: isize) -> Option<Duration> {
    let mut echo = EchoDelay::default();
    let at = |k: usize| Duration::from_millis(200 + 10 * k as u64);
    let periods = played.len() / PERIOD;
    for k in 0..periods {
        let p = k.checked_add_signed(lead).filter(|p| *p < periods);
        if let Some(p) = p {
            let samples = &played[p * PERIOD..(p + 1) * PERIOD];
            echo.played(at(p), samples.iter().copied());
        }
        let due = echo.heard(at(k), heard[k * PERIOD..(k + 1) * PERIOD].iter().copied());
        if let Some(comparison) = due {
            echo.conclude(comparison.run());
        }
    }
    echo.delay()
}

fn ms(d: Option<Duration>) -> Option<i64> {
    d.map(|d| d.as_millis() as i64)
}

#[test]
fn finds_the_delay_of_the_room_to_within_two_milliseconds() {
    let far = talk(5.0, 120.0, 1);
    let quiet = vec![0; far.len()];
    for delay in [0, 30, 80, 120, 200, 290] {
        let found = ms(estimate(&far, &room(&far, delay, &quiet)));
        let found = found.unwrap_or_else(|| panic!("no estimate at {delay} ms"));
        assert!(
            (found - delay as i64).abs() <= 2,
            "{delay} ms echo estimated at {found} ms"
        );
    }
}

#[test]
fn finds_it_while_both_ends_talk() {
    let far = talk(6.0, 120.0, 3);
    let near = talk(6.0, 220.0, 4);
    let found = ms(estimate(&far, &room(&far, 90, &near))).expect("an estimate");
    assert!((found - 90).abs() <= 4, "estimated at {found} ms");
}

#[test]
fn finds_it_as_early_when_the_speakers_side_comes_after_the_microphones() {
    // A busy box: the mixer hands each period on 20 ms after the
    // microphone's, so what was played never reaches the latest heard
    // sample. The first estimate still comes within a second and a half.
    let far = talk(1.5, 120.0, 12);
    let quiet = vec![0; far.len()];
    let heard = room(&far, 90, &quiet);
    let found = ms(estimate_with_lead(&far, &heard, -2)).expect("an estimate within 1.5 s");
    assert!((found - 90).abs() <= 2, "estimated at {found} ms");
}

#[test]
fn a_speaker_that_stalls_is_not_compared_twice() {
    // The speaker hands on its first second only (one comparison's
    // worth), then stalls; the microphone goes on. Comparing that second
    // again and again would agree with itself.
    let far = talk(5.0, 120.0, 13);
    let mut played = far.clone();
    played[RATE as usize..].fill(0);
    let heard = room(&far, 90, &vec![0; far.len()]);
    let mut echo = EchoDelay::default();
    let at = |k: usize| Duration::from_millis(200 + 10 * k as u64);
    let mut comparisons = 0;
    for k in 0..far.len() / PERIOD {
        if k < 100 {
            echo.played(at(k), played[k * PERIOD..(k + 1) * PERIOD].iter().copied());
        }
        let due = echo.heard(at(k), heard[k * PERIOD..(k + 1) * PERIOD].iter().copied());
        if let Some(comparison) = due {
            comparisons += 1;
            echo.conclude(comparison.run());
        }
    }
    assert_eq!(comparisons, 1, "the speaker's one second compared once");
    assert_eq!(
        echo.delay(),
        None,
        "one comparison does not agree with itself"
    );
}

#[test]
fn silence_from_the_far_end_gives_no_estimate() {
    let quiet = vec![0; 5 * RATE as usize];
    let near = talk(5.0, 220.0, 5);
    assert_eq!(estimate(&quiet, &room(&quiet, 60, &near)), None);
}

#[test]
fn a_microphone_that_never_hears_the_speaker_gives_no_estimate() {
    let far = talk(5.0, 120.0, 6);
    let near = talk(5.0, 220.0, 7);
    assert_eq!(estimate(&far, &near), None);
}

#[test]
fn the_estimate_stands_when_the_far_end_falls_silent() {
    let mut far = talk(5.0, 120.0, 8);
    far.extend(std::iter::repeat_n(0, 3 * RATE as usize));
    let near = talk(8.0, 220.0, 9);
    let mut heard = room(&far, 70, &vec![0; far.len()]);
    // The last three seconds: only the near end talks.
    let silent_from = 5 * RATE as usize;
    heard[silent_from..].copy_from_slice(&near[silent_from..]);
    let found = ms(estimate(&far, &heard)).expect("an estimate");
    assert!((found - 70).abs() <= 2, "estimated at {found} ms");
}

#[test]
fn a_delay_beyond_the_longest_looked_for_is_not_guessed() {
    let far = talk(5.0, 120.0, 10);
    let heard = room(&far, 600, &vec![0; far.len()]);
    assert_eq!(estimate(&far, &heard), None);
}

#[test]
fn a_room_that_changes_is_followed() {
    // The TV is swapped for a slower one: 60 ms, then 150 ms.
    let far = talk(12.0, 120.0, 11);
    let quiet = vec![0; far.len()];
    let (before, after) = (room(&far, 60, &quiet), room(&far, 150, &quiet));
    let change = 5 * RATE as usize;
    let heard: Vec<i16> = before[..change]
        .iter()
        .chain(&after[change..])
        .copied()
        .collect();
    let found = ms(estimate(&far[..change], &heard[..change])).expect("the first room");
    assert!(
        (found - 60).abs() <= 2,
        "first room estimated at {found} ms"
    );
    let found = ms(estimate(&far, &heard)).expect("the second room");
    assert!(
        (found - 150).abs() <= 2,
        "second room estimated at {found} ms"
    );
}

#[test]
fn a_call_hours_after_the_last_keeps_only_its_history() {
    // Between calls the microphone is off while the running time goes on:
    // its next sound comes ten hours on, and must not fill the gap.
    let mut track = Track::default();
    let period = vec![1000i16; PERIOD];
    track.add(Duration::from_secs(1), period.iter().copied());
    track.add(Duration::from_secs(10 * 3600), period.iter().copied());
    // Held, and ever allocated: ten hours of zeros would be 576 MB.
    assert!(
        track.samples.capacity() <= 2 * HISTORY,
        "room for {} samples",
        track.samples.capacity()
    );
    assert_eq!(track.end(), (10 * 3600 * RATE + PERIOD as u64) / DECIMATION);
}

#[test]
fn the_delay_is_found_again_in_a_call_hours_later() {
    // The TV was swapped in between: 60 ms, then 150 ms five hours on.
    let far = talk(3.0, 120.0, 14);
    let mut echo = EchoDelay::default();
    for (hours, delay) in [(0u64, 60i64), (5, 150)] {
        let heard = room(&far, delay as usize, &vec![0; far.len()]);
        let at = |k: usize| {
            Duration::from_secs(hours * 3600) + Duration::from_millis(200 + 10 * k as u64)
        };
        for k in 0..far.len() / PERIOD {
            echo.played(at(k), far[k * PERIOD..(k + 1) * PERIOD].iter().copied());
            let due = echo.heard(at(k), heard[k * PERIOD..(k + 1) * PERIOD].iter().copied());
            if let Some(comparison) = due {
                echo.conclude(comparison.run());
            }
        }
        let found = ms(echo.delay()).expect("an estimate");
        assert!(
            (found - delay).abs() <= 2,
            "after {hours} h: {found} ms, not {delay}"
        );
    }
}
