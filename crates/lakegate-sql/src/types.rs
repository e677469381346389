//! Catalog type names (PostgreSQL's `format_type`, Redshift's, Spark's) as lakegate's
//! column types, so schema checks read a table's columns without reading rows.

use lakegate_core::ColumnType;

/// The column type of a catalog type name: `numeric(12,2)`, `character varying(64)`,
/// `timestamp with time zone`, `bigint`, `ARRAY`, Spark's `decimal(12,2)`, `string`,
/// `timestamp_ntz`, `array<string>` ... An unknown name is kept as it is.
pub fn column_type(name: &str) -> ColumnType {
    let n = name.trim().to_ascii_lowercase();
    // `timestamp(3) with time zone`: the parameters are taken out, the words kept.
    let (base, args) = match (n.find('('), n.find(')')) {
        (Some(open), Some(close)) if open < close && !n.starts_with("array<") => {
            let rest = format!("{} {}", n[..open].trim(), n[close + 1..].trim());
            (rest.trim().to_owned(), n[open + 1..close].to_owned())
        }
        _ => (n.clone(), String::new()),
    };
    let nums: Vec<usize> = args.split(',').filter_map(|a| a.trim().parse().ok()).collect();
    if n.ends_with("[]") || base == "array" || n.starts_with("array<") || n == "_text" {
        let inner = n.strip_prefix("array<").and_then(|r| r.strip_suffix('>')).or(n.strip_suffix("[]"));
        return ColumnType::List(Box::new(inner.map(column_type).unwrap_or(ColumnType::Other("unknown".into()))));
    }
    match base.as_str() {
        "smallint" | "int2" | "short" => ColumnType::Int(16),
        "integer" | "int" | "int4" => ColumnType::Int(32),
        "bigint" | "int8" | "long" => ColumnType::Int(64),
        "tinyint" | "byte" => ColumnType::Int(8),
        "real" | "float4" | "float" => ColumnType::Float(32),
        "double precision" | "float8" | "double" => ColumnType::Float(64),
        "numeric" | "decimal" => {
            ColumnType::Decimal(nums.first().copied(), nums.get(1).copied().or(Some(0)).filter(|_| !nums.is_empty()))
        }
        "text" | "character varying" | "varchar" | "character" | "char" | "bpchar" | "string" | "name" => {
            ColumnType::String
        }
        // PostgreSQL types read as text: string rules compare their text form (see `as_text`).
        t if as_text(t) => ColumnType::String,
        "boolean" | "bool" => ColumnType::Boolean,
        "date" => ColumnType::Date,
        "timestamp without time zone" | "timestamp_ntz" => ColumnType::Timestamp { tz: false },
        "timestamp with time zone" | "timestamptz" | "timestamp_ltz" => ColumnType::Timestamp { tz: true },
        // Spark's `timestamp` is a point in time (session time zone); PostgreSQL's is without.
        "timestamp" if base == "timestamp" => ColumnType::Timestamp { tz: false },
        "time without time zone" | "time" | "time with time zone" | "timetz" => ColumnType::Time,
        "interval" => ColumnType::Duration,
        "bytea" | "binary" => ColumnType::Binary,
        _ => ColumnType::Other(n),
    }
}

/// PostgreSQL types whose values lakegate checks as strings through their text form
/// (`CAST(x AS TEXT)`): `uuid`, `inet`, `cidr`, `macaddr`, `macaddr8` (no `~` or `char_length`
/// of their own) and `citext` (whose `~` ignores case: the text form matches as Rust does).
pub fn as_text(catalog_type: &str) -> bool {
    matches!(
        catalog_type.trim().to_ascii_lowercase().as_str(),
        "uuid" | "inet" | "cidr" | "macaddr" | "macaddr8" | "citext"
    )
}

/// The maximum length of a `character varying(n)` / `varchar(n)` / `character(n)` type.
pub fn max_length(name: &str) -> Option<u64> {
    let n = name.trim().to_ascii_lowercase();
    let (base, args) = n.split_once('(')?;
    matches!(base.trim(), "character varying" | "varchar" | "character" | "char" | "bpchar")
        .then(|| args.trim_end_matches(')').trim().parse().ok())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_names_map_to_column_types() {
        assert_eq!(column_type("numeric(12,2)"), ColumnType::Decimal(Some(12), Some(2)));
        assert_eq!(column_type("numeric"), ColumnType::Decimal(None, None));
        assert_eq!(column_type("timestamp with time zone"), ColumnType::Timestamp { tz: true });
        assert_eq!(column_type("timestamp without time zone"), ColumnType::Timestamp { tz: false });
        assert_eq!(column_type("character varying(64)"), ColumnType::String);
        assert_eq!(max_length("character varying(64)"), Some(64));
        assert_eq!(column_type("bigint"), ColumnType::Int(64));
        assert_eq!(column_type("double precision"), ColumnType::Float(64));
        assert_eq!(column_type("text[]"), ColumnType::List(Box::new(ColumnType::String)));
        assert_eq!(column_type("decimal(10,0)"), ColumnType::Decimal(Some(10), Some(0)));
        assert_eq!(column_type("jsonb"), ColumnType::Other("jsonb".into()));
        // As PostgreSQL's format_type writes them.
        assert_eq!(column_type("timestamp(3) with time zone"), ColumnType::Timestamp { tz: true });
        assert_eq!(column_type("timestamp(0) without time zone"), ColumnType::Timestamp { tz: false });
        assert_eq!(column_type("integer[]"), ColumnType::List(Box::new(ColumnType::Int(32))));
        assert_eq!(column_type("numeric(12,2)[]"), ColumnType::List(Box::new(ColumnType::Decimal(Some(12), Some(2)))));
        assert_eq!(column_type("inet"), ColumnType::String);
        assert_eq!(column_type("uuid"), ColumnType::String);
        assert!(as_text("UUID") && !as_text("text") && !as_text("jsonb"));
    }
}
