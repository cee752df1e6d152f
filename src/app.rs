//! `homecall run`: builds the box from its configuration and runs it until
//! SIGTERM. Start-up order: logging, GStreamer and its plugins, hardware,
//! encoder, media engine, device, web server, then "ready" to systemd.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::admin::{Credentials, LoginThrottle, Sessions, SetupCode};
use crate::config::{AudioOutput, Config, Source, TvOutput};
use crate::device::{DeviceHandle, DeviceSettings};
use crate::history::CallHistory;
use crate::links::LinkBook;
use crate::media::{
    self, CaptureSettings, CaptureSource, MediaEngine, MediaSettings, Screen, Speaker,
};
use crate::settings::SettingsStore;
use crate::{hw, system, web};

pub fn run(config: Config) -> anyhow::Result<()> {
    system::init_logging();
    runtime()?.block_on(serve(config))
}

/// The web server's runtime: two workers (a Pi has four cores; GStreamer
/// and the device actor have threads of their own).
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let gst_version = media::init()?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), gstreamer = %gst_version, "starting");

    let certificate = match &config.web.tls {
        Some(source) => {
            let certificate = crate::tls::Certificate::load(source)
                .context("cannot set up HTTPS (no plain-text fall-back)")?;
            tracing::info!(
                fingerprint = %certificate.fingerprint,
                self_signed = certificate.self_signed,
                "HTTPS certificate"
            );
            Some(certificate)
        }
        None => {
            tracing::warn!(address = %config.web.listen, "plain HTTP on loopback, for development");
            None
        }
    };
    let state = web_state(&config, certificate.as_ref())?;
    let device = state.device.clone();
    if let Some(code) = &state.admin.setup_code {
        tracing::warn!(
            "first set-up: open /admin on the home network and enter the set-up code {code}"
        );
        device.set_setup_code(Some(code.to_string())).await;
    }
    let relay = state.relay.clone();
    tokio::spawn(web::tunnel_client::keep_connected(relay, state.clone()));

    let listener = tokio::net::TcpListener::bind(config.web.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.web.listen))?;
    tracing::info!(
        address = %config.web.listen,
        ready_ms = started.elapsed().as_millis() as u64,
        "listening"
    );
    system::notify_ready();
    let watched = device.clone();
    system::feed_watchdog(move || {
        let device = watched.clone();
        async move {
            tokio::time::timeout(Duration::from_secs(2), device.status())
                .await
                .is_ok_and(|status| status.is_some())
        }
    });

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown_state = state.clone();
    let stopping = device.clone();
    let stopper = tokio::spawn(async move {
        system::terminated().await;
        tracing::info!("stopping: ending calls");
        stopping.shutdown().await;
        shutdown_state.sockets_closed(Duration::from_secs(2)).await;
        let _ = stop_tx.send(());
    });
    web::serve(listener, state, certificate.as_ref(), async {
        let _ = stop_rx.await;
    })
    .await
    .context("web server failed")?;
    stopper.abort();
    device.stopped(Duration::from_secs(5)).await;
    tracing::info!("stopped");
    Ok(())
}

/// The device (its media engine started, its actor running) and everything
/// else the web server is built from, as `homecall run` makes them; the
/// signalling unit tests build theirs here too.
pub(crate) fn web_state(
    config: &Config,
    certificate: Option<&crate::tls::Certificate>,
) -> anyhow::Result<web::AppState> {
    let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = MediaEngine::start(media_settings(config)?, events_tx)?;
    let capture = engine.capture_health();
    let settings = SettingsStore::open(&config.state_dir, config.factory_settings.clone());
    let history = CallHistory::open(&config.state_dir);
    let device = DeviceHandle::spawn(
        DeviceSettings {
            max_participants: config.max_participants,
            turn: config.turn.clone(),
            settings: settings.clone(),
            history: history.clone(),
            ice_local_addresses: config.media.ice_local_addresses.clone(),
            candidates: config.limits.candidates(),
            reconnect_grace: std::time::Duration::from_secs(config.reconnect_grace_secs),
            press_wait: crate::device::PRESS_WAIT,
            resume_window_secs: config.resume_window_secs,
            connect_limit: std::time::Duration::from_secs(config.connect_timeout_secs),
            state_dir: Some(config.state_dir.clone()),
            box_name: config.box_name.clone(),
            tv_language: config.media.tv_language,
        },
        engine,
        events_rx,
    )
    .context("cannot start the device")?;
    let admin = admin_state(config, certificate)?;
    let relay =
        web::tunnel_client::RelayLink::open(&config.state_dir, config.relay_trust.as_deref())
            .map_err(anyhow::Error::msg)
            .context("cannot read the relay pairing")?;
    Ok(web::AppState::new(web::Parts {
        device,
        links: LinkBook::open(&config.state_dir),
        settings,
        history,
        admin,
        public_url: config.web.public_url.clone(),
        relay,
        limits: config.limits.clone(),
        capture,
    }))
}

