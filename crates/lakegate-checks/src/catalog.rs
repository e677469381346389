//! A declared type against a SQL server's own catalog type (PostgreSQL and Redshift tables).
//!
//! On a file, a physicalType is read under every tool's reading of the name (`REAL` is 32 or
//! 64 bits, `TIMESTAMP` with or without a zone: [`lakegate_contract::physical`]). On a
//! warehouse table the server says exactly what the column is (`format_type`: `character
//! varying(8)`, `double precision`, `timestamp with time zone`, `integer[]`, `jsonb`), and a
//! physicalType that is one of PostgreSQL's type names is read as PostgreSQL reads it:
//!
//! - same type, exactly: `real` is `float4` only, `timestamp` is without time zone,
//!   `timestamptz` with, `int`/`int4`/`integer` 32 bits, `float` is `double precision`,
//!   `json` is not `jsonb`, arrays by their item type (`int[]` is `integer[]`);
//! - lengths: a declared `varchar(n)` accepts a column of `varchar(m)` with `m <= n` (every
//!   value fits the declared width); a narrower declaration than the column (`varchar(4)` on
//!   `varchar(8)`), or a length on a column without one (`text`), is a breach. `text` and a
//!   bare `varchar` accept any `varchar`; `char(n)` (blank-padded) needs `character(n)`;
//! - `numeric(p,s)` needs the same precision and scale (`numeric` without them: any);
//!   `timestamp(p)`/`time(p)` the same fractional precision when one is written;
//! - any other name the catalog writes (a domain, an enum, `geometry`) matches itself,
//!   case-insensitively, and only itself.
//!
//! A name PostgreSQL does not have (`STRING`, `INT64`, `DOUBLE`, `VARIANT`) keeps the
//! cross-tool reading of [`lakegate_contract::physical`].

/// A type name split as PostgreSQL writes it: canonical base, numeric parameters, array.
#[derive(Debug, PartialEq)]
struct PgType {
    base: String,
    args: Vec<u32>,
    array: bool,
}

/// PostgreSQL's canonical name of a base type name or alias; `None` when not PostgreSQL's.
fn canonical(base: &str, args: &mut Vec<u32>) -> Option<&'static str> {
    Some(match base {
        "smallint" | "int2" | "smallserial" | "serial2" => "smallint",
        "integer" | "int" | "int4" | "serial" | "serial4" => "integer",
        "bigint" | "int8" | "bigserial" | "serial8" => "bigint",
        "real" | "float4" => "real",
        "double precision" | "float8" => "double precision",
        "float" => {
            let p = args.first().copied();
            args.clear();
            if p.is_some_and(|p| p <= 24) { "real" } else { "double precision" }
        }
        "numeric" | "decimal" => "numeric",
        "character varying" | "varchar" | "char varying" => "character varying",
        "character" | "char" | "bpchar" => "character",
        "text" => "text",
        "boolean" | "bool" => "boolean",
        "date" => "date",
        "timestamp" | "timestamp without time zone" => "timestamp without time zone",
        "timestamptz" | "timestamp with time zone" => "timestamp with time zone",
        "time" | "time without time zone" => "time without time zone",
        "timetz" | "time with time zone" => "time with time zone",
        "interval" => "interval",
        "bytea" => "bytea",
        "json" => "json",
        "jsonb" => "jsonb",
        "uuid" => "uuid",
        "inet" => "inet",
        "cidr" => "cidr",
        "macaddr" => "macaddr",
        "macaddr8" => "macaddr8",
        "money" => "money",
        "xml" => "xml",
        "citext" => "citext",
        "bit" => "bit",
        "bit varying" | "varbit" => "bit varying",
        "oid" => "oid",
        "name" => "name",
        "tsvector" => "tsvector",
        "point" => "point",
        _ => return None,
    })
}

/// Splits `timestamp(3) with time zone`, `numeric(12, 2)[]`, `INT[]`; `None` when the base is
/// not a PostgreSQL type name.
fn parse(name: &str) -> Option<PgType> {
    let mut n = name.trim().to_ascii_lowercase();
    let mut array = false;
    while let Some(s) = n.strip_suffix("[]") {
        n = s.trim_end().to_owned();
        array = true;
    }
    let mut args = Vec::new();
    if let (Some(open), Some(close)) = (n.find('('), n.find(')')) {
        if close < open {
            return None;
        }
        for a in n[open + 1..close].split(',') {
            args.push(a.trim().parse().ok()?);
        }
        n = format!("{} {}", &n[..open], &n[close + 1..]);
    }
    let words = n.split_whitespace().collect::<Vec<_>>().join(" ");
    let base = canonical(&words, &mut args)?.to_owned();
    Some(PgType { base, args, array })
}

