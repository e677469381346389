//! Type compatibility between declared types (ODCS logical / physical) and the data's types.
//!
//! | logicalType | accepted column types |
//! |---|---|
//! | string | string (and categorical/enum) |
//! | integer | int8..int64, uint8..uint64, decimal with scale 0 |
//! | number | any integer, float32/64, decimal |
//! | boolean | boolean |
//! | date | date |
//! | timestamp | timestamp, with or without time zone (`timezone: true/false` narrows it) |
//! | time | time |
//! | object | struct |
//! | array | list |
//! | map | list of struct{key, value} (how Parquet and Arrow store maps) |
//! | vector | list of float |

use lakegate_contract::physical;
use lakegate_core::{ColumnType, DataSchema};

/// Finds a column by path (`a.b` descends into struct `a`).
pub fn find<'a>(schema: &'a DataSchema, path: &str) -> Option<&'a ColumnType> {
    if let Some((_, t)) = schema.iter().find(|(n, _)| n == path) {
        return Some(t);
    }
    let mut parts = path.split('.');
    let first = parts.next()?;
    let (first, mut items) = strip_items(first);
    let mut t = &schema.iter().find(|(n, _)| n == first)?.1;
    loop {
        // `col[]`: the items of a list column (one `[]` per level of nesting).
        for _ in 0..items {
            match t {
                ColumnType::List(inner) => t = inner,
                _ => return None,
            }
        }
        let Some(part) = parts.next() else { return Some(t) };
        let (part, n) = strip_items(part);
        items = n;
        match (t, part) {
            // The key and value of a map entry, whatever the writer named them.
            (ColumnType::Struct(fields), "<key>") if fields.len() == 2 => t = &fields[0].1,
            (ColumnType::Struct(fields), "<value>") if fields.len() == 2 => t = &fields[1].1,
            (ColumnType::Struct(fields), _) => t = &fields.iter().find(|(n, _)| n == part)?.1,
            _ => return None,
        }
    }
}

/// `tags[][]` -> (`tags`, 2).
fn strip_items(part: &str) -> (&str, usize) {
    let mut p = part;
    let mut n = 0;
    while let Some(rest) = p.strip_suffix("[]") {
        p = rest;
        n += 1;
    }
    (p, n)
}

/// A likely rename of a missing column: the same name in another case, or a close name
/// (e.g. `sex` missing, `Sex` present; `customer_id` missing, `customerid` present).
pub fn rename_hint(schema: &DataSchema, path: &str) -> Option<String> {
    let (prefix, name, fields): (&str, &str, Vec<&str>) = match path.rsplit_once('.') {
        Some((parent, last)) if find(schema, path).is_none() => match find(schema, parent) {
            Some(ColumnType::Struct(f)) => (parent, last, f.iter().map(|(n, _)| n.as_str()).collect()),
            _ => ("", path, schema.iter().map(|(n, _)| n.as_str()).collect()),
        },
        _ => ("", path, schema.iter().map(|(n, _)| n.as_str()).collect()),
    };
    let full = |n: &str| if prefix.is_empty() { n.to_owned() } else { format!("{prefix}.{n}") };
    if let Some(n) = fields.iter().find(|n| n.eq_ignore_ascii_case(name)) {
        return Some(format!("the data has `{}` (the case differs)", full(n)));
    }
    let squash = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
    if let Some(n) = fields.iter().find(|n| squash(n) == squash(name)) {
        return Some(format!("the data has `{}`", full(n)));
    }
    let best = fields
        .iter()
        .map(|n| (strsim::jaro_winkler(&n.to_lowercase(), &name.to_lowercase()), *n))
        .filter(|(score, _)| *score >= 0.88)
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(format!("did you mean `{}`?", full(best.1)))
}

/// Whether a column of type `t` fits `logical`; `Err` explains why not.
pub fn fits_logical(t: &ColumnType, logical: &str, tz: Option<bool>) -> Result<(), String> {
    use ColumnType as C;
    let ok = match logical {
        "string" => matches!(t, C::String),
        "integer" => matches!(t, C::Int(_) | C::UInt(_) | C::Decimal(_, Some(0))),
        "number" => t.is_numeric(),
        "boolean" => matches!(t, C::Boolean),
        "date" => matches!(t, C::Date),
        // ODCS v3.0's `date`, which has no `timestamp` beside it.
        "date|timestamp" => matches!(t, C::Date | C::Timestamp { .. }),
        "timestamp" => match (t, tz) {
            (C::Timestamp { tz: has }, Some(want)) => {
                if *has != want {
                    return Err(format!(
                        "`timezone: {want}` but the column is {}",
                        if *has { "a timestamp with a time zone" } else { "a timestamp without time zone" }
                    ));
                }
                true
            }
            (C::Timestamp { .. }, None) => true,
            _ => false,
        },
        "time" => matches!(t, C::Time),
        "object" => matches!(t, C::Struct(_)),
        "array" => matches!(t, C::List(_)),
        "map" => matches!(t, C::List(inner) if matches!(inner.as_ref(), C::Struct(f) if f.len() == 2)),
        "vector" => matches!(t, C::List(inner) if matches!(inner.as_ref(), C::Float(_))),
        _ => false,
    };
    if ok || matches!(t, C::Null) {
        Ok(())
    } else {
        Err(format!("logicalType `{logical}` does not accept a column of type {}", t.name()))
    }
}

