//! The cameras, microphones and speaker the box has, for the admin to choose from.

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use super::{blocking, AdminSession, ApiError};
use crate::hw;
use crate::settings::Devices;
use crate::web::AppState;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceList {
    cameras: Vec<CameraView>,
    microphones: Vec<MicrophoneView>,
    /// Whether any sound card can play the caller's voice.
    speaker: bool,
    /// What "automatic" uses now (`null`: a test pattern or tone, as no device was found).
    automatic: Devices,
}

#[derive(Serialize)]
struct CameraView {
    path: String,
    name: String,
}

#[derive(Serialize)]
struct MicrophoneView {
    name: String,
    description: String,
}

pub async fn list(
    State(state): State<AppState>,
    _session: AdminSession,
) -> Result<Json<DeviceList>, ApiError> {
    let (cameras, microphones, speaker) = blocking(|| {
        (
            hw::cameras(),
            hw::capture_devices(),
            hw::has_playback_device(),
        )
    })
    .await?;
    let status = state
        .device
        .status()
        .await
        .ok_or_else(|| ApiError::Internal("the device is stopping".into()))?;
    Ok(Json(DeviceList {
        cameras: cameras
            .into_iter()
            .map(|c| CameraView {
                path: c.path,
                name: c.name,
            })
            .collect(),
        microphones: microphones
            .into_iter()
            .map(|m| MicrophoneView {
                name: m.name,
                description: m.description,
            })
            .collect(),
        speaker,
        automatic: Devices {
            camera: status.default_camera,
            microphone: status.default_microphone,
        },
    }))
}

/// Refuses a newly chosen camera or microphone the box does not have.
pub async fn check_choice(devices: &Devices, before: &Devices) -> Result<(), ApiError> {
    let wanted = Devices {
        camera: devices
            .camera
            .clone()
            .filter(|c| before.camera.as_ref() != Some(c)),
        microphone: devices
            .microphone
            .clone()
            .filter(|m| before.microphone.as_ref() != Some(m)),
    };
    let unknown = blocking(move || {
        if let Some(camera) = &wanted.camera {
            if !hw::cameras().iter().any(|c| &c.path == camera) {
                return Some(format!("There is no camera {camera} on the box."));
            }
        }
        if let Some(mic) = &wanted.microphone {
            if !hw::capture_devices().iter().any(|m| &m.name == mic) {
                return Some(format!("There is no microphone {mic} on the box."));
            }
        }
        None
    })
    .await?;
    match unknown {
        Some(reason) => Err(ApiError::BadRequest(reason)),
        None => Ok(()),
    }
}
