//! Whether a type change widens (every value of the old type fits the new one), narrows (the
//! reverse), is the same type spelled otherwise, or changes family.

use lakegate_contract::model::LogicalType;
use lakegate_contract::physical::{self, PhysicalType};

/// How one type relates to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Same type, other spelling.
    Same,
    /// Every old value fits the new type.
    Widened,
    /// Every new value fits the old type, not the reverse.
    Narrowed,
    /// Neither (another family, or unknown).
    Changed,
}

/// integer -> number widens; the reverse narrows; anything else changes.
pub fn logical(old: LogicalType, new: LogicalType) -> Direction {
    match (old, new) {
        (a, b) if a == b => Direction::Same,
        (LogicalType::Integer, LogicalType::Number) => Direction::Widened,
        (LogicalType::Number, LogicalType::Integer) => Direction::Narrowed,
        _ => Direction::Changed,
    }
}

/// A physical type as far as ordering goes.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// Signed integer of at most this many bits.
    Int(u8),
    /// Unsigned integer of at most this many bits.
    UInt(u8),
    /// Float of this many bits.
    Float(u8),
    /// Decimal (precision, scale); unknown precision is the widest (38).
    Decimal(u8, u8),
    /// Text of at most this many characters (None: unbounded).
    Text(Option<u64>),
    /// Anything else, compared by its parsed form.
    Other(PhysicalType),
}

/// The declared length of `VARCHAR(n)`, `CHAR(n)`, `STRING(n)`, `NVARCHAR(n)`.
fn text_length(name: &str) -> Option<u64> {
    let open = name.find('(')?;
    let close = name[open..].find(')')? + open;
    name[open + 1..close].trim().parse().ok()
}

fn shape(name: &str) -> Option<Shape> {
    let t = physical::parse(name)?;
    Some(match t {
        // A name several widths may mean (INT is 32 bits in most engines, 64 in BigQuery;
        // FLOAT 32 or 64) is read as its narrowest: INT -> BIGINT is a widening.
        PhysicalType::Int { widths, .. } => Shape::Int(*widths.list().first()?),
        PhysicalType::UInt(w) => Shape::UInt(*w.list().first()?),
        PhysicalType::Float(w) => Shape::Float(*w.list().first()?),
        PhysicalType::Decimal(p, s) => Shape::Decimal(p.unwrap_or(38), s.unwrap_or(0)),
        PhysicalType::String => Shape::Text(text_length(name)),
        other => Shape::Other(other),
    })
}

/// Decimal digits an integer of `bits` needs.
fn int_digits(bits: u8, signed: bool) -> u8 {
    match (bits, signed) {
        (8, _) => 3,
        (16, _) => 5,
        (32, _) => 10,
        (64, true) => 19,
        (64, false) => 20,
        _ => 39,
    }
}

fn widens(a: &Shape, b: &Shape) -> Option<bool> {
    use Shape::*;
    Some(match (a, b) {
        (Int(x), Int(y)) | (UInt(x), UInt(y)) | (Float(x), Float(y)) => x <= y,
        (UInt(x), Int(y)) => x < y,
        // Every integer of 8..32 bits is exact in a double, of 8..16 bits in a float.
        (Int(x) | UInt(x), Float(y)) => (*y == 64 && *x <= 32) || (*y == 32 && *x <= 16),
        (Int(x), Decimal(p, s)) => p.saturating_sub(*s) >= int_digits(*x, true),
        (UInt(x), Decimal(p, s)) => p.saturating_sub(*s) >= int_digits(*x, false),
        (Decimal(p1, s1), Decimal(p2, s2)) => s2 >= s1 && p2.saturating_sub(*s2) >= p1.saturating_sub(*s1),
        (Text(x), Text(y)) => match (x, y) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(x), Some(y)) => x <= y,
        },
        _ => return None,
    })
}

/// Compares two physical type names.
pub fn physical(old: &str, new: &str) -> Direction {
    if old.trim().eq_ignore_ascii_case(new.trim()) {
        return Direction::Same;
    }
    let (Some(a), Some(b)) = (shape(old), shape(new)) else { return Direction::Changed };
    if a == b {
        return Direction::Same;
    }
    match (widens(&a, &b), widens(&b, &a)) {
        (Some(true), Some(true)) => Direction::Same,
        (Some(true), _) => Direction::Widened,
        (_, Some(true)) => Direction::Narrowed,
        _ => Direction::Changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_directions() {
        assert_eq!(physical("INT", "BIGINT"), Direction::Widened);
        assert_eq!(physical("bigint", "int"), Direction::Narrowed);
        assert_eq!(physical("BIGINT", "int64"), Direction::Same);
        assert_eq!(physical("INT", "INTEGER"), Direction::Same);
        assert_eq!(physical("INT", "DOUBLE"), Direction::Widened);
        assert_eq!(physical("BIGINT", "DOUBLE"), Direction::Changed);
        assert_eq!(physical("float", "double"), Direction::Widened);
        assert_eq!(physical("VARCHAR(10)", "VARCHAR(50)"), Direction::Widened);
        assert_eq!(physical("VARCHAR(50)", "VARCHAR(10)"), Direction::Narrowed);
        assert_eq!(physical("VARCHAR(10)", "STRING"), Direction::Widened);
        assert_eq!(physical("DECIMAL(10,2)", "DECIMAL(12,2)"), Direction::Widened);
        assert_eq!(physical("DECIMAL(10,2)", "DECIMAL(10,3)"), Direction::Changed);
        assert_eq!(physical("INT", "DECIMAL(12,2)"), Direction::Widened);
        assert_eq!(physical("STRING", "BIGINT"), Direction::Changed);
        assert_eq!(physical("DATE", "TIMESTAMP"), Direction::Changed);
        assert_eq!(physical("FROB", "BIGINT"), Direction::Changed);
    }

    #[test]
    fn logical_directions() {
        assert_eq!(logical(LogicalType::Integer, LogicalType::Number), Direction::Widened);
        assert_eq!(logical(LogicalType::Number, LogicalType::Integer), Direction::Narrowed);
        assert_eq!(logical(LogicalType::Date, LogicalType::Timestamp), Direction::Changed);
    }
}
