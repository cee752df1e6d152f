//! What the family admin changes: automatic answering, its countdown and
//! quiet hours. Factory values come from the configuration file; the admin's
//! changes live in `<state_dir>/settings.json`, written crash-safely, and win.
//!
//! Owns the types, their validation and the one decision made from them with
//! the clock: whether a caller arriving now is answered.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::answering::Answering;
use crate::config::TvLanguage;
use crate::store::{JsonFile, StoreError};

/// The longest countdown the admin may choose.
pub const MAX_COUNTDOWN_SECS: u32 = 10;

/// A time of day, minutes since midnight, written "HH:MM".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    pub fn new(hour: u32, minute: u32) -> Option<Self> {
        (hour < 24 && minute < 60).then(|| Self((hour * 60 + minute) as u16))
    }
}

impl FromStr for TimeOfDay {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SettingsError::Invalid(format!("{s:?} is not a time like 22:30"));
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(bad());
        }
        let (h, m) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        Self::new(h, m).ok_or_else(bad)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Hours when the TV stays quiet; may run past midnight (22:00 → 08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuietHours {
    pub from: TimeOfDay,
    pub until: TimeOfDay,
}

impl QuietHours {
    fn contains(&self, t: TimeOfDay) -> bool {
        if self.from <= self.until {
            self.from <= t && t < self.until
        } else {
            t >= self.from || t < self.until
        }
    }
}

/// How the box answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AutoAnswer {
    pub enabled: bool,
    /// Seconds the TV announces the caller (label, chime) before answering.
    pub countdown_secs: u32,
    pub quiet_hours: Option<QuietHours>,
}

impl Default for AutoAnswer {
    fn default() -> Self {
        Self {
            enabled: true,
            countdown_secs: 3,
            quiet_hours: None,
        }
    }
}

impl AutoAnswer {
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.countdown_secs > MAX_COUNTDOWN_SECS {
            return Err(SettingsError::Invalid(format!(
                "the countdown can be 0 to {MAX_COUNTDOWN_SECS} seconds"
            )));
        }
        if let Some(q) = self.quiet_hours {
            if q.from == q.until {
                return Err(SettingsError::Invalid(
                    "quiet hours must start and end at different times".into(),
                ));
            }
        }
        Ok(())
    }

    /// How a caller arriving at local time `now` is answered.
    pub fn answering(&self, now: TimeOfDay) -> Answering {
        if !self.enabled {
            return Answering::Declined;
        }
        match self.quiet_hours {
            Some(q) if q.contains(now) => Answering::Resting {
                until: q.until.to_string(),
            },
            _ => Answering::AfterCountdown {
                seconds: self.countdown_secs,
            },
        }
    }
}

/// The picture the box sends: size, rate and the most bits it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Quality {
    pub width: u32,
    pub height: u32,
    pub framerate: u32,
    pub max_bitrate_kbps: u32,
}

/// Picture sizes the admin may choose: 16:9, from what old phones decode
/// smoothly to what a Pi 4's encoder manages (H.264 level 3.1 tops at 720p30).
pub const SIZES: [(u32, u32); 4] = [(640, 360), (854, 480), (960, 540), (1280, 720)];
pub const FRAMERATES: [u32; 4] = [15, 20, 25, 30];
pub const BITRATE_KBPS: std::ops::RangeInclusive<u32> = 300..=4000;

impl Quality {
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !SIZES.contains(&(self.width, self.height)) {
            return Err(SettingsError::Invalid(format!(
                "the picture size can be {}",
                SIZES.map(|(w, h)| format!("{w}x{h}")).join(", ")
            )));
        }
        if !FRAMERATES.contains(&self.framerate) {
            return Err(SettingsError::Invalid(format!(
                "the frame rate can be {:?} frames a second",
                FRAMERATES
            )));
        }
        if !BITRATE_KBPS.contains(&self.max_bitrate_kbps) {
            return Err(SettingsError::Invalid(format!(
                "the bitrate can be {} to {} kbit/s",
                BITRATE_KBPS.start(),
                BITRATE_KBPS.end()
            )));
        }
        Ok(())
    }
}