/// Whether a column whose catalog type is `catalog` fits the declared `physical` name, read
/// as PostgreSQL reads it; `None` when `physical` is not a PostgreSQL type name (the
/// cross-tool reading applies).
pub fn fits_physical(physical: &str, catalog: &str) -> Option<Result<(), String>> {
    let same_words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
    if same_words(physical) == same_words(catalog) {
        return Some(Ok(()));
    }
    let Some(want) = parse(physical) else {
        // A name neither PostgreSQL's nor another tool's (a domain, an enum, PostGIS's
        // `geometry`) that is not the column's type: the server says it is something else.
        return lakegate_contract::physical::parse(physical).is_none().then(|| {
            Err(format!("physicalType `{physical}` does not accept the column's type `{catalog}` on the server"))
        });
    };
    let fail = |why: String| {
        Some(Err(format!("physicalType `{physical}` does not accept the column's type `{catalog}` on the server{why}")))
    };
    let Some(have) = parse(catalog) else { return fail(String::new()) };
    if want.array != have.array {
        return fail(if have.array {
            ": the column is an array".into()
        } else {
            ": the column is not an array".into()
        });
    }
    let strings = ["text", "character varying"];
    let same_base =
        want.base == have.base || (strings.contains(&want.base.as_str()) && strings.contains(&have.base.as_str()));
    if !same_base {
        return fail(String::new());
    }
    match want.base.as_str() {
        "text" | "character varying" => match (want.args.first(), have.args.first()) {
            (None, _) => Some(Ok(())),
            (Some(n), None) => fail(format!(": the column has no length limit, the contract says at most {n}")),
            (Some(n), Some(m)) if m > n => {
                fail(format!(": the column holds up to {m} characters, more than the declared {n}"))
            }
            _ => Some(Ok(())),
        },
        "character" => match (want.args.first(), have.args.first().or(Some(&1))) {
            (Some(n), Some(m)) if n != m => fail(format!(": a blank-padded character({m}), not character({n})")),
            _ => Some(Ok(())),
        },
        "numeric" => {
            let want_ps = match want.args.as_slice() {
                [] => return Some(Ok(())),
                [p] => (*p, 0),
                [p, s, ..] => (*p, *s),
            };
            match have.args.as_slice() {
                [p, s] if (*p, *s) == want_ps => Some(Ok(())),
                [] => fail(": the column's precision and scale are unconstrained".into()),
                _ => fail(String::new()),
            }
        }
        "timestamp without time zone"
        | "timestamp with time zone"
        | "time without time zone"
        | "time with time zone"
        | "bit"
        | "bit varying" => {
            // Without a precision written, the server's default (6 for times).
            let default = if want.base.starts_with("time") { 6 } else { 1 };
            match want.args.first() {
                Some(p) if *p != have.args.first().copied().unwrap_or(default) => fail(String::new()),
                _ => Some(Ok(())),
            }
        }
        _ => Some(Ok(())),
    }
}

/// Whether a logicalType fits a column the generic reading cannot describe: `object` and
/// `array` on `json`/`jsonb` (the server does not say which a document holds).
pub fn fits_logical(logical: &str, catalog: &str) -> bool {
    let c = catalog.trim().to_ascii_lowercase();
    matches!(c.as_str(), "json" | "jsonb") && matches!(logical, "object" | "array")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: &str, c: &str) -> bool {
        matches!(fits_physical(p, c), Some(Ok(())))
    }
    fn breach(p: &str, c: &str) -> bool {
        matches!(fits_physical(p, c), Some(Err(_)))
    }

    #[test]
    fn postgres_names_read_exactly() {
        for (p, c) in [
            ("varchar(8)", "character varying(8)"),
            ("varchar(50)", "character varying(8)"),
            ("varchar", "character varying(8)"),
            ("text", "character varying(8)"),
            ("varchar", "text"),
            ("real", "real"),
            ("float4", "real"),
            ("double precision", "double precision"),
            ("float", "double precision"),
            ("float(10)", "real"),
            ("timestamp", "timestamp without time zone"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp(3) with time zone", "timestamp(3) with time zone"),
            ("timestamptz", "timestamp(3) with time zone"),
            ("timestamptz(6)", "timestamp with time zone"),
            ("jsonb", "jsonb"),
            ("integer[]", "integer[]"),
            ("int[]", "integer[]"),
            ("int4", "integer"),
            ("numeric(12,2)", "numeric(12,2)"),
            ("numeric", "numeric(12,2)"),
            ("inet", "inet"),
            ("UUID", "uuid"),
            ("char(3)", "character(3)"),
            ("mood", "mood"),
        ] {
            assert!(ok(p, c), "{p} on {c}: {:?}", fits_physical(p, c));
        }
    }

    #[test]
    fn narrower_or_other_types_are_breaches() {
        for (p, c) in [
            ("varchar(4)", "character varying(8)"),
            ("varchar(4)", "text"),
            ("varchar(4)", "character varying"),
            ("real", "double precision"),
            ("float4", "double precision"),
            ("double precision", "real"),
            ("timestamp", "timestamp with time zone"),
            ("timestamptz", "timestamp without time zone"),
            ("timestamp(3)", "timestamp without time zone"),
            ("smallint", "bigint"),
            ("integer", "bigint"),
            ("json", "jsonb"),
            ("integer[]", "integer"),
            ("integer", "integer[]"),
            ("bigint[]", "integer[]"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(12,2)", "numeric"),
            ("char(3)", "character varying(3)"),
            ("char(3)", "character(4)"),
            ("uuid", "text"),
            ("text", "mood"),
        ] {
            assert!(breach(p, c), "{p} on {c}: {:?}", fits_physical(p, c));
        }
        let msg = fits_physical("varchar(4)", "character varying(8)").and_then(Result::err).expect("breach");
        assert!(msg.contains("up to 8 characters, more than the declared 4"), "{msg}");
    }

    #[test]
    fn names_postgres_does_not_have_keep_the_cross_tool_reading() {
        for p in ["STRING", "INT64", "DOUBLE", "VARIANT", "ARRAY<INT>"] {
            assert_eq!(fits_physical(p, "text"), None, "{p}");
        }
        // A server type of its own is that type only.
        assert!(ok("geometry", "geometry") && breach("mood", "text") && breach("geometry", "mood"));
        assert!(fits_logical("object", "jsonb") && fits_logical("array", "json"));
        assert!(!fits_logical("string", "jsonb") && !fits_logical("object", "text"));
    }
}
