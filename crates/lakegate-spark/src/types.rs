//! Spark's data types as its catalog writes them (`bigint`, `decimal(12,2)`, `array<string>`;
//! `timestamp` as `timestamp_ltz`, its other name).

use spark_connect_proto::DataType;
use spark_connect_proto::data_type::Kind;

/// The type name Spark's `DESCRIBE` prints for `t`.
pub(crate) fn name(t: &DataType) -> String {
    let Some(kind) = &t.kind else {
        return "unknown".into();
    };
    let inner = |t: &Option<DataType>| t.as_ref().map_or_else(|| "unknown".into(), name);
    match kind {
        Kind::Null(_) => "void".into(),
        Kind::Binary(_) => "binary".into(),
        Kind::Boolean(_) => "boolean".into(),
        Kind::Byte(_) => "tinyint".into(),
        Kind::Short(_) => "smallint".into(),
        Kind::Integer(_) => "int".into(),
        Kind::Long(_) => "bigint".into(),
        Kind::Float(_) => "float".into(),
        Kind::Double(_) => "double".into(),
        Kind::Decimal(d) => format!("decimal({},{})", d.precision.unwrap_or(10), d.scale.unwrap_or(0)),
        Kind::String(s) if s.collation.is_empty() || s.collation.eq_ignore_ascii_case("UTF8_BINARY") => "string".into(),
        Kind::String(s) => format!("string collate {}", s.collation),
        Kind::Char(c) => format!("char({})", c.length),
        Kind::VarChar(v) => format!("varchar({})", v.length),
        Kind::Date(_) => "date".into(),
        // Spark's `timestamp` is a point in time (shown in the session's time zone): its other
        // name `timestamp_ltz` says so to readers that take a bare `timestamp` for PostgreSQL's.
        Kind::Timestamp(_) => "timestamp_ltz".into(),
        Kind::TimestampNtz(_) => "timestamp_ntz".into(),
        Kind::TimestampNtzNanos(_) => "timestamp_ntz(9)".into(),
        Kind::TimestampLtzNanos(_) => "timestamp_ltz(9)".into(),
        Kind::Time(t) => t.precision.map_or_else(|| "time".into(), |p| format!("time({p})")),
        Kind::CalendarInterval(_) => "interval".into(),
        Kind::YearMonthInterval(_) => "interval year to month".into(),
        Kind::DayTimeInterval(_) => "interval day to second".into(),
        Kind::Array(a) => format!("array<{}>", inner(&a.element_type.as_deref().cloned())),
        Kind::Struct(s) => format!(
            "struct<{}>",
            s.fields.iter().map(|f| format!("{}:{}", f.name, inner(&f.data_type))).collect::<Vec<_>>().join(",")
        ),
        Kind::Map(m) => {
            format!("map<{},{}>", inner(&m.key_type.as_deref().cloned()), inner(&m.value_type.as_deref().cloned()))
        }
        Kind::Variant(_) => "variant".into(),
        Kind::Udt(u) => u.sql_type.as_deref().map_or_else(|| "udt".into(), name),
        Kind::Geometry(g) => format!("geometry({})", g.srid),
        Kind::Geography(g) => format!("geography({})", g.srid),
        Kind::Unparsed(u) => u.data_type_string.clone(),
    }
}

/// Whether `t` is text (Spark's `string`, `char`, `varchar`).
pub(crate) fn is_text(t: &DataType) -> bool {
    matches!(t.kind, Some(Kind::String(_) | Kind::Char(_) | Kind::VarChar(_)))
}

#[cfg(test)]
mod tests {
    use spark_connect_proto::data_type;

    use super::*;

    fn t(kind: Kind) -> DataType {
        DataType { kind: Some(kind) }
    }

    #[test]
    fn names_are_sparks_catalog_names() {
        assert_eq!(name(&t(Kind::Long(Default::default()))), "bigint");
        assert_eq!(name(&t(Kind::Timestamp(Default::default()))), "timestamp_ltz");
        let d = data_type::Decimal { precision: Some(12), scale: Some(2), ..Default::default() };
        assert_eq!(name(&t(Kind::Decimal(d))), "decimal(12,2)");
        let a = data_type::Array {
            element_type: Some(Box::new(t(Kind::String(Default::default())))),
            contains_null: true,
            ..Default::default()
        };
        assert_eq!(name(&t(Kind::Array(Box::new(a)))), "array<string>");
        let s = data_type::Struct {
            fields: vec![data_type::StructField {
                name: "a".into(),
                data_type: Some(t(Kind::TimestampNtz(Default::default()))),
                nullable: true,
                metadata: None,
            }],
            ..Default::default()
        };
        assert_eq!(name(&t(Kind::Struct(s))), "struct<a:timestamp_ntz>");
        assert!(is_text(&t(Kind::VarChar(data_type::VarChar { length: 3, ..Default::default() }))));
        assert!(!is_text(&t(Kind::Integer(Default::default()))));
    }
}
