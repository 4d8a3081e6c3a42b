//! Request parameters as the real service reads them: the query and an
//! `application/x-www-form-urlencoded` body, both decoded form-style (`+` is a space, as the
//! Python SDKs put spaces on the wire), merged into one map where a body value wins over a
//! query value of the same name (the signer's "later duplicate wins").

use std::collections::BTreeMap;

use super::reply::ErrorReply;

/// The decoded parameters of one request.
#[derive(Debug, Default)]
pub(crate) struct Params {
    /// Query pairs in wire order (V3 signs exactly these).
    pub query: Vec<(String, String)>,
    /// Query ∪ form body; what v1 signs and what the actions read.
    pub all: BTreeMap<String, String>,
}

impl Params {
    /// Decodes `query` and, when `content_type` is a form, `body`.
    pub fn parse(query: &str, content_type: Option<&str>, body: &[u8]) -> Self {
        let query: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let mut all: BTreeMap<String, String> = query.iter().cloned().collect();
        if is_form(content_type) {
            all.extend(form_urlencoded::parse(body).into_owned());
        }
        Self { query, all }
    }

    /// The value of `name`, if present (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all.get(name).map(String::as_str)
    }

    /// The value of `name`, if present and not blank.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// The value of a mandatory parameter, or `MissingParameter` naming it.
    pub fn required(&self, name: &str) -> Result<&str, ErrorReply> {
        self.non_empty(name)
            .ok_or_else(|| ErrorReply::missing_parameter(name))
    }
}

/// Whether a `Content-Type` announces a form body (parameters may follow, e.g. a charset).
pub(crate) fn is_form(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        ct.split(';').next().is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_is_a_space_in_query_and_body_and_the_body_wins() {
        let params = Params::parse(
            "Title=a+b&Content=q%20c&Dup=query",
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            b"Content=b+c&Dup=body",
        );
        assert_eq!(params.get("Title"), Some("a b"));
        assert_eq!(params.get("Content"), Some("b c"));
        assert_eq!(params.get("Dup"), Some("body"));
        assert_eq!(params.query.len(), 3);
    }

    #[test]
    fn non_form_bodies_add_no_parameters() {
        let params = Params::parse("A=1", Some("application/json"), b"B=2");
        assert_eq!(params.get("B"), None);
        assert_eq!(params.required("B").unwrap_err().code, "MissingParameter");
    }
}
