//! What the TV says, in the box's language: the waiting screen (clock, the
//! box's name, whether calls can reach it), who is calling and the countdown
//! to the answer, and what a call without a picture is. The media engine
//! draws it; the actor picks it from the calls (see `Actor::show_on_tv`).

use super::state::{Call, Phase};
use crate::config::TvLanguage;
use crate::media::{Countdown, TvShow};
use crate::protocol::Camera;

/// Whether calls can reach the box, as far as it knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// No network interface but loopback has an address.
    NoNetwork,
    /// Not paired with a relay: callers on the home network (or through a
    /// port forward the box cannot see).
    HomeNetwork,
    /// Paired with a relay, and its tunnel is up: callers from anywhere.
    Relay,
    /// Paired with a relay, but its tunnel is down.
    RelayDown,
}

/// What the waiting screen knows besides the calls.
#[derive(Debug, Clone, Copy)]
pub struct Waiting<'a> {
    /// The admin's first set-up code, said under "Waiting for a call".
    pub setup_code: Option<&'a str>,
    /// Whom callers call ("Grandma").
    pub box_name: Option<&'a str>,
    pub reach: Reach,
}

/// What the TV shows for these calls.
pub fn tv_show(language: TvLanguage, calls: &[Call], waiting: Waiting<'_>) -> TvShow {
    let ru = language == TvLanguage::Ru;
    if let Some(ringing) = calls.iter().find(|c| c.phase == Phase::Ringing) {
        let label = &ringing.link.label;
        return TvShow {
            title: if ru {
                format!("Звонит {label}…")
            } else {
                format!("{label} is calling…")
            },
            countdown: (ringing.countdown > 0).then(|| Countdown {
                seconds: ringing.countdown,
                words: if ru {
                    "Ответ через {}"
                } else {
                    "Answering in {}"
                }
                .to_owned(),
            }),
            self_view: true,
            ..TvShow::default()
        };
    }
    // A call's picture covers the words; what shows is for a call without one.
    if let Some(call) = calls
        .iter()
        .find(|c| matches!(c.phase, Phase::Connecting | Phase::InCall))
    {
        let line = match (call.camera, ru) {
            (Camera::On, false) => "Connecting the picture…",
            (Camera::On, true) => "Подключаем изображение…",
            (Camera::Off, false) => "turned the camera off",
            (Camera::Off, true) => "выключил(а) камеру",
            (Camera::None, false) => "Voice call",
            (Camera::None, true) => "Голосовой звонок",
        };
        return TvShow {
            title: call.link.label.clone(),
            subtitle: line.to_owned(),
            self_view: true,
            ..TvShow::default()
        };
    }
    let reach = match (waiting.reach, ru) {
        (Reach::NoNetwork, false) => "No network",
        (Reach::NoNetwork, true) => "Нет сети",
        (Reach::HomeNetwork, false) => "Home network only",
        (Reach::HomeNetwork, true) => "Только домашняя сеть",
        (Reach::Relay, false) => "Reachable from anywhere",
        (Reach::Relay, true) => "Доступен отовсюду",
        (Reach::RelayDown, false) => "Relay offline: home network only",
        (Reach::RelayDown, true) => "Сервер недоступен: только домашняя сеть",
    };
    TvShow {
        title: if ru {
            "Ожидание звонка"
        } else {
            "Waiting for a call"
        }
        .to_owned(),
        subtitle: match (waiting.setup_code, ru) {
            (Some(code), false) => format!("Set-up code: {code}"),
            (Some(code), true) => format!("Код настройки: {code}"),
            (None, _) => String::new(),
        },
        countdown: None,
        clock: Some(language),
        footer: match waiting.box_name {
            Some(name) => format!("{name} · {reach}"),
            None => reach.to_owned(),
        },
        self_view: false,
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

    const HOME: Waiting<'static> = Waiting {
        setup_code: None,
        box_name: None,
        reach: Reach::HomeNetwork,
    };

    #[test]
    fn the_tv_says_who_calls_and_what_a_call_without_a_picture_is() {
        let en = TvLanguage::En;
        let text = |calls: &[Call]| tv_show(en, calls, HOME).text();
        assert_eq!(text(&[]), "Waiting for a call");
        let code = Waiting {
            setup_code: Some("12345678"),
            ..HOME
        };
        assert_eq!(
            tv_show(TvLanguage::Ru, &[], code).text(),
            "Ожидание звонка\nКод настройки: 12345678"
        );
        assert_eq!(
            tv_show(en, &[], code).text(),
            "Waiting for a call\nSet-up code: 12345678"
        );
        assert_eq!(
            text(&[call(Phase::Ringing, Camera::On)]),
            "Anna is calling…"
        );
        assert_eq!(
            text(&[call(Phase::InCall, Camera::None)]),
            "Anna\nVoice call"
        );
        assert_eq!(
            text(&[call(Phase::InCall, Camera::Off)]),
            "Anna\nturned the camera off"
        );
        assert_eq!(
            text(&[call(Phase::Asking, Camera::On)]),
            "Waiting for a call",
            "a page still asking is not announced"
        );
    }

    #[test]
    fn the_box_sees_itself_in_the_corner_only_once_a_call_rings() {
        let seen = |phase| tv_show(TvLanguage::En, &[call(phase, Camera::On)], HOME).self_view;
        assert!(!tv_show(TvLanguage::En, &[], HOME).self_view, "waiting");
        assert!(
            !seen(Phase::Asking),
            "a page that only asks: its camera warms unseen"
        );
        assert!(seen(Phase::Ringing));
        assert!(seen(Phase::Connecting));
        assert!(seen(Phase::InCall));
    }

    #[test]
    fn ringing_counts_down_to_the_answer() {
        let mut ringing = call(Phase::Ringing, Camera::On);
        ringing.countdown = 5;
        let show = tv_show(TvLanguage::Ru, &[ringing], HOME);
        assert_eq!(show.title, "Звонит Anna…");
        assert_eq!(
            show.countdown,
            Some(Countdown {
                seconds: 5,
                words: "Ответ через {}".into()
            })
        );
        assert_eq!(show.clock, None, "no clock while it rings");
        let at_once = tv_show(TvLanguage::En, &[call(Phase::Ringing, Camera::On)], HOME);
        assert_eq!(at_once.countdown, None);
    }

    #[test]
    fn the_waiting_screen_names_the_box_and_says_honestly_whether_it_can_be_called() {
        let waiting = |reach| {
            tv_show(
                TvLanguage::En,
                &[],
                Waiting {
                    setup_code: None,
                    box_name: Some("Grandma"),
                    reach,
                },
            )
        };
        let show = waiting(Reach::Relay);
        assert_eq!(show.clock, Some(TvLanguage::En));
        assert_eq!(show.footer, "Grandma · Reachable from anywhere");
        assert_eq!(
            waiting(Reach::RelayDown).footer,
            "Grandma · Relay offline: home network only"
        );
        assert_eq!(waiting(Reach::NoNetwork).footer, "Grandma · No network");
        assert_eq!(
            tv_show(TvLanguage::Ru, &[], HOME).footer,
            "Только домашняя сеть"
        );
    }
}
