//! ODCS v3.2.0 variables: `${VAR}` and `${VAR:-default}` in string values.
//!
//! Expansion happens on parsed string values (never on the raw text), so a variable can
//! neither inject YAML structure nor shift the source positions of diagnostics.
//! `$${` writes a literal `${`.

use serde_yaml::Value;

use crate::spans::Seg;

/// Placeholders of sql rules, left as they are when no such variable is set.
pub const SQL_PLACEHOLDERS: [&str; 5] = ["object", "table", "model", "property", "column"];

/// Placeholders of sql rule queries that name a field of the selected server
/// (`SELECT ... FROM ${project}.${dataset}.orders`): never read from the environment, they
/// are replaced from the server `check` runs against (see [`crate::sql::substitute_server`]).
pub const SERVER_PLACEHOLDERS: [&str; 5] = ["project", "dataset", "catalog", "database", "schema"];

/// A variable that is used but not set and has no default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsetVariable {
    /// The variable's name.
    pub name: String,
    /// Where it is used.
    pub path: Vec<Seg>,
}

/// Expands variables in every string of `value`, looking names up with `lookup`.
pub fn expand(value: &mut Value, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<UnsetVariable> {
    let mut unset = Vec::new();
    let mut path = Vec::new();
    walk(value, lookup, &mut path, &mut unset);
    unset
}

fn walk(v: &mut Value, lookup: &dyn Fn(&str) -> Option<String>, path: &mut Vec<Seg>, unset: &mut Vec<UnsetVariable>) {
    match v {
        Value::String(s) if s.contains('$') => {
            match expand_in(s, lookup, path.last() == Some(&Seg::Key("query".into()))) {
                Ok(out) => *s = out,
                Err(names) => unset.extend(names.into_iter().map(|name| UnsetVariable { name, path: path.clone() })),
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(Seg::Index(i));
                walk(item, lookup, path, unset);
                path.pop();
            }
        }
        Value::Mapping(map) => {
            for (k, item) in map.iter_mut() {
                path.push(Seg::Key(k.as_str().unwrap_or("?").to_owned()));
                walk(item, lookup, path, unset);
                path.pop();
            }
        }
        Value::Tagged(t) => walk(&mut t.value, lookup, path, unset),
        _ => {}
    }
}

/// Expands one string; on failure returns the names of the unset variables.
pub fn expand_str(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, Vec<String>> {
    expand_in(s, lookup, false)
}

/// Expands one string; in a sql `query`, server placeholders are kept as they are.
fn expand_in(s: &str, lookup: &dyn Fn(&str) -> Option<String>, query: bool) -> Result<String, Vec<String>> {
    let mut out = String::with_capacity(s.len());
    let mut missing = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix("${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(body_start) = after.strip_prefix('{') {
            match body_start.find('}') {
                Some(end) => {
                    let body = &body_start[..end];
                    let (name, default) = match body.split_once(":-") {
                        Some((n, d)) => (n, Some(d)),
                        None => (body, None),
                    };
                    if query && SERVER_PLACEHOLDERS.contains(&name) && default.is_none() {
                        out.push_str("${");
                        out.push_str(body);
                        out.push('}');
                        rest = &body_start[end + 1..];
                        continue;
                    }
                    match (lookup(name), default) {
                        // SQL rule placeholders (`${object}`, `${property}` ...) are not variables.
                        (None, None) if SQL_PLACEHOLDERS.contains(&name) => {
                            out.push_str("${");
                            out.push_str(body);
                            out.push('}');
                        }
                        (Some(v), _) => out.push_str(&v),
                        (None, Some(d)) => out.push_str(d),
                        (None, None) => missing.push(name.to_owned()),
                    }
                    rest = &body_start[end + 1..];
                }
                None => {
                    out.push_str("${");
                    rest = body_start;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    if missing.is_empty() { Ok(out) } else { Err(missing) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "BUCKET" => Some("acme-lake".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_set_variables_and_defaults() {
        assert_eq!(expand_str("s3://${BUCKET}/gold", &env).as_deref(), Ok("s3://acme-lake/gold"));
        assert_eq!(expand_str("${ENV:-dev}-${BUCKET}", &env).as_deref(), Ok("dev-acme-lake"));
        assert_eq!(expand_str("x${EMPTY:-d}y", &env).as_deref(), Ok("xy"));
        assert_eq!(expand_str("price $5 and $${LITERAL}", &env).as_deref(), Ok("price $5 and ${LITERAL}"));
        assert_eq!(expand_str("unterminated ${BUCKET", &env).as_deref(), Ok("unterminated ${BUCKET"));
        assert_eq!(expand_str("SELECT 1 FROM ${object}", &env).as_deref(), Ok("SELECT 1 FROM ${object}"));
    }

    #[test]
    fn server_placeholders_in_queries_are_not_variables() {
        let mut v: Value = serde_yaml::from_str(
            "quality:\n  - query: SELECT COUNT(*) FROM ${project}.${dataset}.t\nname: ${dataset}\n",
        )
        .expect("yaml");
        let unset = expand(&mut v, &|n| (n == "project").then(|| "env-value".to_owned()));
        // In the query both stay for the server; elsewhere `${dataset}` is an unset variable.
        assert_eq!(unset.len(), 1);
        assert_eq!(unset[0].path, vec![Seg::Key("name".into())]);
        assert_eq!(v["quality"][0]["query"].as_str(), Some("SELECT COUNT(*) FROM ${project}.${dataset}.t"));
    }

    #[test]
    fn reports_unset_variables_with_their_path() {
        assert_eq!(expand_str("${A}/${B:-b}/${C}", &env), Err(vec!["A".to_owned(), "C".to_owned()]));
        let mut v: Value = serde_yaml::from_str("servers:\n  - path: ${LAKE_ROOT}/x\n").expect("yaml");
        let unset = expand(&mut v, &env);
        assert_eq!(unset.len(), 1);
        assert_eq!(unset[0].name, "LAKE_ROOT");
        assert_eq!(unset[0].path, vec![Seg::Key("servers".into()), Seg::Index(0), Seg::Key("path".into())]);
    }
}
