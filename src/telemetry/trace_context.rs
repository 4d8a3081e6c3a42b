//! W3C Trace Context: the trace id of an incoming `traceparent` header, so log lines of one
//! request can be joined with the ingress's and the frontend's traces, and passed on to the
//! upstream.
//!
//! The middleware keeps the incoming context in a task-local ([`scope`]) for the request's
//! duration; the upstream client asks [`outgoing`] for the header to send, which keeps the
//! trace id and flags and names a fresh parent id (the gateway's own hop). Without a valid
//! incoming header nothing is sent: the gateway does not start traces of its own.

tokio::task_local! {
    static INCOMING: Option<TraceParent>;
}

/// A valid incoming `traceparent`: what is passed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent {
    /// 32 lowercase hex digits, not all zero.
    pub trace_id: String,
    /// 2 lowercase hex digits (bit 0: sampled).
    pub flags: String,
}

impl TraceParent {
    /// Parses a `traceparent` header (`00-<trace-id>-<parent-id>-<flags>`); `None` when it is
    /// absent or malformed.
    pub fn parse(header: Option<&str>) -> Option<Self> {
        let mut parts = header?.trim().split('-');
        let (version, trace, parent, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let hex = |s: &str, len: usize| {
            s.len() == len
                && s.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        };
        let valid = hex(version, 2)
            && version != "ff"
            && hex(trace, 32)
            && trace.bytes().any(|b| b != b'0')
            && hex(parent, 16)
            && parent.bytes().any(|b| b != b'0')
            && hex(flags, 2)
            && (version != "00" || parts.next().is_none());
        valid.then(|| Self {
            trace_id: trace.to_owned(),
            // Only version 00 is defined; later versions are passed on as 00 with their flags.
            flags: flags.to_owned(),
        })
    }

    /// The header value for a next hop whose parent is `parent_id` (16 hex digits).
    pub fn child(&self, parent_id: &str) -> String {
        format!("00-{}-{parent_id}-{}", self.trace_id, self.flags)
    }
}

/// The 32-hex trace id of a valid `traceparent`, or `None` when the header is absent or
/// malformed (then no trace id is logged).
pub fn trace_id(traceparent: Option<&str>) -> Option<String> {
    TraceParent::parse(traceparent).map(|t| t.trace_id)
}

/// Runs `future` with `incoming` as the request's trace context.
pub async fn scope<F: std::future::Future>(incoming: Option<TraceParent>, future: F) -> F::Output {
    INCOMING.scope(incoming, future).await
}

/// The `traceparent` to send on an outbound call made within a request that brought one:
/// same trace id and flags, a fresh random parent id (returned too, for the call's span).
/// `None` outside a request or when the request had no valid `traceparent`.
pub fn outgoing() -> Option<(String, String)> {
    let incoming = INCOMING.try_with(Clone::clone).ok().flatten()?;
    let parent_id = loop {
        let id = format!("{:016x}", rand::random::<u64>());
        if id != "0000000000000000" {
            break id;
        }
    };
    Some((incoming.child(&parent_id), parent_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_traceparents_yield_their_trace_id() {
        assert_eq!(
            trace_id(Some(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            ))
            .as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
    }

    #[tokio::test]
    async fn the_outgoing_header_keeps_trace_id_and_flags_with_a_fresh_parent() {
        let incoming = TraceParent::parse(Some(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ));

        let (header, parent) = scope(incoming, async { outgoing() }).await.unwrap();

        let parsed = TraceParent::parse(Some(&header)).unwrap();
        assert_eq!(parsed.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parsed.flags, "01");
        assert_eq!(header.split('-').nth(2), Some(parent.as_str()));
        assert_ne!(parent, "00f067aa0ba902b7");
    }

    #[tokio::test]
    async fn nothing_is_sent_without_an_incoming_traceparent() {
        assert_eq!(outgoing(), None);
        assert_eq!(scope(None, async { outgoing() }).await, None);
    }

    #[test]
    fn malformed_traceparents_are_ignored() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        ] {
            assert_eq!(trace_id(Some(bad)), None, "{bad}");
        }
    }
}
