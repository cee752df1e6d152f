//! The few sentences the server itself renders, in Russian and English.

/// A language the box speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    /// The caller's first language the box speaks, from `Accept-Language`
    /// (quality values honoured), English when none.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.unwrap_or_default().split(',') {
            let mut fields = part.trim().split(';');
            let tag = fields
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = fields
                .find_map(|f| f.trim().strip_prefix("q=").and_then(|q| q.parse().ok()))
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("ru") => Lang::Ru,
                Some("en") => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }
}

/// A sentence the server can show.
#[derive(Debug, Clone, Copy)]
pub enum Text {
    PageTitle,
    InvalidLink,
    NoLongerValid,
    NotFound,
    Home,
    /// The relay's own front page.
    RelayHome,
    /// The relay has no tunnel from the box right now.
    BoxOffline,
}

pub fn text(lang: Lang, text: Text) -> &'static str {
    use Lang::*;
    match (text, lang) {
        (Text::PageTitle, En) => "HomeCall",
        (Text::PageTitle, Ru) => "HomeCall",
        (Text::InvalidLink, En) => {
            "This link is not valid. Please check it, or ask your family for a new one."
        }
        (Text::InvalidLink, Ru) => {
            "Эта ссылка недействительна. Проверьте её или попросите у родных новую."
        }
        (Text::NoLongerValid, En) => {
            "This link is no longer valid — ask your family for a new one."
        }
        (Text::NoLongerValid, Ru) => "Эта ссылка больше не действует — попросите у родных новую.",
        (Text::NotFound, En) => "There is nothing here.",
        (Text::NotFound, Ru) => "Здесь ничего нет.",
        (Text::Home, En) => "This is a HomeCall box. To call, open the link your family gave you.",
        (Text::Home, Ru) => {
            "Это HomeCall. Чтобы позвонить, откройте ссылку, которую вам дали родные."
        }
        (Text::RelayHome, En) => {
            "This is a HomeCall relay. To call, open the link your family gave you."
        }
        (Text::RelayHome, Ru) => {
            "Это посредник HomeCall. Чтобы позвонить, откройте ссылку, которую вам дали родные."
        }
        (Text::BoxOffline, En) => "The box is not connected right now — please try again later.",
        (Text::BoxOffline, Ru) => "Приставка сейчас не на связи — пожалуйста, попробуйте позже.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_follows_accept_language() {
        for (header, lang) in [
            (None, Lang::En),
            (Some(""), Lang::En),
            (Some("ru-RU,ru;q=0.9,en;q=0.8"), Lang::Ru),
            (Some("en-GB,en;q=0.9,ru;q=0.8"), Lang::En),
            (Some("de-DE,ru;q=0.5,en;q=0.4"), Lang::Ru),
            (Some("fr"), Lang::En),
            (Some("en;q=0.2, RU;q=0.7"), Lang::Ru),
        ] {
            assert_eq!(Lang::from_accept_language(header), lang, "{header:?}");
        }
    }
}