/// Which camera and microphone to use; `None` is "the first one found".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Devices {
    /// A V4L2 path ("/dev/video0").
    pub camera: Option<String>,
    /// An ALSA device name ("hw:CARD=Camera,DEV=0").
    pub microphone: Option<String>,
    /// An ALSA playback device ("hw:CARD=vc4hdmi0,DEV=0").
    #[serde(default)]
    pub speaker: Option<String>,
    /// The speaker's volume, 0–100; `None`: left as the sound card has it.
    #[serde(default)]
    pub volume_percent: Option<u8>,
}

/// Everything the admin can change, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub auto_answer: AutoAnswer,
    /// `None`: what the configuration file says.
    #[serde(default)]
    pub quality: Option<Quality>,
    #[serde(default)]
    pub devices: Devices,
    /// The language of the TV's words; `None`: what the configuration file says.
    #[serde(default)]
    pub tv_language: Option<TvLanguage>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The settings file, with the factory values for what it does not hold.
#[derive(Debug, Clone)]
pub struct SettingsStore {
    file: JsonFile,
    factory: Settings,
}

impl SettingsStore {
    pub fn open(state_dir: &Path, factory: Settings) -> Self {
        Self {
            file: JsonFile::new(state_dir.join("settings.json")),
            factory,
        }
    }

    /// The settings in force: the admin's, else the factory's; a quality left
    /// "as configured" reads as the configuration's.
    pub fn load(&self) -> Result<Settings, SettingsError> {
        let mut settings: Settings = self.file.read()?.unwrap_or_else(|| self.factory.clone());
        settings.quality = settings.quality.or(self.factory.quality);
        settings.tv_language = settings.tv_language.or(self.factory.tv_language);
        Ok(settings)
    }

    /// Validates and stores new settings; once this returns they survive a
    /// power cut. A picture quality equal to the configuration's is stored
    /// as "as configured", so a later change of the file still applies and
    /// a configured size outside the admin's choices never blocks a save.
    pub fn save(&self, settings: &Settings) -> Result<(), SettingsError> {
        self.check(settings)?;
        self.file.write(&self.as_stored(settings))?;
        Ok(())
    }

    /// Whether [`SettingsStore::save`] would take `settings`, touching nothing.
    pub fn check(&self, settings: &Settings) -> Result<(), SettingsError> {
        settings.auto_answer.validate()?;
        if let Some(quality) = &self.as_stored(settings).quality {
            quality.validate()?;
        }
        Ok(())
    }

    fn as_stored(&self, settings: &Settings) -> Settings {
        let mut stored = settings.clone();
        if stored.quality == self.factory.quality {
            stored.quality = None;
        }
        if stored.tv_language == self.factory.tv_language {
            stored.tv_language = None;
        }
        stored
    }
}

