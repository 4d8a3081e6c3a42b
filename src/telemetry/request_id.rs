//! Request ids (API.md): the caller's `X-Request-Id` when it is 1 to 128 characters of
//! `[A-Za-z0-9._-]`, else a fresh UUID. The id of the request being served is kept in a
//! task-local so that error bodies (`requestId`) can carry it without threading it through
//! every function.

tokio::task_local! {
    static CURRENT: String;
}

/// The caller's id if acceptable, else a new UUID.
pub fn accept_or_generate(given: Option<&str>) -> String {
    match given {
        Some(id)
            if (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) =>
        {
            id.to_owned()
        }
        _ => random_uuid().to_string(),
    }
}

/// A version 4 UUID from the thread's CSPRNG (`rand::rng()`: ChaCha, seeded from the OS and
/// reseeded periodically), not `Uuid::new_v4`, which asks the kernel (`getrandom`, a syscall)
/// for every id: one syscall per request on the hot path (issue 12).
pub fn random_uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

/// Runs `future` with `id` as the current request id.
pub async fn scope<F: std::future::Future>(id: String, future: F) -> F::Output {
    CURRENT.scope(id, future).await
}

/// The id of the request being served, when called within one.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acceptable_ids_are_kept_and_others_replaced() {
        assert_eq!(accept_or_generate(Some("abc-1.2_3")), "abc-1.2_3");
        for bad in [Some(""), Some("has space"), Some("ü"), None] {
            let id = accept_or_generate(bad);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{bad:?} -> {id}");
        }
        let (a, b) = (random_uuid(), random_uuid());
        assert_eq!(a.get_version(), Some(uuid::Version::Random));
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
        assert_ne!(a, b);
        let long = "a".repeat(129);
        assert_ne!(accept_or_generate(Some(&long)), long);
        let max = "a".repeat(128);
        assert_eq!(accept_or_generate(Some(&max)), max);
    }
}
