//! `/api/status`: the box's technical state as JSON, for the benchmarks, the
//! tests and monitoring on the home network (answered only there, like the
//! admin page): phases and figures only, no names and no session ids. The
//! admin API adds those for a logged-in admin.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::AppState;
use crate::device::{Phase, Status, Summary};
use crate::media::{CallStats, CaptureHealth, Input, InputHealth};

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    state: StateView,
    calls: Vec<CallView>,
    remote: Option<RemoteView>,
    encoder: &'static str,
    /// What the camera and the microphone send, and why.
    capture: CaptureView,
    /// Elements in the media pipeline: the same while waiting after every
    /// call (the soak benchmark watches it for leaks).
    pipeline_elements: usize,
    /// Only for the logged-in admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    /// How the call in progress is going: only for the logged-in admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    call: Option<CallStatsView>,
    /// SHA-256 of the HTTPS certificate: only for the logged-in admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate_fingerprint: Option<String>,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CallStatsView {
    rtt_ms: Option<f64>,
    /// Percent of the box's packets the caller lost lately.
    loss_percent: Option<f64>,
    packets_lost_received: i64,
    kbps_sent: Option<f64>,
    kbps_received: Option<f64>,
}

impl From<CallStats> for CallStatsView {
    fn from(s: CallStats) -> Self {
        let round = |v: f64| (v * 10.0).round() / 10.0;
        Self {
            rtt_ms: s.rtt_ms.map(round),
            loss_percent: s.loss_sent.map(|l| round(l * 100.0)),
            packets_lost_received: s.packets_lost_received,
            kbps_sent: s.kbps_sent.map(round),
            kbps_received: s.kbps_received.map(round),
        }
    }
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct CaptureView {
    camera: InputView,
    microphone: InputView,
}

/// One input: its state, the device, why it failed, and all that in a sentence.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct InputView {
    state: InputState,
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// Whether callers get the placeholder (a still picture, silence).
    placeholder: bool,
    message: String,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum InputState {
    Test,
    NotFound,
    Idle,
    Starting,
    Working,
    Missing,
    Failed,
}

impl InputView {
    fn new(input: Input, health: InputHealth) -> Self {
        let message = health.sentence(input);
        let placeholder = health.is_placeholder();
        let (state, device, reason) = match health {
            InputHealth::Test => (InputState::Test, None, None),
            InputHealth::NotFound => (InputState::NotFound, None, None),
            InputHealth::Idle { device } => (InputState::Idle, Some(device), None),
            InputHealth::Starting { device } => (InputState::Starting, Some(device), None),
            InputHealth::Working { device } => (InputState::Working, Some(device), None),
            InputHealth::Missing { device } => (InputState::Missing, Some(device), None),
            InputHealth::Failed { device, reason } => {
                (InputState::Failed, Some(device), Some(reason))
            }
        };
        Self {
            state,
            device,
            reason,
            placeholder,
            message,
        }
    }
}

impl CaptureView {
    fn new(health: &CaptureHealth) -> Self {
        Self {
            camera: InputView::new(Input::Camera, health.get(Input::Camera)),
            microphone: InputView::new(Input::Microphone, health.get(Input::Microphone)),
        }
    }
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum StateView {
    Waiting,
    Ringing,
    Connecting,
    InCall,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct CallView {
    /// The session id resumes a call (with the link): only for the admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<String>,
    phase: StateView,
    /// Who is calling: only for the logged-in admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct RemoteView {
    video_frames: u64,
    width: u32,
    height: u32,
    /// Pictures a second received, averaged since the first.
    framerate: f64,
    mean_rgb: [u8; 3],
    audio_buffers: u64,
    audio_frequency_hz: f64,
    audio_rms: f64,
}

impl StatusView {
    /// The technical status anyone on the network may read: no names.
    pub fn public(s: Status, capture: &CaptureHealth) -> Self {
        Self::build(s, capture, false)
    }

    /// The status for the logged-in admin: who is calling, how the call
    /// goes, the version and the certificate's fingerprint.
    pub fn for_admin(
        s: Status,
        capture: &CaptureHealth,
        call: Option<CallStats>,
        fingerprint: Option<String>,
    ) -> Self {
        Self {
            call: call.map(CallStatsView::from),
            certificate_fingerprint: fingerprint,
            ..Self::build(s, capture, true)
        }
    }

    fn build(s: Status, capture: &CaptureHealth, admin: bool) -> Self {
        Self {
            state: match s.summary {
                Summary::Waiting => StateView::Waiting,
                Summary::Ringing => StateView::Ringing,
                Summary::Connecting => StateView::Connecting,
                Summary::InCall => StateView::InCall,
            },
            calls: s
                .calls
                .into_iter()
                .filter_map(|call| {
                    // A page still asking its person to press Call is not a call yet.
                    let phase = match call.phase {
                        Phase::Asking => return None,
                        Phase::Ringing => StateView::Ringing,
                        Phase::Connecting => StateView::Connecting,
                        Phase::InCall => StateView::InCall,
                    };
                    Some(CallView {
                        session: admin.then(|| call.session.to_string()),
                        phase,
                        label: admin.then_some(call.link.label),
                    })
                })
                .collect(),
            remote: s.remote.map(|r| RemoteView {
                video_frames: r.video_frames,
                width: r.width,
                height: r.height,
                framerate: (r.framerate() * 10.0).round() / 10.0,
                mean_rgb: r.mean_rgb,
                audio_buffers: r.audio_buffers,
                audio_frequency_hz: (r.audio_frequency_hz * 10.0).round() / 10.0,
                audio_rms: (r.audio_rms * 1000.0).round() / 1000.0,
            }),
            encoder: s.encoder,
            capture: CaptureView::new(capture),
            pipeline_elements: s.pipeline_elements,
            version: admin
                .then(|| format!("HomeCall {} on {}", env!("CARGO_PKG_VERSION"), s.gstreamer)),
            call: None,
            certificate_fingerprint: None,
        }
    }
}

pub async fn status(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = super::guard::from_home_network(&state, peer, &headers) {
        return refusal.into_response();
    }
    match state.device.status().await {
        Some(status) => Json(StatusView::public(status, &state.capture)).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "the box is shutting down").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Call, LinkRef, SessionId};
    use serde_json::json;

    #[test]
    fn status_json_is_pinned() {
        let status = || Status {
            summary: Summary::InCall,
            calls: vec![Call::new(
                SessionId::new("ab"),
                Phase::InCall,
                LinkRef {
                    id: "L".into(),
                    label: "Anna".into(),
                    one_time: false,
                },
            )],
            remote: None,
            encoder: "x264enc",
            gstreamer: "GStreamer 1.22.0".into(),
            default_camera: None,
            default_microphone: None,
            pipeline_elements: 12,
        };
        let capture = CaptureHealth::new(
            InputHealth::Failed {
                device: "/dev/video0".into(),
                reason: "Cannot identify device '/dev/video0'.".into(),
            },
            InputHealth::NotFound,
        );
        let capture_json = json!({
            "camera": {"state": "failed", "device": "/dev/video0",
                       "reason": "Cannot identify device '/dev/video0'.", "placeholder": true,
                       "message": "camera /dev/video0 failed: Cannot identify device '/dev/video0'; callers get a still picture"},
            "microphone": {"state": "notFound", "placeholder": true,
                           "message": "no microphone found: callers get silence"}});
        assert_eq!(
            serde_json::to_value(StatusView::public(status(), &capture)).expect("json"),
            json!({"state": "inCall", "calls": [{"phase": "inCall"}],
                   "remote": null, "encoder": "x264enc", "capture": capture_json,
                   "pipelineElements": 12}),
            "no names or session ids for the public"
        );
        assert_eq!(
            serde_json::to_value(StatusView::for_admin(
                status(),
                &capture,
                None,
                Some("AB:CD".into())
            ))
            .expect("json"),
            json!({"state": "inCall", "calls": [{"session": "ab", "phase": "inCall", "label": "Anna"}],
                   "remote": null, "encoder": "x264enc", "capture": capture_json,
                   "pipelineElements": 12,
                   "version": format!("HomeCall {} on GStreamer 1.22.0", env!("CARGO_PKG_VERSION")),
                   "certificateFingerprint": "AB:CD"})
        );
    }
}
