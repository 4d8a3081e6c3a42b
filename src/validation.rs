//! Small validators for values that arrive from outside (request bodies, paths, settings),
//! shared so that every edge applies the same rule.

/// A plausible email address: one `@`, non-empty local part, a dotted domain, no spaces.
/// Deliberately loose: the upstream decides whether the address is one of the account's
/// contacts; this only catches typos before a call is spent.
pub fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && value.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace)
}

/// Ticket ids are 1 to 32 characters of `[A-Za-z0-9]` (API.md); anything else cannot exist
/// upstream, so it is a 404 without an upstream call.
pub fn is_ticket_id(value: &str) -> bool {
    (1..=32).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Product codes as the upstream spells them (`ecs`, `oss`, `account`; doc examples use ids
/// like `1193`): 1 to 64 characters of `[A-Za-z0-9._-]`.
pub fn is_product_code(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Whether a URL host (as `Url::host_str` gives it: IPv6 in brackets) is this machine:
/// `localhost`, 127.0.0.0/8 or `::1`. Plain HTTP is tolerated only there, because nothing on
/// the network can read or change what never leaves the host.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether JWT keys may be fetched from `url` (`auth.jwks_url`): HTTPS, or plain HTTP to a
/// loopback address. Keys fetched over plain HTTP from elsewhere could be swapped by anyone on
/// the path, who could then sign tokens for every tenant.
pub fn is_trustworthy_url(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" => !host.is_empty(),
        "http" => is_loopback_host(host),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fetched_only_over_https_or_loopback_http() {
        let cases = [
            ("https://idp.example.com/.well-known/jwks.json", true),
            ("http://127.0.0.1:8081/jwks.json", true),
            ("http://localhost/jwks.json", true),
            ("http://[::1]:9000/jwks.json", true),
            ("http://idp.example.com/jwks.json", false),
            ("http://10.0.0.5/jwks.json", false),
            ("ftp://idp.example.com/jwks.json", false),
        ];
        for (url, expected) in cases {
            let url: reqwest::Url = url.parse().unwrap();

            assert_eq!(is_trustworthy_url(&url), expected, "{url}");
        }
    }

    #[test]
    fn loopback_hosts_are_localhost_127_slash_8_and_ipv6_one() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "[::1]"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "sandbox",
            "10.0.0.5",
            "128.0.0.1",
            "[::2]",
            "localhost.example.com",
            "0.0.0.0",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        for ok in ["ops@example.com", "a+b@x.co"] {
            assert!(looks_like_email(ok), "{ok}");
        }
        for bad in [
            "",
            "ops",
            "@example.com",
            "ops@example",
            "ops@@x.com",
            "o ps@x.com",
            "ops@.com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn ticket_ids_are_short_and_alphanumeric() {
        assert!(is_ticket_id("CAB327A"));
        for bad in ["", "a-b", "x".repeat(33).as_str(), "../etc", "ÄBC"] {
            assert!(!is_ticket_id(bad), "{bad}");
        }
    }
}
