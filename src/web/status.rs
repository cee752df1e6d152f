//! `/api/status`: the box's technical state as JSON, for the admin page, the
//! benchmarks and the tests. Session ids and figures only: nothing personal.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::AppState;
use crate::device::{Phase, Status, Summary};

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    state: StateView,
    calls: Vec<CallView>,
    remote: Option<RemoteView>,
    encoder: &'static str,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum StateView {
    Waiting,
    Connecting,
    InCall,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct CallView {
    session: String,
    phase: StateView,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct RemoteView {
    video_frames: u64,
    width: u32,
    height: u32,
    mean_rgb: [u8; 3],
    audio_buffers: u64,
    audio_frequency_hz: f64,
    audio_rms: f64,
}

impl From<Status> for StatusView {
    fn from(s: Status) -> Self {
        Self {
            state: match s.summary {
                Summary::Waiting => StateView::Waiting,
                Summary::Connecting => StateView::Connecting,
                Summary::InCall => StateView::InCall,
            },
            calls: s
                .calls
                .into_iter()
                .map(|(session, phase)| CallView {
                    session: session.to_string(),
                    phase: match phase {
                        Phase::Connecting => StateView::Connecting,
                        Phase::InCall => StateView::InCall,
                    },
                })
                .collect(),
            remote: s.remote.map(|r| RemoteView {
                video_frames: r.video_frames,
                width: r.width,
                height: r.height,
                mean_rgb: r.mean_rgb,
                audio_buffers: r.audio_buffers,
                audio_frequency_hz: (r.audio_frequency_hz * 10.0).round() / 10.0,
                audio_rms: (r.audio_rms * 1000.0).round() / 1000.0,
            }),
            encoder: s.encoder,
        }
    }
}

pub async fn status(State(state): State<AppState>) -> Response {
    match state.device.status().await {
        Some(status) => Json(StatusView::from(status)).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "the box is shutting down").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::SessionId;
    use serde_json::json;

    #[test]
    fn status_json_is_pinned() {
        let view = StatusView::from(Status {
            summary: Summary::InCall,
            calls: vec![(SessionId::new("ab"), Phase::InCall)],
            remote: None,
            encoder: "x264enc",
        });
        assert_eq!(
            serde_json::to_value(&view).expect("json"),
            json!({"state": "inCall", "calls": [{"session": "ab", "phase": "inCall"}],
                   "remote": null, "encoder": "x264enc"})
        );
    }
}