/// The admin's credentials, sessions and rules; a set-up code while no password exists.
fn admin_state(
    config: &Config,
    certificate: Option<&crate::tls::Certificate>,
) -> anyhow::Result<web::AdminState> {
    let credentials = Credentials::new(&config.state_dir);
    let setup_code = if credentials.is_set_up()? {
        None
    } else {
        Some(SetupCode::generate()?)
    };
    let public_host = config
        .web
        .public_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .map(str::to_ascii_lowercase);
    let local_name = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| format!("{}.local", h.trim().to_ascii_lowercase()));
    Ok(web::AdminState {
        credentials,
        sessions: Sessions::new(),
        throttle: LoginThrottle::new(),
        allowed: config.admin_sources.clone(),
        setup_code,
        https: certificate.is_some() || config.web.public_url.starts_with("https://"),
        certificate_fingerprint: certificate.map(|c| c.fingerprint.clone()),
        names: public_host.into_iter().chain(local_name).collect(),
        password_checks: tokio::sync::Semaphore::new(2),
        network: crate::netcheck::NetworkCheck::new(config.turn.clone()),
    })
}

/// Turns the configuration and the hardware found into the media settings.
fn media_settings(config: &Config) -> anyhow::Result<MediaSettings> {
    let m = &config.media;
    let video = match &m.video_source {
        Source::Test => CaptureSource::Test,
        Source::Device(path) => CaptureSource::Device(path.clone()),
        Source::Auto => match hw::cameras().into_iter().next() {
            Some(camera) => {
                tracing::info!(camera = %camera.name, path = %camera.path, "camera found");
                CaptureSource::Device(camera.path)
            }
            None => {
                tracing::warn!("no camera found: sending a still picture instead");
                CaptureSource::Missing
            }
        },
    };
    let audio = match &m.audio_source {
        Source::Test => CaptureSource::Test,
        Source::Device(name) => CaptureSource::Device(name.clone()),
        Source::Auto => match hw::capture_devices().into_iter().next() {
            Some(mic) => {
                tracing::info!(microphone = %mic.description, device = %mic.name, "microphone found");
                CaptureSource::Device(mic.name)
            }
            None => {
                tracing::warn!("no microphone found: sending silence instead");
                CaptureSource::Missing
            }
        },
    };
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let has_kms = std::path::Path::new("/dev/dri/card0").exists();
    let screen = match m.tv_output {
        TvOutput::Window => Screen::Window,
        TvOutput::Kms => Screen::Kms,
        TvOutput::Auto if has_display => Screen::Window,
        TvOutput::Auto if has_kms => Screen::Kms,
        TvOutput::Auto | TvOutput::None => Screen::None,
    };
    if screen == Screen::None {
        tracing::info!("no display: running headless");
    }
    let speaker = match &m.audio_output {
        AudioOutput::None => Speaker::None,
        AudioOutput::Device(name) => Speaker::Alsa(name.clone()),
        AudioOutput::Auto if hw::has_playback_device() => Speaker::Auto,
        AudioOutput::Auto => {
            tracing::warn!("no speaker found: the caller's voice is not played");
            Speaker::None
        }
    };
    let encoder = media::encoder::choose(&m.encoders, m.video_bitrate_kbps, m.framerate)?;
    Ok(MediaSettings {
        capture: CaptureSettings {
            video,
            audio,
            width: m.width,
            height: m.height,
            framerate: m.framerate,
            video_bitrate_kbps: m.video_bitrate_kbps,
            encoder,
            voice: media::VoiceProcessing {
                echo_cancellation: config.audio.echo_cancellation,
                noise_suppression: config.audio.noise_suppression,
                gain_control: config.audio.gain_control,
            },
        },
        screen,
        speaker,
    })
}
