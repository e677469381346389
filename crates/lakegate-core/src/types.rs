//! Column types as the engine sees them, independent of polars.

use serde::Serialize;

/// The type of a column in the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ColumnType {
    /// UTF-8 text.
    String,
    /// Signed integer of this many bits.
    Int(u8),
    /// Unsigned integer of this many bits.
    UInt(u8),
    /// Float of this many bits.
    Float(u8),
    /// Decimal with precision and scale.
    Decimal(Option<usize>, Option<usize>),
    /// Boolean.
    Boolean,
    /// Date.
    Date,
    /// Timestamp, with or without a time zone.
    Timestamp {
        /// True when the values carry a time zone.
        tz: bool,
    },
    /// Time of day.
    Time,
    /// Duration.
    Duration,
    /// Bytes.
    Binary,
    /// List of items.
    List(Box<ColumnType>),
    /// Struct with named fields.
    Struct(Vec<(String, ColumnType)>),
    /// A column of nulls only, whose type is unknown.
    Null,
    /// Anything else, by name.
    Other(String),
}

impl ColumnType {
    /// A short name for messages: `string`, `int64`, `timestamp[tz]`, `list<string>` ...
    pub fn name(&self) -> String {
        match self {
            ColumnType::String => "string".into(),
            ColumnType::Int(b) => format!("int{b}"),
            ColumnType::UInt(b) => format!("uint{b}"),
            ColumnType::Float(b) => format!("float{b}"),
            ColumnType::Decimal(p, s) => match (p, s) {
                (Some(p), Some(s)) => format!("decimal({p},{s})"),
                _ => "decimal".into(),
            },
            ColumnType::Boolean => "boolean".into(),
            ColumnType::Date => "date".into(),
            ColumnType::Timestamp { tz: true } => "timestamp with time zone".into(),
            ColumnType::Timestamp { tz: false } => "timestamp".into(),
            ColumnType::Time => "time".into(),
            ColumnType::Duration => "duration".into(),
            ColumnType::Binary => "binary".into(),
            ColumnType::List(inner) => format!("list<{}>", inner.name()),
            ColumnType::Struct(fields) => format!(
                "struct<{}>",
                fields.iter().map(|(n, t)| format!("{n}: {}", t.name())).collect::<Vec<_>>().join(", ")
            ),
            ColumnType::Null => "null".into(),
            ColumnType::Other(s) => s.clone(),
        }
    }

    /// True for integer, float and decimal columns.
    pub fn is_numeric(&self) -> bool {
        matches!(self, ColumnType::Int(_) | ColumnType::UInt(_) | ColumnType::Float(_) | ColumnType::Decimal(..))
    }

    /// True for date and timestamp columns.
    pub fn is_temporal(&self) -> bool {
        matches!(self, ColumnType::Date | ColumnType::Timestamp { .. })
    }
}
