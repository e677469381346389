//! Spark Connect URLs: `sc://host:port/;param=value;...`, shown without their parameters.

use spark_connect_core::ChannelBuilder;

/// A parsed Spark Connect URL and the form messages show.
pub(crate) struct ConnectUrl {
    /// The client's channel settings (host, port, TLS, token, user id).
    pub builder: ChannelBuilder,
    /// `sc://host:port`: never a parameter (a `token=` or `user_id=` stays out of every message).
    pub shown: String,
}

/// Parses a Spark Connect URL. The error names the URL without its parameters.
pub(crate) fn parse(url: &str) -> Result<ConnectUrl, String> {
    let shown = shown(url);
    let builder = ChannelBuilder::parse(url).map_err(|e| {
        // The client's message may quote a parameter (`token=...`): only its error class is kept.
        let class = e.get_condition().unwrap_or_else(|| "INVALID_CONNECT_URL".into());
        format!("invalid Spark Connect URL `{shown}` ({class}): expected sc://host[:port][/;param=value...]")
    })?;
    Ok(ConnectUrl { shown: format!("sc://{}", builder.endpoint()), builder })
}

/// `url` up to its host and port: what follows the authority (`/;token=...`) and anything
/// before an `@` are left out.
pub(crate) fn shown(url: &str) -> String {
    let rest = url.strip_prefix("sc://").unwrap_or(url);
    let authority = rest.split(['/', '?', '#', ';']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("sc://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_user_info_are_never_shown() {
        assert_eq!(shown("sc://h:15002/;token=SECRET;use_ssl=true"), "sc://h:15002");
        assert_eq!(shown("sc://user:pw@h:1"), "sc://h:1");
        assert_eq!(shown("sc://h;token=x"), "sc://h");
        let u = parse("sc://127.0.0.1:15002/;user_id=alice;token=SECRET").expect("parses");
        assert_eq!(u.shown, "sc://127.0.0.1:15002");
        assert_eq!(parse("sc://localhost").expect("parses").shown, "sc://localhost:15002");
    }

    #[test]
    fn an_invalid_url_is_an_error_without_its_parameters() {
        let e = parse("sc://h:1/;token=SECRET=x").err().expect("invalid");
        assert!(e.contains("`sc://h:1`"), "{e}");
        assert!(!e.contains("SECRET"), "{e}");
        let e = parse("http://h:1").err().expect("invalid");
        assert!(e.contains("invalid Spark Connect URL"), "{e}");
        let e = parse("sc://h:1/path").err().expect("invalid");
        assert!(e.contains("invalid Spark Connect URL"), "{e}");
    }
}
