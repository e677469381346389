//! Arrow record batches (Spark Connect's result format) as the SQL engine's [`Table`].

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
    UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use lakegate_sql::{Table, Value};

/// The rows of `batches` (one query's result, in order). Column names come from `columns`
/// when no batch arrived (an empty result still names its columns).
pub(crate) fn table(columns: Vec<String>, batches: &[RecordBatch]) -> Result<Table, String> {
    let mut out = Table {
        columns: batches
            .first()
            .map(|b| b.schema().fields().iter().map(|f| f.name().clone()).collect())
            .unwrap_or(columns),
        rows: Vec::new(),
    };
    for batch in batches {
        let n = batch.num_rows();
        let start = out.rows.len();
        out.rows.extend((0..n).map(|_| Vec::with_capacity(batch.num_columns())));
        for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
            for i in 0..n {
                let v = value(array.as_ref(), i).map_err(|t| format!("column `{}` has type {t}", field.name()))?;
                out.rows[start + i].push(v);
            }
        }
    }
    Ok(out)
}

/// Row `i` of `a`; the error is the type's name when lakegate does not read it.
fn value(a: &dyn Array, i: usize) -> Result<Value, String> {
    if a.is_null(i) {
        return Ok(Value::Null);
    }
    Ok(match a.data_type() {
        DataType::Null => Value::Null,
        DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
        DataType::Int8 => Value::Int(a.as_primitive::<Int8Type>().value(i).into()),
        DataType::Int16 => Value::Int(a.as_primitive::<Int16Type>().value(i).into()),
        DataType::Int32 => Value::Int(a.as_primitive::<Int32Type>().value(i).into()),
        DataType::Int64 => Value::Int(a.as_primitive::<Int64Type>().value(i).into()),
        DataType::UInt8 => Value::Int(a.as_primitive::<UInt8Type>().value(i).into()),
        DataType::UInt16 => Value::Int(a.as_primitive::<UInt16Type>().value(i).into()),
        DataType::UInt32 => Value::Int(a.as_primitive::<UInt32Type>().value(i).into()),
        DataType::UInt64 => Value::Int(a.as_primitive::<UInt64Type>().value(i).into()),
        DataType::Float16 => Value::Float(a.as_primitive::<Float16Type>().value(i).to_f64()),
        DataType::Float32 => Value::Float(a.as_primitive::<Float32Type>().value(i).into()),
        DataType::Float64 => Value::Float(a.as_primitive::<Float64Type>().value(i)),
        DataType::Decimal128(_, scale) => {
            let unscaled = a.as_primitive::<Decimal128Type>().value(i);
            match u8::try_from(*scale) {
                Ok(0) => Value::Int(unscaled),
                Ok(scale) => Value::Decimal { unscaled, scale },
                // A negative scale (Spark never sends one by default): scaled up exactly, if it fits.
                Err(_) => {
                    let factor = 10i128.checked_pow(scale.unsigned_abs().into());
                    match factor.and_then(|f| unscaled.checked_mul(f)) {
                        Some(v) => Value::Int(v),
                        None => return Err(format!("decimal with scale {scale}")),
                    }
                }
            }
        }
        DataType::Utf8 => Value::Text(a.as_string::<i32>().value(i).to_owned()),
        DataType::LargeUtf8 => Value::Text(a.as_string::<i64>().value(i).to_owned()),
        DataType::Utf8View => Value::Text(a.as_string_view().value(i).to_owned()),
        DataType::Date32 => Value::Date(a.as_primitive::<Date32Type>().value(i)),
        DataType::Date64 => {
            let ms = a.as_primitive::<Date64Type>().value(i);
            Value::Date(i32::try_from(ms.div_euclid(86_400_000)).map_err(|_| "date64 out of range".to_owned())?)
        }
        // Spark sends microseconds, in UTC for `timestamp` (the session's time zone is UTC) and
        // as the wall clock for `timestamp_ntz`: both are micros since the epoch read as UTC.
        DataType::Timestamp(unit, _) => Value::Timestamp(match unit {
            TimeUnit::Second => a
                .as_primitive::<TimestampSecondType>()
                .value(i)
                .checked_mul(1_000_000)
                .ok_or("timestamp out of range")?,
            TimeUnit::Millisecond => a
                .as_primitive::<TimestampMillisecondType>()
                .value(i)
                .checked_mul(1_000)
                .ok_or("timestamp out of range")?,
            TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
            TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().value(i).div_euclid(1_000),
        }),
        other => return Err(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Int8Array, Int32Array, Int64Array,
        LargeStringArray, ListArray, NullArray, StringArray, TimestampMicrosecondArray, TimestampNanosecondArray,
        types::Int32Type,
    };
    use arrow_schema::{Field, Schema};

    use super::*;

    fn batch(cols: Vec<(&str, Arc<dyn Array>)>) -> RecordBatch {
        let schema =
            Schema::new(cols.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect::<Vec<_>>());
        RecordBatch::try_new(Arc::new(schema), cols.into_iter().map(|(_, a)| a).collect()).expect("batch")
    }

    #[test]
    fn every_scalar_type_converts_and_nulls_stay_null() {
        let b = batch(vec![
            ("b", Arc::new(BooleanArray::from(vec![Some(true), None]))),
            ("i8", Arc::new(Int8Array::from(vec![Some(-8), None]))),
            ("i32", Arc::new(Int32Array::from(vec![Some(i32::MIN), None]))),
            ("i64", Arc::new(Int64Array::from(vec![Some(i64::MAX), None]))),
            ("f32", Arc::new(Float32Array::from(vec![Some(1.5), None]))),
            ("f64", Arc::new(Float64Array::from(vec![Some(f64::NAN), None]))),
            (
                "d",
                Arc::new(
                    Decimal128Array::from(vec![Some(-12345), None]).with_precision_and_scale(12, 2).expect("decimal"),
                ),
            ),
            (
                "d0",
                Arc::new(Decimal128Array::from(vec![Some(7), None]).with_precision_and_scale(20, 0).expect("decimal")),
            ),
            ("s", Arc::new(StringArray::from(vec![Some("é€😀"), None]))),
            ("ls", Arc::new(LargeStringArray::from(vec![Some(""), None]))),
            ("dt", Arc::new(Date32Array::from(vec![Some(-1), None]))),
            (
                "ts",
                Arc::new(TimestampMicrosecondArray::from(vec![Some(1_700_000_000_123_456), None]).with_timezone("UTC")),
            ),
            ("ntz", Arc::new(TimestampNanosecondArray::from(vec![Some(-1_500), None]))),
            ("n", Arc::new(NullArray::new(2))),
        ]);
        let t = table(vec![], &[b]).expect("converts");
        assert_eq!(t.columns, ["b", "i8", "i32", "i64", "f32", "f64", "d", "d0", "s", "ls", "dt", "ts", "ntz", "n"]);
        let r = &t.rows[0];
        assert_eq!(r[0], Value::Bool(true));
        assert_eq!(r[1], Value::Int(-8));
        assert_eq!(r[2], Value::Int(i32::MIN.into()));
        assert_eq!(r[3], Value::Int(i64::MAX.into()));
        assert_eq!(r[4], Value::Float(1.5));
        assert!(matches!(r[5], Value::Float(f) if f.is_nan()));
        assert_eq!(r[6], Value::Decimal { unscaled: -12345, scale: 2 });
        assert_eq!(r[7], Value::Int(7));
        assert_eq!(r[8], Value::Text("é€😀".into()));
        assert_eq!(r[9], Value::Text(String::new()));
        assert_eq!(r[10], Value::Date(-1));
        assert_eq!(r[11], Value::Timestamp(1_700_000_000_123_456));
        // Floor division: 1.5 µs before the epoch is in the microsecond -2.
        assert_eq!(r[12], Value::Timestamp(-2));
        assert_eq!(r[13], Value::Null);
        assert!(t.rows[1].iter().all(|v| *v == Value::Null), "{:?}", t.rows[1]);
    }

    #[test]
    fn rows_of_several_batches_follow_each_other() {
        let a = batch(vec![("x", Arc::new(Int64Array::from(vec![1, 2])))]);
        let b = batch(vec![("x", Arc::new(Int64Array::from(vec![3])))]);
        let t = table(vec![], &[a, b]).expect("converts");
        assert_eq!(t.rows, vec![vec![Value::Int(1)], vec![Value::Int(2)], vec![Value::Int(3)]]);
    }

    #[test]
    fn an_empty_result_keeps_its_column_names() {
        let t = table(vec!["n".into()], &[]).expect("converts");
        assert_eq!(t.columns, ["n"]);
        assert!(t.rows.is_empty());
    }

    #[test]
    fn a_type_lakegate_does_not_read_is_an_error_naming_the_column() {
        let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1)])]);
        let e = table(vec![], &[batch(vec![("tags", Arc::new(list))])]).expect_err("refused");
        assert!(e.starts_with("column `tags` has type List"), "{e}");
    }
}
