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
    /// Sound cards that can play the caller's voice.
    speakers: Vec<MicrophoneView>,
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
    let (cameras, microphones, speakers) =
        blocking(|| (hw::cameras(), hw::capture_devices(), hw::playback_devices())).await?;
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
        speaker: !speakers.is_empty(),
        speakers: speakers
            .into_iter()
            .map(|m| MicrophoneView {
                name: m.name,
                description: m.description,
            })
            .collect(),
        automatic: Devices {
            camera: status.default_camera,
            microphone: status.default_microphone,
            speaker: None,
            volume_percent: None,
        },
    }))
}

/// Refuses a newly chosen camera, microphone or speaker the box does not
/// have, or a volume out of range. Changes nothing.
pub async fn check_choice(devices: &Devices, before: &Devices) -> Result<(), ApiError> {
    let before = before.clone();
    let changed = |now: &Option<String>, then: &Option<String>| {
        now.clone().filter(|n| then.as_ref() != Some(n))
    };
    let wanted = Devices {
        camera: changed(&devices.camera, &before.camera),
        microphone: changed(&devices.microphone, &before.microphone),
        speaker: changed(&devices.speaker, &before.speaker),
        volume_percent: devices
            .volume_percent
            .filter(|v| before.volume_percent != Some(*v)),
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
        if let Some(speaker) = &wanted.speaker {
            if !hw::playback_devices().iter().any(|m| &m.name == speaker) {
                return Some(format!("There is no speaker {speaker} on the box."));
            }
        }
        if wanted.volume_percent.is_some_and(|percent| percent > 100) {
            return Some("The volume goes from 0 to 100.".to_owned());
        }
        None
    })
    .await?;
    match unknown {
        Some(reason) => Err(ApiError::BadRequest(reason)),
        None => Ok(()),
    }
}

/// Sets a newly chosen volume on the speaker's card now, so the admin hears
/// the change (refused with no speaker). Call once everything else passed.
pub async fn apply_volume(devices: &Devices, before: &Devices) -> Result<(), ApiError> {
    let Some(percent) = devices
        .volume_percent
        .filter(|v| before.volume_percent != Some(*v))
    else {
        return Ok(());
    };
    let speaker = devices.speaker.clone().or_else(|| before.speaker.clone());
    blocking(move || hw::set_volume(speaker.as_deref().unwrap_or("default"), percent))
        .await?
        .map_err(|e| ApiError::BadRequest(e.to_string()))
}
