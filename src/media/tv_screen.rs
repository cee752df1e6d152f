//! The TV's words on screen: what to show ([`TvShow`], plain data the device
//! actor fills in the box's language) and the overlays that draw it on the
//! background, sized to be read from a sofa (`tv_layout::text_sizes`).
//!
//! ```text
//! background ─ textoverlay(clock and date, top) ─ textoverlay(title, subtitle, countdown, centre) ─ textoverlay(footer, bottom) ─► compositor
//! ```
//! A ticker thread redraws the clock and the countdown when their words
//! change; the background runs at 1 frame a second while nobody is shown
//! (a few while a countdown runs), so the waiting screen costs almost nothing. While a
//! caller's picture is shown the words are hidden (`tv_pictures`).

use crate::config::TvLanguage;
use crate::sync::lock;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use chrono::{Datelike, Timelike};
use gst::prelude::*;

use super::tv_layout::TextSizes;
use super::{make, MediaError};

/// What the TV shows, as plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TvShow {
    /// The big line: "Waiting for a call", who is calling, a caller's name.
    pub title: String,
    /// The line under it ("Voice call", the set-up code); may be empty.
    pub subtitle: String,
    /// Ringing: the seconds until the box answers, counted down on screen.
    pub countdown: Option<Countdown>,
    /// The clock and date, with the date in this language (waiting only).
    pub clock: Option<TvLanguage>,
    /// The bottom line: the box's name and whether calls can reach it.
    pub footer: String,
    /// The box's own camera small in the corner: while a call rings or is
    /// on. Not while a page only asks (its camera warms up unseen: the
    /// grandparent's face must not appear on the waiting screen because
    /// someone opened a link).
    pub self_view: bool,
}

/// A countdown on the TV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Countdown {
    pub seconds: u32,
    /// How to say it, with `{}` where the seconds left go ("Answering in {}").
    pub words: String,
}

impl TvShow {
    /// The title and subtitle as one text, a line each (as a headless box logs it).
    pub fn text(&self) -> String {
        if self.subtitle.is_empty() {
            self.title.clone()
        } else {
            format!("{}\n{}", self.title, self.subtitle)
        }
    }
}

/// The three overlays of the background, and what they show now.
pub(super) struct Overlays {
    clock: gst::Element,
    centre: gst::Element,
    footer: gst::Element,
    sizes: TextSizes,
    shown: Mutex<Shown>,
}

/// The show, when its countdown began, and the markup last drawn.
#[derive(Default)]
struct Shown {
    show: TvShow,
    since: Option<Instant>,
    drawn: [String; 3],
}

impl Overlays {
    /// Makes the overlays (not yet in a pipeline), their words this size.
    pub fn new(sizes: TextSizes) -> Result<Arc<Self>, MediaError> {
        let overlay = |valign: &str| -> Result<gst::Element, MediaError> {
            let text = make("textoverlay")?;
            // Sizes are exact pixels: no rescaling to the picture's width.
            text.set_property("auto-resize", false);
            text.set_property_from_str("valignment", valign);
            text.set_property_from_str("halignment", "center");
            text.set_property_from_str("line-alignment", "center");
            text.set_property_from_str("wrap-mode", "word");
            text.set_property("draw-shadow", false);
            text.set_property("ypad", (sizes.line / 2) as i32);
            text.set_property("text", "");
            Ok(text)
        };
        let overlays = Arc::new(Self {
            clock: overlay("top")?,
            centre: overlay("center")?,
            footer: overlay("bottom")?,
            sizes,
            shown: Mutex::default(),
        });
        tracing::debug!(
            clock_px = sizes.clock,
            title_px = sizes.title,
            line_px = sizes.line,
            "TV text sizes"
        );
        keep_ticking(Arc::downgrade(&overlays));
        Ok(overlays)
    }

    /// The overlays in drawing order, to link after the background.
    pub fn elements(&self) -> [&gst::Element; 3] {
        [&self.clock, &self.centre, &self.footer]
    }

    /// Hides the words (a caller's picture is shown: they would show in
    /// its bars) or shows them again.
    pub fn cover(&self, covered: bool) {
        for element in self.elements() {
            element.set_property("silent", covered);
        }
    }

    /// Shows `show` from now on (a countdown starts now).
    pub fn show(&self, show: &TvShow) {
        let mut shown = lock(&self.shown);
        if shown.show == *show {
            return;
        }
        shown.since = show.countdown.as_ref().map(|_| Instant::now());
        shown.show = show.clone();
        self.draw(&mut shown);
    }

    fn tick(&self) {
        let mut shown = lock(&self.shown);
        self.draw(&mut shown);
    }

    fn draw(&self, shown: &mut Shown) {
        let elapsed = shown.since.map(|s| s.elapsed()).unwrap_or_default();
        let markup = markup(
            &shown.show,
            self.sizes,
            chrono::Local::now().naive_local(),
            elapsed,
        );
        for ((element, new), old) in [&self.clock, &self.centre, &self.footer]
            .into_iter()
            .zip(markup)
            .zip(shown.drawn.iter_mut())
        {
            if *old != new {
                element.set_property("text", &new);
                *old = new;
            }
        }
    }
}

