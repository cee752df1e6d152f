//! The box's configuration: a TOML file read once at start-up.
//!
//! Owns parsing and validation. The file is deserialised into raw types that
//! mirror it, then checked and turned into [`Config`]; anything wrong stops
//! start-up with the file, the line and the reason. Nothing here is global:
//! the validated `Config` is passed to whoever needs a part of it.

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::admin::AllowList;
use crate::limits::{Limits, RawLimits};
use crate::settings::{AutoAnswer, Devices, Quality, Settings};
use crate::tls::CertificateSource;

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}, line {line}: {reason}")]
    Invalid {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// The language of the TV's words (`[media] tv_language`; the admin may change it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TvLanguage {
    #[default]
    En,
    Ru,
}

/// The validated configuration of the box.
#[derive(Debug, Clone)]
pub struct Config {
    pub web: WebConfig,
    pub state_dir: PathBuf,
    pub media: MediaConfig,
    pub audio: AudioConfig,
    pub max_participants: usize,
    /// How long a caller's place is held while its socket is gone (a reload,
    /// a network loss, a phone in the background).
    pub reconnect_grace_secs: u64,
    /// How long after that, or after the box restarted, a page may still
    /// take its call up again without the TV announcing it anew.
    pub resume_window_secs: u64,
    /// How long one media try may take to connect before the box builds another.
    pub connect_timeout_secs: u64,
    /// Whom callers call ("Grandma"), shown on their page before they press Call.
    pub box_name: Option<String>,
    /// What the admin can change, as the box leaves the factory.
    pub factory_settings: Settings,
    pub turn: Option<TurnConfig>,
    /// Source addresses the admin page answers.
    pub admin_sources: AllowList,
    /// The limits on every door.
    pub limits: Limits,
    /// A PEM root the relay's certificate may chain to, besides the
    /// built-in public roots (a relay with a private CA; tests).
    pub relay_trust: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct WebConfig {
    pub listen: SocketAddr,
    /// The address relatives reach the box at, without a trailing slash.
    pub public_url: String,
    /// Where the HTTPS certificate comes from; `None`: plain HTTP (only
    /// when listening on loopback, for development).
    pub tls: Option<CertificateSource>,
}

/// Where a stream comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The first device found, or the test source when there is none.
    Auto,
    /// Always the test source (pattern or tone).
    Test,
    /// This device (a V4L2 path or an ALSA name).
    Device(String),
}

/// Where the TV picture goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TvOutput {
    /// A window when a display exists, nothing otherwise.
    Auto,
    /// A window (or the console's screen through the video sink GStreamer picks).
    Window,
    /// The screen itself through KMS (`/dev/dri`), with no display server.
    Kms,
    /// Nothing: calls are answered with no picture on the box.
    None,
}

/// Where the caller's voice is played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioOutput {
    /// The default ALSA device when the box has a sound card, nothing otherwise.
    Auto,
    /// Nothing (decoded, measured, dropped).
    None,
    /// This ALSA device.
    Device(String),
}

#[derive(Debug, Clone)]
pub struct MediaConfig {
    pub video_source: Source,
    pub audio_source: Source,
    pub width: u32,
    pub height: u32,
    pub framerate: u32,
    pub video_bitrate_kbps: u32,
    /// H.264 encoders to try, best first.
    pub encoders: Vec<String>,
    pub tv_output: TvOutput,
    pub audio_output: AudioOutput,
    /// Extra local addresses for ICE; empty means "find them", adding
    /// loopback when it is the only interface up.
    pub ice_local_addresses: Vec<IpAddr>,
    /// The language of what the TV says.
    pub tv_language: TvLanguage,
}

/// What the box does to its microphone's sound before sending it (`[audio]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioConfig {
    /// Remove what the speaker plays from what the microphone hears.
    pub echo_cancellation: bool,
    /// Lower steady background noise (a fan, the street).
    pub noise_suppression: bool,
    /// Bring a quiet or loud voice to an even level.
    pub gain_control: bool,
}

