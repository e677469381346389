//! Spark's errors as one-line reasons: the error class and its first line, never the server's
//! stack trace, the plan Spark prints below an analysis error, or a credential.

use spark_connect_core::SparkError;

/// The longest reason kept (an error quoting a long query is cut).
const MAX_REASON: usize = 400;

/// gRPC status codes of a server that cannot be reached or went away.
const UNAVAILABLE: i32 = 14;
const CANCELLED: i32 = 1;
const DEADLINE_EXCEEDED: i32 = 4;

/// One line saying why `what` failed on `engine` (`spark (sc://h:p)`), with `secret` (the URL's
/// token) masked should the server quote it.
pub(crate) fn reason(engine: &str, what: &str, e: &SparkError, secret: Option<&str>) -> String {
    // The server's message starts with its error class already (`[TABLE_OR_VIEW_NOT_FOUND] ...`).
    let message = if e.message.is_empty() || e.error_class.is_empty() || e.message.starts_with('[') {
        if e.message.is_empty() { e.message() } else { e.message.clone() }
    } else {
        format!("[{}] {}", e.error_class, e.message)
    };
    let first = first_line(&message);
    let text = match e.grpc_code {
        Some(UNAVAILABLE) => format!("cannot reach the Spark Connect server ({})", transport_cause(first)),
        // The client's call ended by the transport (the connection closed under it): lakegate's
        // own cancel is told apart by the caller, Spark's interrupts carry OPERATION_CANCELED.
        Some(CANCELLED) => "cannot reach the Spark Connect server (connection lost)".to_owned(),
        Some(DEADLINE_EXCEEDED) => "cannot reach the Spark Connect server (timed out)".to_owned(),
        _ if e.error_class.is_empty() && is_transport(first) => {
            format!("cannot reach the Spark Connect server ({})", transport_cause(first))
        }
        _ if e.error_class == "OPERATION_CANCELED" || first.contains("OPERATION_CANCELED") => "cancelled".to_owned(),
        _ => first.to_owned(),
    };
    let text = match secret {
        Some(s) if !s.is_empty() => text.replace(s, "***"),
        _ => text,
    };
    format!("{engine}: {what}: {}", cut(&text))
}

/// The first non-empty line, without Spark's trailing `SQLSTATE: ...;` position notes.
fn first_line(message: &str) -> &str {
    let line = message.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("unknown error");
    line.trim_end_matches(';').trim_end()
}

/// Words that say the connection, not the query, failed.
fn is_transport(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    ["transport error", "connection refused", "channel not ready", "broken pipe", "connection reset", "h2 protocol"]
        .iter()
        .any(|w| l.contains(w))
}

/// The useful part of a transport error: tonic's `[Unavailable] tcp connect error: ...`.
fn transport_cause(line: &str) -> String {
    let l = line.to_ascii_lowercase();
    if l.contains("connection refused") {
        "connection refused".into()
    } else if l.contains("timed out") {
        "connection timed out".into()
    } else if l.contains("dns") || l.contains("failed to lookup") || l.contains("name or service not known") {
        "unknown host".into()
    } else if l.contains("broken pipe")
        || l.contains("connection reset")
        || l.contains("error reading")
        || l.contains("transport error")
    {
        "connection lost".into()
    } else if l.contains("tcp connect error") {
        // tonic drops the OS error: refused, or no route to the host.
        "no TCP connection: nothing listens there, or the host is unreachable".into()
    } else {
        // Without tonic's `[The service is currently unavailable]` prefix.
        let rest = if line.starts_with('[') { line.split_once("] ").map_or(line, |(_, r)| r) } else { line };
        rest.trim().to_owned()
    }
}

fn cut(s: &str) -> String {
    if s.chars().count() <= MAX_REASON {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(MAX_REASON).collect();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: tonic_code::Code, message: &str) -> SparkError {
        let mut e = SparkError::connect_msg(format!("[{code:?}] {message}"));
        e.grpc_code = Some(code as i32);
        e
    }

    mod tonic_code {
        #[derive(Debug, Clone, Copy)]
        pub enum Code {
            Unavailable = 14,
            Internal = 13,
        }
    }

    #[test]
    fn an_unreachable_server_says_so_in_one_line() {
        let e = status(tonic_code::Code::Unavailable, "tcp connect error: Connection refused (os error 111)\nmore");
        let r = reason("spark (sc://127.0.0.1:1)", "query", &e, None);
        assert_eq!(r, "spark (sc://127.0.0.1:1): query: cannot reach the Spark Connect server (connection refused)");
    }

    #[test]
    fn a_call_the_transport_ended_is_a_lost_connection() {
        let mut e = SparkError::connect_msg("[The operation was cancelled] operation was canceled");
        e.grpc_code = Some(1);
        let r = reason("spark (sc://h:1)", "query", &e, None);
        assert_eq!(r, "spark (sc://h:1): query: cannot reach the Spark Connect server (connection lost)");
        let e = status(tonic_code::Code::Unavailable, "transport error");
        let r = reason("spark (sc://h:1)", "query", &e, None);
        assert_eq!(r, "spark (sc://h:1): query: cannot reach the Spark Connect server (connection lost)");
    }

    #[test]
    fn an_analysis_error_keeps_its_first_line_only() {
        let e = status(
            tonic_code::Code::Internal,
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01; line 1 pos 14;\n'Project [*]\n+- 'UnresolvedRelation [nope]",
        );
        let r = reason("spark (sc://h:1)", "query", &e, None);
        assert!(r.contains("[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found."), "{r}");
        assert!(!r.contains('\n') && !r.contains("UnresolvedRelation"), "{r}");
    }

    #[test]
    fn a_token_quoted_by_the_server_is_masked_and_long_reasons_are_cut() {
        let e = status(tonic_code::Code::Internal, &format!("bad token SECRET {}", "x".repeat(1000)));
        let r = reason("spark (sc://h:1)", "query", &e, Some("SECRET"));
        assert!(!r.contains("SECRET") && r.contains("***"), "{r}");
        assert!(r.len() < MAX_REASON + 60 && r.ends_with("..."), "{r}");
    }
}
