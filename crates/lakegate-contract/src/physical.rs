//! Physical type names (`physicalType`) as users write them, normalised.
//!
//! Case-insensitive common SQL, Spark, Arrow and Parquet names. A name that is not in
//! this table is a lint warning and no schema check is derived from it: lakegate never
//! guesses what an unknown type means.

use serde::Serialize;

/// A physical column type, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PhysicalType {
    /// Text of any length (VARCHAR, STRING, TEXT, CHAR, UUID, JSON ...).
    String,
    /// 8-bit signed integer (TINYINT, INT8).
    Int8,
    /// 16-bit signed integer (SMALLINT, INT16).
    Int16,
    /// 32-bit signed integer (INT, INTEGER, INT32).
    Int32,
    /// 64-bit signed integer (BIGINT, INT64, LONG).
    Int64,
    /// Unsigned integers (UINT8 .. UINT64).
    UInt(u8),
    /// 32-bit float (REAL, FLOAT, FLOAT32).
    Float32,
    /// 64-bit float (DOUBLE, FLOAT64, DOUBLE PRECISION).
    Float64,
    /// Fixed-point decimal, with precision and scale when given.
    Decimal(Option<u8>, Option<u8>),
    /// BOOLEAN, BOOL.
    Boolean,
    /// DATE.
    Date,
    /// TIMESTAMP / DATETIME: `Some(true)` with a time zone, `Some(false)` without, `None` either.
    Timestamp(Option<bool>),
    /// TIME.
    Time,
    /// BINARY, BYTES, BLOB, VARBINARY.
    Binary,
    /// ARRAY<...>, LIST.
    List,
    /// STRUCT<...>, RECORD, OBJECT.
    Struct,
    /// MAP<...>.
    Map,
}

/// Parses a physical type name; `None` when the name is unknown.
pub fn parse(name: &str) -> Option<PhysicalType> {
    let upper = name.trim().to_ascii_uppercase();
    let (base, args) = match upper.find(['(', '<']) {
        Some(i) => (upper[..i].trim(), Some(upper[i + 1..].trim_end_matches([')', '>']).trim())),
        None => (upper.as_str(), None),
    };
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    use PhysicalType::*;
    Some(match base.as_str() {
        "VARCHAR" | "STRING" | "TEXT" | "CHAR" | "CHARACTER" | "NVARCHAR" | "NCHAR" | "CHARACTER VARYING" | "UTF8"
        | "LARGE_STRING" | "LARGE_UTF8" | "UUID" | "JSON" | "CLOB" | "STR" => String,
        "TINYINT" | "INT8" | "BYTE" => Int8,
        "SMALLINT" | "INT16" | "SHORT" => Int16,
        "INT" | "INTEGER" | "INT32" | "MEDIUMINT" => Int32,
        "BIGINT" | "INT64" | "LONG" => Int64,
        "UTINYINT" | "UINT8" => UInt(8),
        "USMALLINT" | "UINT16" => UInt(16),
        "UINTEGER" | "UINT32" => UInt(32),
        "UBIGINT" | "UINT64" => UInt(64),
        "REAL" | "FLOAT" | "FLOAT32" | "FLOAT4" => Float32,
        "DOUBLE" | "FLOAT64" | "FLOAT8" | "DOUBLE PRECISION" => Float64,
        "DECIMAL" | "NUMERIC" | "NUMBER" | "DEC" => {
            let mut parts = args.unwrap_or("").split(',').map(|p| p.trim().parse::<u8>().ok());
            Decimal(parts.next().flatten(), parts.next().flatten())
        }
        "BOOLEAN" | "BOOL" | "BIT" => Boolean,
        "DATE" | "DATE32" => Date,
        "TIMESTAMP" | "DATETIME" | "DATETIME2" => match args {
            Some(a) if a.contains("WITH TIME ZONE") || a.contains("WITH LOCAL TIME ZONE") => Timestamp(Some(true)),
            _ => Timestamp(None),
        },
        "TIMESTAMP WITH TIME ZONE"
        | "TIMESTAMP WITH LOCAL TIME ZONE"
        | "TIMESTAMP_TZ"
        | "TIMESTAMP_LTZ"
        | "TIMESTAMPTZ"
        | "DATETIMEOFFSET" => Timestamp(Some(true)),
        "TIMESTAMP WITHOUT TIME ZONE" | "TIMESTAMP_NTZ" => Timestamp(Some(false)),
        "TIME" | "TIME WITHOUT TIME ZONE" => Time,
        "BINARY" | "VARBINARY" | "BYTES" | "BLOB" | "BYTEA" | "LARGE_BINARY" => Binary,
        "ARRAY" | "LIST" | "LARGE_LIST" => List,
        "STRUCT" | "RECORD" | "OBJECT" | "ROW" => Struct,
        "MAP" => Map,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::PhysicalType::*;
    use super::parse;

    #[test]
    fn parses_common_names_case_insensitively() {
        assert_eq!(parse("varchar(18)"), Some(String));
        assert_eq!(parse("BIGINT"), Some(Int64));
        assert_eq!(parse("int"), Some(Int32));
        assert_eq!(parse("Double Precision"), Some(Float64));
        assert_eq!(parse("DECIMAL(12, 2)"), Some(Decimal(Some(12), Some(2))));
        assert_eq!(parse("timestamp_ntz"), Some(Timestamp(Some(false))));
        assert_eq!(parse("TIMESTAMP WITH TIME ZONE"), Some(Timestamp(Some(true))));
        assert_eq!(parse("array<string>"), Some(List));
        assert_eq!(parse("geography"), None);
    }
}