/// Whether a column of type `t` fits the physical type name; `None` when the name is
/// unknown (no check derived). Widths that differ between tools are accepted under any
/// reading (see `lakegate_contract::physical`).
pub fn fits_physical(t: &ColumnType, name: &str) -> Option<Result<(), String>> {
    physical::fits(t, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakegate_core::ColumnType as C;

    #[test]
    fn logical_mapping() {
        assert!(fits_logical(&C::Int(64), "integer", None).is_ok());
        assert!(fits_logical(&C::Decimal(Some(10), Some(2)), "integer", None).is_err());
        assert!(fits_logical(&C::Float(64), "number", None).is_ok());
        assert!(fits_logical(&C::String, "number", None).is_err());
        assert!(fits_logical(&C::Timestamp { tz: false }, "timestamp", Some(true)).is_err());
        assert!(fits_logical(&C::Timestamp { tz: true }, "timestamp", Some(true)).is_ok());
        assert!(fits_logical(&C::Null, "string", None).is_ok(), "an all-null column has no type to contradict");
        assert!(fits_logical(&C::Timestamp { tz: false }, "date|timestamp", None).is_ok(), "ODCS v3.0 `date`");
        assert!(fits_logical(&C::Timestamp { tz: false }, "date", None).is_err());
    }

    #[test]
    fn physical_mapping() {
        assert_eq!(fits_physical(&C::Int(64), "BIGINT"), Some(Ok(())));
        assert!(matches!(fits_physical(&C::Int(32), "bigint"), Some(Err(_))));
        assert_eq!(fits_physical(&C::Decimal(Some(12), Some(2)), "DECIMAL(12,2)"), Some(Ok(())));
        assert!(matches!(fits_physical(&C::Decimal(Some(12), Some(3)), "DECIMAL(12,2)"), Some(Err(_))));
        assert_eq!(fits_physical(&C::String, "geography"), None);
    }

    #[test]
    fn rename_hints() {
        let schema = vec![
            ("Sex".to_owned(), C::String),
            ("customerid".to_owned(), C::Int(64)),
            ("created_at".to_owned(), C::Date),
            ("s".to_owned(), C::Struct(vec![("Alpha".to_owned(), C::Int(32))])),
        ];
        assert_eq!(rename_hint(&schema, "sex").as_deref(), Some("the data has `Sex` (the case differs)"));
        assert_eq!(rename_hint(&schema, "customer_id").as_deref(), Some("the data has `customerid`"));
        assert_eq!(rename_hint(&schema, "created_att").as_deref(), Some("did you mean `created_at`?"));
        assert_eq!(rename_hint(&schema, "s.alpha").as_deref(), Some("the data has `s.Alpha` (the case differs)"));
        assert_eq!(rename_hint(&schema, "zzz"), None);
    }

    #[test]
    fn nested_paths() {
        let schema = vec![("a".to_owned(), C::Struct(vec![("b".to_owned(), C::Int(32))]))];
        assert_eq!(find(&schema, "a.b"), Some(&C::Int(32)));
        assert_eq!(find(&schema, "a.c"), None);
        let lists =
            vec![("l".to_owned(), C::List(Box::new(C::Struct(vec![("x".to_owned(), C::List(Box::new(C::String)))]))))];
        assert_eq!(find(&lists, "l[].x[]"), Some(&C::String));
        assert!(matches!(find(&lists, "l[].x"), Some(C::List(_))));
        assert_eq!(find(&lists, "l.x"), None);
        let maps = vec![(
            "m".to_owned(),
            C::List(Box::new(C::Struct(vec![("k".to_owned(), C::String), ("v".to_owned(), C::Int(64))]))),
        )];
        assert_eq!(find(&maps, "m[].<key>"), Some(&C::String));
        assert_eq!(find(&maps, "m[].<value>"), Some(&C::Int(64)));
        assert_eq!(find(&schema, "a[]"), None);
    }
}
