//! What the TV says, in the box's language: the waiting screen, who is
//! calling, and what a call without a picture is. The media engine draws
//! the text; the actor picks it from the calls (see `Actor::show_on_tv`).

use super::state::{Call, Phase};
use crate::config::TvLanguage;
use crate::protocol::Camera;

/// The TV's text for these calls, with the waiting screen's `notice` (the
/// set-up code) when nobody calls.
pub fn tv_text(language: TvLanguage, calls: &[Call], notice: Option<&str>) -> String {
    let ru = language == TvLanguage::Ru;
    if let Some(ringing) = calls.iter().find(|c| c.phase == Phase::Ringing) {
        let label = &ringing.link.label;
        return if ru {
            format!("Звонит {label}…")
        } else {
            format!("{label} is calling…")
        };
    }
    // A call's picture covers the text; what shows is for a call without one.
    if let Some(call) = calls
        .iter()
        .find(|c| matches!(c.phase, Phase::Connecting | Phase::InCall))
    {
        let label = &call.link.label;
        let line = match (call.camera, ru) {
            (Camera::On, false) => "Connecting the picture…",
            (Camera::On, true) => "Подключаем изображение…",
            (Camera::Off, false) => "turned the camera off",
            (Camera::Off, true) => "выключил(а) камеру",
            (Camera::None, false) => "Voice call",
            (Camera::None, true) => "Голосовой звонок",
        };
        return format!("{label}\n{line}");
    }
    let waiting = if ru {
        "Ожидание звонка"
    } else {
        "Waiting for a call"
    };
    match notice {
        Some(notice) => format!("{waiting}\n{notice}"),
        None => waiting.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::state::{LinkRef, SessionId};

    fn call(phase: Phase, camera: Camera) -> Call {
        let mut call = Call::new(
            SessionId::new("s"),
            phase,
            LinkRef {
                id: "L".into(),
                label: "Anna".into(),
                one_time: false,
            },
        );
        call.camera = camera;
        call
    }

    #[test]
    fn the_tv_says_who_calls_and_what_a_call_without_a_picture_is() {
        let en = TvLanguage::En;
        assert_eq!(tv_text(en, &[], None), "Waiting for a call");
        assert_eq!(
            tv_text(TvLanguage::Ru, &[], Some("Код: 1")),
            "Ожидание звонка\nКод: 1"
        );
        assert_eq!(
            tv_text(en, &[call(Phase::Ringing, Camera::On)], None),
            "Anna is calling…"
        );
        assert_eq!(
            tv_text(en, &[call(Phase::InCall, Camera::None)], None),
            "Anna\nVoice call"
        );
        assert_eq!(
            tv_text(en, &[call(Phase::InCall, Camera::Off)], None),
            "Anna\nturned the camera off"
        );
        assert_eq!(
            tv_text(en, &[call(Phase::Asking, Camera::On)], None),
            "Waiting for a call",
            "a page still asking is not announced"
        );
    }
}