/// The box's local time of day.
pub fn local_time_of_day() -> TimeOfDay {
    use chrono::Timelike;
    let now = chrono::Local::now();
    TimeOfDay::new(now.hour(), now.minute()).unwrap_or(TimeOfDay(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> TimeOfDay {
        s.parse().expect("valid time")
    }

    #[test]
    fn times_parse_and_print() {
        assert_eq!(t("8:05").to_string(), "08:05");
        assert_eq!(t("23:59").to_string(), "23:59");
        for bad in ["24:00", "12:60", "1200", "", "a:bc", "12:5", "123:00"] {
            assert!(bad.parse::<TimeOfDay>().is_err(), "{bad}");
        }
    }

    #[test]
    fn quiet_hours_may_cross_midnight() {
        let night = AutoAnswer {
            quiet_hours: Some(QuietHours {
                from: t("22:00"),
                until: t("08:00"),
            }),
            ..AutoAnswer::default()
        };
        for (now, resting) in [
            ("21:59", false),
            ("22:00", true),
            ("03:00", true),
            ("07:59", true),
            ("08:00", false),
        ] {
            let got = night.answering(t(now));
            assert_eq!(
                matches!(got, Answering::Resting { ref until } if until == "08:00"),
                resting,
                "{now}: {got:?}"
            );
        }
        let nap = AutoAnswer {
            quiet_hours: Some(QuietHours {
                from: t("13:00"),
                until: t("15:00"),
            }),
            ..AutoAnswer::default()
        };
        assert!(matches!(
            nap.answering(t("14:00")),
            Answering::Resting { .. }
        ));
        assert!(matches!(
            nap.answering(t("15:00")),
            Answering::AfterCountdown { seconds: 3 }
        ));
    }

    #[test]
    fn answering_off_declines() {
        let off = AutoAnswer {
            enabled: false,
            ..AutoAnswer::default()
        };
        assert_eq!(off.answering(t("12:00")), Answering::Declined);
    }

    #[test]
    fn invalid_settings_are_refused_with_a_reason() {
        let long = AutoAnswer {
            countdown_secs: 11,
            ..AutoAnswer::default()
        };
        assert!(long
            .validate()
            .expect_err("too long")
            .to_string()
            .contains("0 to 10"));
        let empty = AutoAnswer {
            quiet_hours: Some(QuietHours {
                from: t("10:00"),
                until: t("10:00"),
            }),
            ..AutoAnswer::default()
        };
        assert!(empty.validate().is_err());
    }

    #[test]
    fn quality_is_limited_to_what_boxes_and_phones_handle() {
        let good = Quality {
            width: 1280,
            height: 720,
            framerate: 30,
            max_bitrate_kbps: 1500,
        };
        assert!(good.validate().is_ok());
        for bad in [
            Quality {
                width: 1920,
                height: 1080,
                ..good
            },
            Quality {
                framerate: 60,
                ..good
            },
            Quality {
                max_bitrate_kbps: 100,
                ..good
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn stored_settings_win_over_the_factory_and_survive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let factory = Settings::default();
        let store = SettingsStore::open(dir.path(), factory.clone());
        assert_eq!(store.load().expect("load"), factory);
        let mut mine = factory.clone();
        mine.auto_answer.countdown_secs = 0;
        store.save(&mine).expect("save");
        let again = SettingsStore::open(dir.path(), factory);
        assert_eq!(again.load().expect("load"), mine);
        let raw = std::fs::read_to_string(dir.path().join("settings.json")).expect("file");
        assert!(raw.contains("\"countdownSecs\": 0"), "{raw}");
    }

    #[test]
    fn the_configured_quality_round_trips_even_outside_the_choices() {
        let dir = tempfile::tempdir().expect("tempdir");
        let factory = Settings {
            quality: Some(Quality {
                width: 320,
                height: 240,
                framerate: 30,
                max_bitrate_kbps: 1500,
            }),
            ..Settings::default()
        };
        let store = SettingsStore::open(dir.path(), factory.clone());
        let mut shown = store.load().expect("load");
        shown.auto_answer.countdown_secs = 5;
        store
            .save(&shown)
            .expect("a save that keeps the configured picture works");
        let raw = std::fs::read_to_string(dir.path().join("settings.json")).expect("file");
        assert!(
            raw.contains("\"quality\": null"),
            "stored as 'as configured': {raw}"
        );
        assert_eq!(store.load().expect("load").quality, factory.quality);
    }

    #[test]
    fn the_tv_language_is_the_configured_one_until_the_admin_changes_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let factory = Settings {
            tv_language: Some(TvLanguage::Ru),
            ..Settings::default()
        };
        let store = SettingsStore::open(dir.path(), factory);
        let mut shown = store.load().expect("load");
        assert_eq!(shown.tv_language, Some(TvLanguage::Ru));
        shown.auto_answer.countdown_secs = 5;
        store.save(&shown).expect("save");
        let raw = std::fs::read_to_string(dir.path().join("settings.json")).expect("file");
        assert!(raw.contains("\"tvLanguage\": null"), "as configured: {raw}");
        shown.tv_language = Some(TvLanguage::En);
        store.save(&shown).expect("save");
        let raw = std::fs::read_to_string(dir.path().join("settings.json")).expect("file");
        assert!(raw.contains("\"tvLanguage\": \"en\""), "{raw}");
        assert_eq!(
            store.load().expect("load").tv_language,
            Some(TvLanguage::En)
        );
    }
}
