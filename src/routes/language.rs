//! Which language a request wants: `?lang=` wins over `Accept-Language`; accepted values are
//! exactly `zh`, `en`, `jp` and `ja` (meaning `jp`, the upstream's spelling), as
//! [`Lang`] declares them in the document. Otherwise the tenant's
//! default. A bad `?lang=` is a 400; an `Accept-Language` with nothing we speak is ignored,
//! because browsers send it unasked.

use actix_web::HttpRequest;
use actix_web::http::header::ACCEPT_LANGUAGE;

use super::params::Lang;
use crate::error::ApiError;
use workorder_api::Language;

/// The request's language, given the tenant's default.
pub fn resolve(req: &HttpRequest, tenant_default: Language) -> Result<Language, ApiError> {
    if let Some(lang) = query_value(req.query_string(), "lang") {
        return Lang::parse(&lang).map(Language::from).map_err(|_| {
            ApiError::invalid_request(format!("lang: {lang:?} is not one of zh, en, jp, ja"))
        });
    }
    let header = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Ok(header
        .and_then(from_accept_language)
        .unwrap_or(tenant_default))
}

/// The first value of `name` in a query string.
fn query_value(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The most preferred supported language of an `Accept-Language` header (q-values honoured,
/// region subtags ignored: `en-US` is `en`, `ja-JP` is `jp`).
fn from_accept_language(header: &str) -> Option<Language> {
    let mut best: Option<(f32, usize, Language)> = None;
    for (position, item) in header.split(',').enumerate() {
        let mut parts = item.trim().split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or_default();
        let Ok(language) = primary.parse::<Language>() else {
            continue;
        };
        if quality <= 0.0 {
            continue;
        }
        let better = best.is_none_or(|(q, pos, _)| quality > q || (quality == q && position < pos));
        if better {
            best = Some((quality, position, language));
        }
    }
    best.map(|(_, _, language)| language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_supported_tag() {
        let cases = [
            ("en-US,en;q=0.9", Some(Language::En)),
            ("fr-FR, ja;q=0.8, zh;q=0.5", Some(Language::Jp)),
            ("zh-CN", Some(Language::Zh)),
            ("de, en;q=0.1", Some(Language::En)),
            ("de, fr", None),
            ("en;q=0", None),
            ("jp", Some(Language::Jp)),
        ];
        for (header, expected) in cases {
            assert_eq!(from_accept_language(header), expected, "{header}");
        }
    }
}
