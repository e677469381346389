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
    let mut t = &schema.iter().find(|(n, _)| n == first)?.1;
    for part in parts {
        match t {
            ColumnType::Struct(fields) => t = &fields.iter().find(|(n, _)| n == part)?.1,
            _ => return None,
        }
    }
    Some(t)
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
    fn nested_paths() {
        let schema = vec![("a".to_owned(), C::Struct(vec![("b".to_owned(), C::Int(32))]))];
        assert_eq!(find(&schema, "a.b"), Some(&C::Int(32)));
        assert_eq!(find(&schema, "a.c"), None);
    }
}