#[derive(Debug, Clone)]
pub struct TurnConfig {
    /// `host:port` of the family's coturn (UDP and TCP).
    pub server: String,
    /// coturn's `static-auth-secret`, for TURN REST credentials.
    pub secret: String,
    /// How long handed-out credentials stay valid.
    pub credential_ttl_secs: u64,
    /// coturn's TLS port (`tls-listening-port`, usually 5349): callers get a
    /// `turns:` URL too, for networks that let only TLS out.
    pub tls_port: Option<u16>,
    /// The box's own side uses only relayed candidates, so callers never
    /// learn the box's addresses (and tests can force the relay path).
    pub relay_only: bool,
}

impl TurnConfig {
    /// The server's host name or address, without the port (an IPv6
    /// address keeps its brackets, as in a URL).
    pub fn host(&self) -> &str {
        self.server
            .rsplit_once(':')
            .map_or(self.server.as_str(), |(host, _)| host)
    }
}

// ---- the file as written ------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawConfig {
    web: RawWeb,
    state: RawState,
    media: RawMedia,
    audio: RawAudio,
    calls: RawCalls,
    turn: Option<RawTurn>,
    admin: RawAdmin,
    limits: RawLimits,
    tls: RawTls,
    relay: RawRelay,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawRelay {
    /// A PEM root to trust for the relay's certificate.
    trust: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawTls {
    /// "auto" (HTTPS unless listening on loopback), "on", "off".
    mode: Spanned<String>,
    certificate: Option<Spanned<String>>,
    key: Option<Spanned<String>>,
}

impl Default for RawTls {
    fn default() -> Self {
        Self {
            mode: Spanned::new(0..0, "auto".into()),
            certificate: None,
            key: None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawAdmin {
    /// CIDR ranges; absent means loopback, private, link-local and ULA.
    allowed_sources: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawWeb {
    listen: Spanned<String>,
    public_url: Option<Spanned<String>>,
}

impl Default for RawWeb {
    fn default() -> Self {
        Self {
            listen: Spanned::new(0..0, "127.0.0.1:8080".into()),
            public_url: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawState {
    dir: String,
}

impl Default for RawState {
    fn default() -> Self {
        Self {
            dir: "/var/lib/homecall".into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawMedia {
    video_source: String,
    audio_source: String,
    width: Spanned<u32>,
    height: Spanned<u32>,
    framerate: Spanned<u32>,
    video_bitrate_kbps: Spanned<u32>,
    encoders: Spanned<Vec<String>>,
    tv_output: Spanned<String>,
    audio_output: String,
    ice_local_addresses: Spanned<Vec<String>>,
    tv_language: TvLanguage,
}

impl Default for RawMedia {
    fn default() -> Self {
        let s = |v| Spanned::new(0..0, v);
        Self {
            video_source: "auto".into(),
            audio_source: "auto".into(),
            width: s(1280),
            height: s(720),
            framerate: s(30),
            video_bitrate_kbps: s(1500),
            encoders: Spanned::new(
                0..0,
                [
                    "v4l2h264enc",
                    "vah264enc",
                    "vaapih264enc",
                    "x264enc",
                    "openh264enc",
                ]
                .map(String::from)
                .to_vec(),
            ),
            tv_output: Spanned::new(0..0, "auto".into()),
            audio_output: "auto".into(),
            ice_local_addresses: Spanned::new(0..0, Vec::new()),
            tv_language: TvLanguage::default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawAudio {
    echo_cancellation: bool,
    noise_suppression: bool,
    gain_control: bool,
}

impl Default for RawAudio {
    fn default() -> Self {
        Self {
            echo_cancellation: true,
            noise_suppression: true,
            gain_control: true,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawCalls {
    max_participants: Spanned<usize>,
    auto_answer: bool,
    countdown_secs: Spanned<u32>,
    reconnect_grace_secs: Spanned<u64>,
    resume_window_secs: Spanned<u64>,
    connect_timeout_secs: Spanned<u64>,
    box_name: Option<Spanned<String>>,
}

impl Default for RawCalls {
    fn default() -> Self {
        let factory = AutoAnswer::default();
        Self {
            max_participants: Spanned::new(0..0, 2),
            auto_answer: factory.enabled,
            countdown_secs: Spanned::new(0..0, factory.countdown_secs),
            reconnect_grace_secs: Spanned::new(0..0, 20),
            resume_window_secs: Spanned::new(0..0, 300),
            connect_timeout_secs: Spanned::new(0..0, 20),
            box_name: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTurn {
    server: Spanned<String>,
    secret: Spanned<String>,
    #[serde(default = "default_ttl")]
    credential_ttl_secs: u64,
    #[serde(default)]
    tls_port: Option<Spanned<u16>>,
    #[serde(default)]
    relay_only: bool,
}

fn default_ttl() -> u64 {
    6 * 3600
}

// ---- validation -----------------------------------------------------------

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::parse(path, &read(path)?)
    }

    /// Validates `text` as if read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let invalid =
            |span: Option<Range<usize>>, reason: String| invalid_at(path, text, span, reason);
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| invalid(e.span(), e.message().to_owned()))?;
        let at = |span: Range<usize>| Some(span);

        let listen: SocketAddr = raw.web.listen.get_ref().parse().map_err(|_| {
            invalid(
                at(raw.web.listen.span()),
                format!(
                    "listen = {:?} is not an address and port like \"127.0.0.1:8080\"",
                    raw.web.listen.get_ref()
                ),
            )
        })?;
        let tls = match raw.tls.mode.get_ref().as_str() {
            "on" => true,
            "auto" => !listen.ip().is_loopback(),
            "off" if listen.ip().is_loopback() => false,
            "off" => {
                return Err(invalid(
                    at(raw.tls.mode.span()),
                    "tls mode = \"off\" is only for a box listening on loopback: \
                     browsers give the camera only to a secure page"
                        .into(),
                ))
            }
            other => {
                return Err(invalid(
                    at(raw.tls.mode.span()),
                    format!("tls mode = {other:?}: expected \"auto\", \"on\" or \"off\""),
                ))
            }
        };
        let state_dir = PathBuf::from(&raw.state.dir);
        let tls = match (&raw.tls.certificate, &raw.tls.key) {
            _ if !tls => None,
            (Some(certificate), Some(key)) => Some(CertificateSource::Files {
                certificate: PathBuf::from(certificate.get_ref()),
                key: PathBuf::from(key.get_ref()),
            }),
            (None, None) => Some(CertificateSource::SelfSigned {
                dir: state_dir.join("tls"),
                names: certificate_names(listen),
            }),
            (Some(one), None) | (None, Some(one)) => {
                return Err(invalid(
                    at(one.span()),
                    "tls needs both certificate and key (or neither, for a self-signed one)".into(),
                ))
            }
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let public_url = match &raw.web.public_url {
            Some(url) => {
                let u = url.get_ref().trim_end_matches('/');
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    return Err(invalid(
                        at(url.span()),
                        "public_url must start with http:// or https://".into(),
                    ));
                }
                u.to_owned()
            }
            None if listen.ip().is_unspecified() => {
                // Listening everywhere: the box's name on the home network.
                format!("{scheme}://{}.local:{}", host_name(), listen.port())
            }
            None => format!("{scheme}://{listen}"),
        };

        let m = &raw.media;
        let positive = |v: &Spanned<u32>, name: &str, max: u32| {
            let n = *v.get_ref();
            if n == 0 || n > max {
                Err(invalid(
                    at(v.span()),
                    format!("{name} must be between 1 and {max}"),
                ))
            } else {
                Ok(n)
            }
        };
        let width = positive(&m.width, "width", 3840)?;
        let height = positive(&m.height, "height", 2160)?;
        if width % 2 != 0 || height % 2 != 0 {
            return Err(invalid(
                at(m.width.span()),
                "width and height must be even numbers".into(),
            ));
        }
        let framerate = positive(&m.framerate, "framerate", 60)?;
        let video_bitrate_kbps = positive(&m.video_bitrate_kbps, "video_bitrate_kbps", 20_000)?;
        if m.encoders.get_ref().is_empty() {
            return Err(invalid(
                at(m.encoders.span()),
                "encoders must name at least one H.264 encoder".into(),
            ));
        }
        let tv_output = match m.tv_output.get_ref().as_str() {
            "auto" => TvOutput::Auto,
            "window" => TvOutput::Window,
            "kms" => TvOutput::Kms,
            "none" => TvOutput::None,
            other => {
                return Err(invalid(
                    at(m.tv_output.span()),
                    format!(
                        "tv_output = {other:?}: expected \"auto\", \"window\", \"kms\" or \"none\""
                    ),
                ))
            }
        };
        let ice_local_addresses = m
            .ice_local_addresses
            .get_ref()
            .iter()
            .map(|a| {
                a.parse().map_err(|_| {
                    invalid(
                        at(m.ice_local_addresses.span()),
                        format!("{a:?} in ice_local_addresses is not an IP address"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;

        let max_participants = *raw.calls.max_participants.get_ref();
        if !(2..=4).contains(&max_participants) {
            return Err(invalid(
                at(raw.calls.max_participants.span()),
                "max_participants counts the box too: it must be 2, 3 or 4".into(),
            ));
        }

        let reconnect_grace_secs = *raw.calls.reconnect_grace_secs.get_ref();
        if !(1..=300).contains(&reconnect_grace_secs) {
            return Err(invalid(
                at(raw.calls.reconnect_grace_secs.span()),
                "reconnect_grace_secs must be between 1 and 300 seconds".into(),
            ));
        }
        let resume_window_secs = *raw.calls.resume_window_secs.get_ref();
        if resume_window_secs > 3600 {
            return Err(invalid(
                at(raw.calls.resume_window_secs.span()),
                "resume_window_secs must be at most 3600 seconds (an hour)".into(),
            ));
        }

        let connect_timeout_secs = *raw.calls.connect_timeout_secs.get_ref();
        if !(2..=120).contains(&connect_timeout_secs) {
            return Err(invalid(
                at(raw.calls.connect_timeout_secs.span()),
                "connect_timeout_secs must be between 2 and 120 seconds".into(),
            ));
        }

        let box_name = match &raw.calls.box_name {
            None => None,
            Some(name) => {
                let trimmed = name.get_ref().trim();
                if trimmed.is_empty()
                    || trimmed.chars().count() > 40
                    || trimmed.chars().any(char::is_control)
                {
                    return Err(invalid(
                        at(name.span()),
                        "box_name must be 1 to 40 characters, on one line".into(),
                    ));
                }
                Some(trimmed.to_owned())
            }
        };

        let auto_answer = AutoAnswer {
            enabled: raw.calls.auto_answer,
            countdown_secs: *raw.calls.countdown_secs.get_ref(),
            quiet_hours: None,
        };
        auto_answer
            .validate()
            .map_err(|e| invalid(at(raw.calls.countdown_secs.span()), e.to_string()))?;

        let turn = match raw.turn {
            None => None,
            Some(t) => {
                if t.secret.get_ref().is_empty() {
                    return Err(invalid(at(t.secret.span()), "turn secret is empty".into()));
                }
                let host_and_port = t.server.get_ref().rsplit_once(':');
                let port = host_and_port.and_then(|(_, port)| port.parse::<u16>().ok());
                if host_and_port.is_none_or(|(host, _)| host.is_empty())
                    || port.is_none_or(|p| p == 0)
                {
                    return Err(invalid(
                        at(t.server.span()),
                        "turn server must be host:port, like \"turn.example.org:3478\"".into(),
                    ));
                }
                if let Some(tls_port) = t.tls_port.as_ref().filter(|p| *p.get_ref() == 0) {
                    return Err(invalid(
                        at(tls_port.span()),
                        "turn tls_port must be between 1 and 65535, like 5349".into(),
                    ));
                }
                Some(TurnConfig {
                    server: t.server.into_inner(),
                    secret: t.secret.into_inner(),
                    credential_ttl_secs: t.credential_ttl_secs,
                    tls_port: t.tls_port.map(Spanned::into_inner),
                    relay_only: t.relay_only,
                })
            }
        };

        let admin_sources = match &raw.admin.allowed_sources {
            None => AllowList::default(),
            Some(list) => AllowList::parse(list.get_ref())
                .map_err(|e| invalid(at(list.span()), format!("allowed_sources: {e}")))?,
        };

        let limits = raw
            .limits
            .validate()
            .map_err(|(span, reason)| invalid(at(span), reason))?;

        Ok(Config {
            web: WebConfig {
                listen,
                public_url,
                tls,
            },
            state_dir,
            media: MediaConfig {
                video_source: source(&m.video_source),
                audio_source: source(&m.audio_source),
                width,
                height,
                framerate,
                video_bitrate_kbps,
                encoders: m.encoders.get_ref().clone(),
                tv_output,
                audio_output: match m.audio_output.as_str() {
                    "auto" => AudioOutput::Auto,
                    "none" => AudioOutput::None,
                    dev => AudioOutput::Device(dev.to_owned()),
                },
                ice_local_addresses,
                tv_language: m.tv_language,
            },
            audio: AudioConfig {
                echo_cancellation: raw.audio.echo_cancellation,
                noise_suppression: raw.audio.noise_suppression,
                gain_control: raw.audio.gain_control,
            },
            max_participants,
            reconnect_grace_secs,
            resume_window_secs,
            connect_timeout_secs,
            box_name,
            factory_settings: Settings {
                auto_answer,
                tv_language: Some(m.tv_language),
                quality: Some(Quality {
                    width,
                    height,
                    framerate,
                    max_bitrate_kbps: video_bitrate_kbps,
                }),
                devices: Devices::default(),
            },
            turn,
            admin_sources,
            limits,
            relay_trust: raw.relay.trust.map(PathBuf::from),
        })
    }
}

fn source(s: &str) -> Source {
    match s {
        "auto" => Source::Auto,
        "test" => Source::Test,
        dev => Source::Device(dev.to_owned()),
    }
}

/// The names a self-signed certificate is made for: the box's names on the
/// home network, loopback, and the address it listens on when it names one.
fn certificate_names(listen: SocketAddr) -> Vec<String> {
    let host = host_name();
    let mut names = vec![
        format!("{host}.local"),
        host,
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if !listen.ip().is_unspecified() && !listen.ip().is_loopback() {
        names.push(listen.ip().to_string());
    }
    names
}

/// This machine's host name, for links when no `public_url` is set.
fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or_else(|| "homecall".to_owned())
}

/// The text of the configuration file at `path`.
pub(crate) fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })
}

/// The error for a bad value at `span` (a byte range) of `text`, read from `path`.
pub(crate) fn invalid_at(
    path: &Path,
    text: &str,
    span: Option<Range<usize>>,
    reason: String,
) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_owned(),
        line: span.map_or(1, |s| line_of(text, s.start)),
        reason,
    }
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |head| head.bytes().filter(|&b| b == b'\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("box.toml"), text)
    }

    fn error(text: &str) -> String {
        parse(text).expect_err("must be refused").to_string()
    }

    #[test]
    fn empty_file_gives_appliance_defaults() {
        let c = parse("").expect("defaults are valid");
        assert_eq!(c.web.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.web.public_url, "http://127.0.0.1:8080");
        assert_eq!(c.max_participants, 2);
        assert_eq!(c.media.video_source, Source::Auto);
        assert_eq!((c.media.width, c.media.height), (1280, 720));
        assert!(c.turn.is_none());
        assert_eq!(c.limits, Limits::default());
    }

    #[test]
    fn https_unless_on_loopback_and_never_plain_elsewhere() {
        let c = parse("[web]\nlisten = \"0.0.0.0:8443\"\n").expect("valid");
        assert!(matches!(
            c.web.tls,
            Some(CertificateSource::SelfSigned { .. })
        ));
        assert!(
            c.web.public_url.starts_with("https://"),
            "{}",
            c.web.public_url
        );
        let c = parse("").expect("valid");
        assert!(c.web.tls.is_none(), "plain on loopback, for development");
        let c = parse("[tls]\nmode = \"on\"\ncertificate = \"/c.pem\"\nkey = \"/k.pem\"\n")
            .expect("valid");
        assert_eq!(
            c.web.tls,
            Some(CertificateSource::Files {
                certificate: "/c.pem".into(),
                key: "/k.pem".into()
            })
        );
        assert_eq!(c.web.public_url, "https://127.0.0.1:8080");
        assert!(
            error("[web]\nlisten = \"0.0.0.0:80\"\n[tls]\nmode = \"off\"\n").starts_with(
                "box.toml, line 4: tls mode = \"off\" is only for a box listening on loopback"
            )
        );
        assert!(error("[tls]\nmode = \"on\"\nkey = \"/k.pem\"\n")
            .starts_with("box.toml, line 3: tls needs both certificate and key"));
    }

    #[test]
    fn voice_processing_is_on_unless_switched_off() {
        let on = AudioConfig {
            echo_cancellation: true,
            noise_suppression: true,
            gain_control: true,
        };
        assert_eq!(parse("").expect("valid").audio, on);
        let c = parse(
            "[audio]
echo_cancellation = false
gain_control = false
",
        )
        .expect("valid");
        assert_eq!(
            c.audio,
            AudioConfig {
                echo_cancellation: false,
                gain_control: false,
                ..on
            }
        );
        assert!(error(
            "[audio]

noise_suppression = \"yes\"\n"
        )
        .starts_with("box.toml, line 3"));
        assert!(error(
            "[audio]
echo_canceller = true
"
        )
        .contains("line 2"));
    }

    #[test]
    fn limits_can_be_set() {
        let c =
            parse("[limits]\nsockets_per_source = 2\nheader_timeout_secs = 3\n").expect("valid");
        assert_eq!(c.limits.sockets_per_source, 2);
        assert_eq!(c.limits.header_timeout, std::time::Duration::from_secs(3));
        assert_eq!(c.limits.connections, Limits::default().connections);
    }

    #[test]
    fn dev_config_in_the_repository_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/dev.toml");
        let c = Config::load(&path).expect("config/dev.toml is valid");
        assert_eq!(c.web.listen.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn appliance_config_in_the_repository_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/homecall.toml");
        let c = Config::load(&path).expect("config/homecall.toml is valid");
        assert!(c.web.listen.ip().is_unspecified());
        assert!(
            c.web.public_url.starts_with("https://"),
            "{}",
            c.web.public_url
        );
        assert!(c.web.public_url.ends_with(":8443"), "{}", c.web.public_url);
        assert!(matches!(
            c.web.tls,
            Some(CertificateSource::SelfSigned { .. })
        ));
        assert!(
            !c.web.public_url.contains("0.0.0.0"),
            "{}",
            c.web.public_url
        );
    }

    #[test]
    fn errors_name_file_line_and_reason() {
        assert_eq!(
            error("[web]\n\nlisten = \"nowhere\"\n"),
            "box.toml, line 3: listen = \"nowhere\" is not an address and port like \"127.0.0.1:8080\""
        );
        assert_eq!(
            error("[calls]\nmax_participants = 9\n"),
            "box.toml, line 2: max_participants counts the box too: it must be 2, 3 or 4"
        );
        assert!(error("[media]\nwidth = 641\n").starts_with("box.toml, line 2: width and height"));
        assert!(error("[media]\nframerate = 0\n").starts_with("box.toml, line 2: framerate"));
        assert!(error("[media]\ntv_output = \"tv\"\n").contains("line 2: tv_output"));
        assert!(error("[calls]\n\ncountdown_secs = 30\n").contains("line 3: the countdown"));
        assert!(error("[admin]\nallowed_sources = [\"10.0.0.0/33\"]\n")
            .contains("line 2: allowed_sources"));
        assert!(error("[web]\npublic_url = \"ftp://x\"\n").contains("line 2: public_url"));
        assert!(
            error("[turn]\nserver = \"t:3478\"\nsecret = \"\"\n").contains("line 3: turn secret")
        );
        assert!(error("\n[media]\nice_local_addresses = [\"x\"]\n").contains("line 3:"));
        assert_eq!(
            error("[limits]\nconnections = 64\nconnections_per_source = 64\n"),
            "box.toml, line 3: connections_per_source must be below connections, so one source cannot fill the box"
        );
        assert!(error("[limits]\n\nheader_timeout_secs = 0\n")
            .starts_with("box.toml, line 3: header_timeout_secs must be between 1 and 300"));
    }

    #[test]
    fn turn_takes_tls_port_and_relay_only() {
        let c =
            parse("[turn]\nserver = \"turn.example.org:3478\"\nsecret = \"s\"\n").expect("valid");
        let t = c.turn.expect("turn configured");
        assert_eq!(t.tls_port, None);
        assert!(!t.relay_only, "the box gathers every candidate unless told");
        assert_eq!(t.credential_ttl_secs, 6 * 3600);
        assert_eq!(t.host(), "turn.example.org");

        let c = parse(
            "[turn]\nserver = \"[2001:db8::1]:3478\"\nsecret = \"s\"\n\
             tls_port = 5349\nrelay_only = true\ncredential_ttl_secs = 60\n",
        )
        .expect("valid");
        let t = c.turn.expect("turn configured");
        assert_eq!(t.tls_port, Some(5349));
        assert!(t.relay_only);
        assert_eq!(t.credential_ttl_secs, 60);
        assert_eq!(t.host(), "[2001:db8::1]");
    }

    #[test]
    fn turn_errors_name_their_line() {
        for server in [
            "turn.example.org",
            ":3478",
            "t:",
            "t:http",
            "t:0",
            "t:70000",
        ] {
            let e = error(&format!("[turn]\nsecret = \"s\"\nserver = \"{server}\"\n"));
            assert_eq!(
                e,
                "box.toml, line 3: turn server must be host:port, like \"turn.example.org:3478\"",
                "{server}"
            );
        }
        assert_eq!(
            error("[turn]\nserver = \"t:3478\"\nsecret = \"s\"\n\ntls_port = 0\n"),
            "box.toml, line 5: turn tls_port must be between 1 and 65535, like 5349"
        );
        assert!(
            error("[turn]\nserver = \"t:3478\"\nsecret = \"s\"\ntls_port = 65536\n")
                .starts_with("box.toml, line 4:")
        );
        assert!(
            error("[turn]\nserver = \"t:3478\"\nsecret = \"s\"\nrelay_only = \"yes\"\n")
                .starts_with("box.toml, line 4:")
        );
        assert!(error("[turn]\nsecret = \"s\"\n").contains("missing field `server`"));
    }

    #[test]
    fn unknown_keys_and_bad_syntax_are_refused_with_their_line() {
        let e = error("[web]\nlisten = \"127.0.0.1:1\"\nlistne = 2\n");
        assert!(
            e.starts_with("box.toml, line 3: unknown field `listne`"),
            "{e}"
        );
        let e = error("[media]\nwidth = \"wide\"\n");
        assert!(e.starts_with("box.toml, line 2:"), "{e}");
        let e = error("[media\n");
        assert!(e.starts_with("box.toml, line 1:"), "{e}");
    }
}