/// Redraws the clock and countdown while the overlays live: four times a
/// second, so a new second shows within a quarter of one (the overlays are
/// touched only when their words change).
fn keep_ticking(overlays: Weak<Overlays>) {
    let spawned = std::thread::Builder::new()
        .name("tv-clock".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(250));
            match overlays.upgrade() {
                Some(overlays) => overlays.tick(),
                None => return,
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no clock on the TV");
    }
}

/// Pango markup for the top, centre and bottom overlays.
fn markup(
    show: &TvShow,
    sizes: TextSizes,
    now: chrono::NaiveDateTime,
    elapsed: Duration,
) -> [String; 3] {
    let span = |px: u32, bold: bool, text: &str| {
        let weight = if bold { " Bold" } else { "" };
        format!(
            "<span font_desc=\"Sans{weight} {px}px\">{}</span>",
            gst::glib::markup_escape_text(text)
        )
    };
    let clock = match show.clock {
        Some(language) => format!(
            "{}\n{}",
            span(
                sizes.clock,
                true,
                &format!("{:02}:{:02}", now.hour(), now.minute())
            ),
            span(sizes.line, false, &date_words(language, now.date()))
        ),
        None => String::new(),
    };
    let mut centre = vec![span(sizes.title, true, &show.title)];
    if !show.subtitle.is_empty() {
        centre.push(span(sizes.line, false, &show.subtitle));
    }
    if let Some(countdown) = &show.countdown {
        let left = u64::from(countdown.seconds).saturating_sub(elapsed.as_secs());
        centre.push(span(
            sizes.title,
            true,
            &countdown.words.replace("{}", &left.to_string()),
        ));
    }
    let footer = if show.footer.is_empty() {
        String::new()
    } else {
        span(sizes.line, false, &show.footer)
    };
    [clock, centre.join("\n"), footer]
}

/// "Saturday 28 November" / "суббота, 28 ноября".
fn date_words(language: TvLanguage, date: chrono::NaiveDate) -> String {
    const DAYS_EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const MONTHS_EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS_RU: [&str; 7] = [
        "понедельник",
        "вторник",
        "среда",
        "четверг",
        "пятница",
        "суббота",
        "воскресенье",
    ];
    const MONTHS_RU: [&str; 12] = [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ];
    let day = date.weekday().num_days_from_monday() as usize;
    let month = date.month0() as usize;
    match language {
        TvLanguage::En => format!("{} {} {}", DAYS_EN[day], date.day(), MONTHS_EN[month]),
        TvLanguage::Ru => format!("{}, {} {}", DAYS_RU[day], date.day(), MONTHS_RU[month]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::tv_layout::text_sizes;

    fn at(h: u32, m: u32) -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_opt(h, m, 5))
            .expect("a valid time")
    }

    #[test]
    fn the_waiting_screen_shows_the_clock_and_date_in_the_boxs_language() {
        let show = TvShow {
            title: "Ожидание звонка".into(),
            clock: Some(TvLanguage::Ru),
            footer: "Бабушка".into(),
            ..TvShow::default()
        };
        let [clock, centre, footer] = markup(&show, text_sizes(720), at(9, 5), Duration::ZERO);
        assert!(clock.contains(">09:05<"), "{clock}");
        assert!(clock.contains("суббота, 28 ноября"), "{clock}");
        assert!(centre.contains("Ожидание звонка"));
        assert!(footer.contains("Бабушка"));
        assert_eq!(
            date_words(TvLanguage::En, at(0, 0).date()),
            "Saturday 28 November"
        );
    }

    #[test]
    fn the_countdown_counts_down_and_stops_at_zero() {
        let show = TvShow {
            title: "Anna is calling…".into(),
            countdown: Some(Countdown {
                seconds: 3,
                words: "Answering in {}".into(),
            }),
            ..TvShow::default()
        };
        let sizes = text_sizes(720);
        let centre = |secs| markup(&show, sizes, at(9, 5), Duration::from_secs(secs))[1].clone();
        assert!(centre(0).contains("Answering in 3"));
        assert!(centre(2).contains("Answering in 1"));
        assert!(centre(9).contains("Answering in 0"));
        assert!(
            markup(&show, sizes, at(9, 5), Duration::ZERO)[0].is_empty(),
            "no clock"
        );
    }

    #[test]
    fn a_label_is_text_not_markup() {
        let show = TvShow {
            title: "Tom & <b>Jerry</b>".into(),
            ..TvShow::default()
        };
        let centre = &markup(&show, text_sizes(720), at(9, 5), Duration::ZERO)[1];
        assert!(
            centre.contains("Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;"),
            "{centre}"
        );
        let px = text_sizes(720).title;
        assert!(centre.contains(&format!("Sans Bold {px}px")), "{centre}");
    }

    #[test]
    fn the_headless_text_is_a_line_each() {
        let show = TvShow {
            title: "Anna".into(),
            subtitle: "Voice call".into(),
            ..TvShow::default()
        };
        assert_eq!(show.text(), "Anna\nVoice call");
    }
}
