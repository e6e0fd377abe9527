//! Reading the languages a request asks for: `?lang=` and the browser's `Accept-Language`
//! (the page decides between them and a booking's or host's language: `http::pages::Visitor`).

use super::Locale;

/// The most wanted language of an `Accept-Language` header (RFC 9110 §12.5.4) that Prospo has:
/// ranges by descending `q` (ties keep their order), `q=0` meaning "not this one", a region matching
/// its language (`de-AT` is German), `*` standing for none in particular.
pub fn from_accept_language(header: &str) -> Option<Locale> {
    let mut ranges: Vec<(u16, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(order, item)| {
            let mut parts = item.split(';').map(str::trim);
            let range = parts.next().filter(|r| !r.is_empty())?;
            let q = parts
                .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .map_or(Some(1000), quality)?;
            Some((q, order, range))
        })
        .filter(|(q, _, _)| *q > 0)
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().find_map(|(_, _, range)| {
        let language = range.split(['-', '_']).next()?.to_ascii_lowercase();
        language.parse().ok()
    })
}

/// A `q` value in thousandths; `None` for one that is not a number from 0 to 1.
fn quality(raw: &str) -> Option<u16> {
    let value: f32 = raw.trim().parse().ok()?;
    (0.0..=1.0).contains(&value).then(|| (value * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_decide_not_order() {
        assert_eq!(from_accept_language("en;q=0.5, de-AT;q=0.9, fr;q=0.7"), Some(Locale::De));
        assert_eq!(from_accept_language("pt-BR,pt;q=0.9,en;q=0.8"), Some(Locale::Pt));
        assert_eq!(from_accept_language("ja, es;q=0.4"), Some(Locale::Es));
        assert_eq!(from_accept_language("fr;q=0, de;q=0.1"), Some(Locale::De));
        assert_eq!(from_accept_language("it, nl"), None);
        assert_eq!(from_accept_language("*"), None);
        assert_eq!(from_accept_language(""), None);
        assert_eq!(from_accept_language("de;q=abc, es"), Some(Locale::Es));
        // Equal weights keep the header's order.
        assert_eq!(from_accept_language("fr;q=0.8, es;q=0.8"), Some(Locale::Fr));
    }
}
