//! Physical type names (`physicalType`) as other tools and SQL dialects write them.
//!
//! Names are read case-insensitively, with their parameters (`VARCHAR(18)`, `DECIMAL(12, 2)`,
//! `TIMESTAMP(6) WITH TIME ZONE`) and nested generics (`ARRAY<STRUCT<a: INT>>`,
//! `MAP<STRING, ARRAY<INT>>`, Trino's `ARRAY(INT)` and `ROW(a INT)`, PostgreSQL's `INT[]`).
//!
//! Several names mean different widths in different tools: `INT8` is 64-bit in PostgreSQL
//! and DuckDB but 8-bit in Arrow; `FLOAT` is 64-bit in PostgreSQL, Snowflake and BigQuery
//! but 32-bit in Spark and MySQL; `INTEGER` is 32-bit in most SQL engines but
//! `NUMBER(38,0)` in Snowflake and 64-bit in BigQuery. A physical type therefore holds the
//! *set* of column types it accepts, and a column passes when any reading accepts it: a
//! contract written for one engine must not fail on a file written by another.
//!
//! A name that is not in this table is a lint warning and no type check is derived from
//! it (the check is skipped with that reason): lakegate never guesses what a name means.

use lakegate_core::ColumnType;

/// Bit widths, as a bit set (bit `n` set = an `n`-bit type is accepted; n in 8..=128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Widths(u32);

impl Widths {
    const fn of(bits: &[u8]) -> Widths {
        let mut m = 0u32;
        let mut i = 0;
        while i < bits.len() {
            m |= 1 << (bits[i] / 8);
            i += 1;
        }
        Widths(m)
    }
    /// Whether `bits` is one of the widths.
    pub fn contains(self, bits: u8) -> bool {
        bits.is_multiple_of(8) && bits / 8 < 32 && self.0 & (1 << (bits / 8)) != 0
    }
    /// The widths, ascending.
    pub fn list(self) -> Vec<u8> {
        (1..=16u8).map(|b| b * 8).filter(|b| self.contains(*b)).collect()
    }
}

/// A physical column type, normalised: what column types a declared name accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhysicalType {
    /// Text of any length (VARCHAR(n), STRING, TEXT, CHAR, NVARCHAR, ...).
    String,
    /// UUID: text, or 16 bytes (Parquet's FIXED_LEN_BYTE_ARRAY(16)).
    Uuid,
    /// Semi-structured values (JSON, VARIANT, SUPER): stored as text or as nested data.
    SemiStructured,
    /// Signed integers of these widths; `decimal_scale_0` also accepts `DECIMAL(p, 0)`
    /// (Snowflake stores every integer type as `NUMBER(38,0)`).
    Int {
        /// Accepted widths.
        widths: Widths,
        /// Unsigned columns of these widths are accepted too (SQL Server's TINYINT is 0..255).
        unsigned: Widths,
        /// Whether `DECIMAL(p, 0)` columns are accepted.
        decimal_scale_0: bool,
    },
    /// Unsigned integers of these widths.
    UInt(Widths),
    /// Floats of these widths.
    Float(Widths),
    /// Fixed-point decimal with precision and scale when given. Without a scale, or with
    /// scale 0, integer columns are accepted too (Snowflake's NUMBER(p,0) unloads as ints).
    Decimal(Option<u8>, Option<u8>),
    /// `NUMBER` without parameters: any number (Snowflake reads NUMBER(38,0), Oracle a
    /// floating decimal).
    AnyNumber,
    /// BOOLEAN, BOOL, BIT.
    Boolean,
    /// DATE.
    Date,
    /// TIMESTAMP / DATETIME: `Some(true)` with a time zone, `Some(false)` without, `None` either.
    Timestamp(Option<bool>),
    /// TIME.
    Time,
    /// INTERVAL.
    Interval,
    /// BINARY, BYTES, BLOB, VARBINARY, BYTEA.
    Binary,
    /// ARRAY<T>, LIST<T>, T[]; `None` when the item type is not written.
    List(Option<Box<PhysicalType>>),
    /// STRUCT<name: T, ...>, ROW(name T, ...); `None` when the fields are not written.
    Struct(Option<Vec<(String, PhysicalType)>>),
    /// MAP<K, V>; `None` when the key and value types are not written.
    Map(Option<Box<(PhysicalType, PhysicalType)>>),
}

/// Common names, for hints ("did you mean `VARCHAR`?").
pub const COMMON_NAMES: [&str; 33] = [
    "VARCHAR",
    "STRING",
    "TEXT",
    "CHAR",
    "UUID",
    "JSON",
    "TINYINT",
    "SMALLINT",
    "INT",
    "INTEGER",
    "BIGINT",
    "FLOAT",
    "REAL",
    "DOUBLE",
    "DECIMAL",
    "NUMERIC",
    "NUMBER",
    "BOOLEAN",
    "BOOL",
    "DATE",
    "TIME",
    "TIMESTAMP",
    "TIMESTAMP_NTZ",
    "TIMESTAMP_LTZ",
    "TIMESTAMP_TZ",
    "TIMESTAMPTZ",
    "DATETIME",
    "INTERVAL",
    "BINARY",
    "BYTES",
    "ARRAY",
    "STRUCT",
    "MAP",
];

/// A hint for an unknown name: the closest common name to its first word, if close.
pub fn suggest(name: &str) -> Option<&'static str> {
    let base: String = name.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    crate::diagnostic::did_you_mean(&base, COMMON_NAMES).filter(|s| !s.eq_ignore_ascii_case(&base))
}

/// Parses a physical type name; `None` when the name (or a nested name) is unknown.
pub fn parse(name: &str) -> Option<PhysicalType> {
    let tokens = tokenize(name)?;
    let mut p = TypeParser { tokens, pos: 0 };
    let t = p.parse_type()?;
    (p.pos == p.tokens.len()).then_some(t)
}

/// Whether a column of type `t` fits the physical type `name`: `None` when the name is
/// unknown (no check can be derived), else `Ok` or an error that names the declared type,
/// the column's type and the physicalType names that would match it.
pub fn fits(t: &ColumnType, name: &str) -> Option<Result<(), String>> {
    let p = parse(name)?;
    if p.accepts(t) {
        return Some(Ok(()));
    }
    let names = matching_names(t);
    let hint = if names.is_empty() {
        String::new()
    } else {
        format!("; names that match it: {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
    };
    Some(Err(format!("physicalType `{name}` does not accept the column's type {}{hint}", t.name())))
}

/// The physicalType names that would accept a column of type `t` (for failure messages),
/// most common first. Empty for types no name describes.
pub fn matching_names(t: &ColumnType) -> Vec<String> {
    use ColumnType as C;
    let candidates: Vec<String> = match t {
        C::String => vec!["STRING".into(), "VARCHAR".into(), "TEXT".into()],
        C::Int(8) => vec!["TINYINT".into(), "INT8".into()],
        C::Int(16) => vec!["SMALLINT".into(), "INT16".into()],
        C::Int(32) => vec!["INT".into(), "INTEGER".into(), "INT32".into()],
        C::Int(64) => vec!["BIGINT".into(), "INT64".into(), "INTEGER".into(), "INT8".into()],
        C::Int(b) => vec![format!("INT{b}")],
        C::UInt(b) => vec![format!("UINT{b}")],
        C::Float(32) => vec!["FLOAT".into(), "REAL".into(), "FLOAT4".into(), "FLOAT32".into()],
        C::Float(64) => vec!["DOUBLE".into(), "FLOAT".into(), "FLOAT8".into(), "FLOAT64".into()],
        C::Float(b) => vec![format!("FLOAT{b}")],
        C::Decimal(Some(p), Some(s)) => vec![format!("DECIMAL({p},{s})"), format!("NUMERIC({p},{s})")],
        C::Decimal(..) => vec!["DECIMAL".into(), "NUMERIC".into()],
        C::Boolean => vec!["BOOLEAN".into(), "BOOL".into()],
        C::Date => vec!["DATE".into()],
        C::Timestamp { tz: true } => vec!["TIMESTAMPTZ".into(), "TIMESTAMP_TZ".into(), "TIMESTAMP".into()],
        C::Timestamp { tz: false } => vec!["TIMESTAMP_NTZ".into(), "TIMESTAMP".into(), "DATETIME".into()],
        C::Time => vec!["TIME".into()],
        C::Duration => vec!["INTERVAL".into()],
        C::Binary => vec!["BINARY".into(), "BYTES".into()],
        C::List(inner) => match matching_names(inner).first() {
            Some(n) => vec![format!("ARRAY<{n}>")],
            None => vec!["ARRAY".into()],
        },
        C::Struct(fields) => {
            let parts: Option<Vec<String>> =
                fields.iter().map(|(n, ft)| matching_names(ft).first().map(|tn| format!("{n}: {tn}"))).collect();
            match parts {
                Some(p) if !p.is_empty() => vec![format!("STRUCT<{}>", p.join(", "))],
                _ => vec!["STRUCT".into()],
            }
        }
        C::Null | C::Other(_) => vec![],
    };
    // Only names that really accept the type (and parse) are offered.
    candidates.into_iter().filter(|n| parse(n).is_some_and(|p| p.accepts(t))).collect()
}

impl PhysicalType {
    /// Whether a column of type `t` fits this physical type under any tool's reading of the
    /// name. An all-null column (no type to contradict) fits every type.
    pub fn accepts(&self, t: &ColumnType) -> bool {
        use ColumnType as C;
        use PhysicalType as P;
        if matches!(t, C::Null) {
            return true;
        }
        match self {
            P::String => matches!(t, C::String),
            P::Uuid => matches!(t, C::String | C::Binary),
            P::SemiStructured => matches!(t, C::String | C::Struct(_) | C::List(_)),
            P::Int { widths, unsigned, decimal_scale_0 } => match t {
                C::Int(b) => widths.contains(*b),
                C::UInt(b) => unsigned.contains(*b),
                C::Decimal(_, Some(0)) => *decimal_scale_0,
                _ => false,
            },
            P::UInt(w) => matches!(t, C::UInt(b) if w.contains(*b)),
            P::Float(w) => matches!(t, C::Float(b) if w.contains(*b)),
            P::Decimal(p, s) => match t {
                C::Decimal(tp, ts) => {
                    p.is_none_or(|p| *tp == Some(p as usize)) && s.is_none_or(|s| *ts == Some(s as usize))
                }
                C::Int(_) | C::UInt(_) => s.is_none_or(|s| s == 0),
                _ => false,
            },
            P::AnyNumber => t.is_numeric(),
            P::Boolean => matches!(t, C::Boolean),
            P::Date => matches!(t, C::Date),
            P::Timestamp(tz) => matches!(t, C::Timestamp { tz: has } if tz.is_none_or(|w| w == *has)),
            P::Time => matches!(t, C::Time),
            P::Interval => matches!(t, C::Duration),
            P::Binary => matches!(t, C::Binary),
            P::List(item) => match t {
                C::List(inner) => item.as_ref().is_none_or(|i| i.accepts(inner)),
                _ => false,
            },
            P::Struct(fields) => match (t, fields) {
                (C::Struct(_), None) => true,
                (C::Struct(have), Some(want)) => {
                    have.len() == want.len()
                        && want.iter().all(|(n, ft)| {
                            have.iter().find(|(h, _)| h.eq_ignore_ascii_case(n)).is_some_and(|(_, ht)| ft.accepts(ht))
                        })
                }
                _ => false,
            },
            // Parquet and Arrow store a map as a list of {key, value} structs.
            P::Map(kv) => match t {
                C::List(inner) => match inner.as_ref() {
                    C::Struct(f) if f.len() == 2 => {
                        kv.as_ref().is_none_or(|kv| kv.0.accepts(&f[0].1) && kv.1.accepts(&f[1].1))
                    }
                    _ => false,
                },
                _ => false,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Num(u32),
    Open(char),
    Close(char),
    Comma,
    Colon,
    Brackets,
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.trim().chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | '<' => {
                out.push(Tok::Open(c));
                i += 1;
            }
            ')' | '>' => {
                out.push(Tok::Close(c));
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1;
            }
            '[' if chars.get(i + 1) == Some(&']') => {
                out.push(Tok::Brackets);
                i += 2;
            }
            '"' | '`' => {
                let end = chars[i + 1..].iter().position(|x| *x == c)? + i + 1;
                out.push(Tok::Word(chars[i + 1..end].iter().collect()));
                i = end + 1;
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                out.push(Tok::Num(chars[start..i].iter().collect::<String>().parse().ok()?));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// One argument of a generic type: the field name (structs) and the type.
type TypeArg = (Option<String>, PhysicalType);

struct TypeParser {
    tokens: Vec<Tok>,
    pos: usize,
}

/// Multi-word type names, longest first.
const MULTI_WORD: &[&[&str]] = &[
    &["TIMESTAMP", "WITH", "LOCAL", "TIME", "ZONE"],
    &["TIMESTAMP", "WITHOUT", "TIME", "ZONE"],
    &["TIMESTAMP", "WITH", "TIME", "ZONE"],
    &["TIME", "WITHOUT", "TIME", "ZONE"],
    &["TIME", "WITH", "TIME", "ZONE"],
    &["DOUBLE", "PRECISION"],
    &["CHARACTER", "VARYING"],
    &["CHAR", "VARYING"],
    &["NATIONAL", "CHARACTER", "VARYING"],
    &["NATIONAL", "CHARACTER"],
    &["BINARY", "VARYING"],
];

impl TypeParser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }
    fn word_at(&self, i: usize) -> Option<String> {
        match self.tokens.get(i) {
            Some(Tok::Word(w)) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }
    /// Reads the (possibly multi-word) base name, upper-cased.
    fn base_name(&mut self) -> Option<String> {
        for words in MULTI_WORD {
            if words.iter().enumerate().all(|(k, w)| self.word_at(self.pos + k).as_deref() == Some(*w)) {
                self.pos += words.len();
                return Some(words.join(" "));
            }
        }
        let w = self.word_at(self.pos)?;
        self.pos += 1;
        Some(w)
    }
    /// `(1, 2)` numbers after a name, if any.
    fn numbers(&mut self) -> Option<Vec<u32>> {
        if self.peek() != Some(&Tok::Open('(')) {
            return Some(Vec::new());
        }
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.tokens.get(self.pos) {
                Some(Tok::Num(n)) => out.push(*n),
                // VARCHAR(MAX), VARCHAR(36 CHAR), NUMBER(*, 0)
                Some(Tok::Word(_)) => {}
                _ => return None,
            }
            self.pos += 1;
            while let Some(Tok::Word(_)) = self.peek() {
                self.pos += 1;
            }
            match self.peek() {
                Some(Tok::Comma) => self.pos += 1,
                Some(Tok::Close(')')) => {
                    self.pos += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }
    /// Type arguments in `<...>` or `(...)`: a list of (optional field name, type).
    fn type_args(&mut self, named: bool) -> Option<Option<Vec<TypeArg>>> {
        let close = match self.peek() {
            Some(Tok::Open('<')) => '>',
            Some(Tok::Open('(')) => ')',
            _ => return Some(None),
        };
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let mut field = None;
            if named {
                // `name: TYPE`, `name TYPE`
                let w = match self.peek() {
                    Some(Tok::Word(w)) => w.clone(),
                    _ => return None,
                };
                let next = self.tokens.get(self.pos + 1);
                if matches!(next, Some(Tok::Colon)) {
                    self.pos += 2;
                    field = Some(w);
                } else if matches!(next, Some(Tok::Word(_))) {
                    self.pos += 1;
                    field = Some(w);
                } else {
                    return None;
                }
            }
            let t = self.parse_type()?;
            // Column options after a struct field's type (`NOT NULL`, `COMMENT '...'`) are not read.
            out.push((field, t));
            match self.peek() {
                Some(Tok::Comma) => self.pos += 1,
                Some(Tok::Close(c)) if *c == close => {
                    self.pos += 1;
                    return Some(Some(out));
                }
                _ => return None,
            }
        }
    }

    fn parse_type(&mut self) -> Option<PhysicalType> {
        use PhysicalType as P;
        let base = self.base_name()?;
        let mut t = match base.as_str() {
            "ARRAY" | "LIST" | "LARGE_LIST" => {
                let args = self.type_args(false)?;
                match args {
                    None => P::List(None),
                    Some(mut a) if a.len() == 1 => P::List(Some(Box::new(a.remove(0).1))),
                    Some(_) => return None,
                }
            }
            "STRUCT" | "ROW" | "RECORD" => match self.type_args(true)? {
                None => P::Struct(None),
                Some(a) => P::Struct(Some(a.into_iter().map(|(n, t)| (n.unwrap_or_default(), t)).collect())),
            },
            "MAP" => match self.type_args(false)? {
                None => P::Map(None),
                Some(mut a) if a.len() == 2 => {
                    let v = a.remove(1).1;
                    let k = a.remove(0).1;
                    P::Map(Some(Box::new((k, v))))
                }
                Some(_) => return None,
            },
            _ => {
                let nums = self.numbers()?;
                let t = scalar(&base, &nums)?;
                // TIMESTAMP(6) WITH TIME ZONE, TIME(3) WITHOUT TIME ZONE
                self.zone_suffix(t)?
            }
        };
        // MySQL's `INT UNSIGNED`, `BIGINT(20) UNSIGNED`.
        if self.word_at(self.pos).as_deref() == Some("UNSIGNED") {
            self.pos += 1;
            t = match t {
                P::Int { widths, .. } => P::UInt(widths),
                _ => return None,
            };
        }
        while self.peek() == Some(&Tok::Brackets) {
            self.pos += 1;
            t = P::List(Some(Box::new(t)));
        }
        Some(t)
    }

    fn zone_suffix(&mut self, t: PhysicalType) -> Option<PhysicalType> {
        let rest: Vec<String> = (0..5).map_while(|k| self.word_at(self.pos + k)).collect();
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        let (len, tz) = if rest.starts_with(&["WITH", "LOCAL", "TIME", "ZONE"]) {
            (4, true)
        } else if rest.starts_with(&["WITH", "TIME", "ZONE"]) {
            (3, true)
        } else if rest.starts_with(&["WITHOUT", "TIME", "ZONE"]) {
            (3, false)
        } else {
            return Some(t);
        };
        self.pos += len;
        match t {
            PhysicalType::Timestamp(_) => Some(PhysicalType::Timestamp(Some(tz))),
            PhysicalType::Time => Some(PhysicalType::Time),
            _ => None,
        }
    }
}

/// The scalar type of a base name with its numeric parameters.
fn scalar(base: &str, nums: &[u32]) -> Option<PhysicalType> {
    use PhysicalType as P;
    let int = |w: &[u8]| P::Int { widths: Widths::of(w), unsigned: Widths(0), decimal_scale_0: false };
    let sql_int = |w: &[u8]| P::Int { widths: Widths::of(w), unsigned: Widths(0), decimal_scale_0: true };
    Some(match base {
        "VARCHAR"
        | "VARCHAR2"
        | "NVARCHAR"
        | "NVARCHAR2"
        | "STRING"
        | "TEXT"
        | "CHAR"
        | "CHARACTER"
        | "NCHAR"
        | "CHARACTER VARYING"
        | "CHAR VARYING"
        | "NATIONAL CHARACTER"
        | "NATIONAL CHARACTER VARYING"
        | "UTF8"
        | "LARGE_STRING"
        | "LARGE_UTF8"
        | "CLOB"
        | "NCLOB"
        | "STR"
        | "TINYTEXT"
        | "MEDIUMTEXT"
        | "LONGTEXT"
        | "BPCHAR"
        | "NTEXT"
        | "CITEXT"
        | "ENUM"
        // PostgreSQL's network address and XML types: text in files (on a PostgreSQL table the
        // catalog's type is compared by name, lakegate_checks::catalog).
        | "INET"
        | "CIDR"
        | "MACADDR"
        | "MACADDR8"
        | "XML" => P::String,
        "UUID" | "UNIQUEIDENTIFIER" => P::Uuid,
        "JSON" | "JSONB" | "VARIANT" | "SUPER" | "OBJECT" => P::SemiStructured,
        // Arrow Int8 is 8-bit; PostgreSQL and DuckDB INT8 are BIGINT.
        "INT8" => int(&[8, 64]),
        "TINYINT" => P::Int { widths: Widths::of(&[8]), unsigned: Widths::of(&[8]), decimal_scale_0: true },
        "BYTE" => int(&[8]),
        "SMALLINT" => sql_int(&[16]),
        "INT2" | "INT16" | "SHORT" => int(&[16]),
        // 32-bit in most engines; 64-bit in BigQuery; NUMBER(38,0) in Snowflake.
        "INT" | "INTEGER" => sql_int(&[32, 64]),
        "INT4" | "INT32" | "MEDIUMINT" => int(&[32]),
        "BIGINT" => sql_int(&[64]),
        "INT64" | "LONG" => int(&[64]),
        "HUGEINT" | "INT128" => sql_int(&[128]),
        // Snowflake's BYTEINT is NUMBER(38,0) like every integer type there.
        "BYTEINT" => sql_int(&[8, 16, 32, 64]),
        "UTINYINT" | "UINT8" => P::UInt(Widths::of(&[8])),
        "USMALLINT" | "UINT16" => P::UInt(Widths::of(&[16])),
        "UINTEGER" | "UINT32" => P::UInt(Widths::of(&[32])),
        "UBIGINT" | "UINT64" => P::UInt(Widths::of(&[64])),
        // FLOAT: 64-bit in PostgreSQL, Snowflake, BigQuery, SQL Server; 32-bit in Spark, MySQL.
        // FLOAT(p): p <= 24 is single precision (SQL standard, PostgreSQL).
        "FLOAT" => match nums.first() {
            Some(p) if *p <= 24 => P::Float(Widths::of(&[32])),
            Some(_) => P::Float(Widths::of(&[64])),
            None => P::Float(Widths::of(&[32, 64])),
        },
        // REAL: 32-bit in PostgreSQL, Spark, SQL Server; 64-bit in Snowflake and MySQL.
        "REAL" => P::Float(Widths::of(&[32, 64])),
        "FLOAT4" | "FLOAT32" | "SINGLE" => P::Float(Widths::of(&[32])),
        "DOUBLE" | "FLOAT8" | "FLOAT64" | "DOUBLE PRECISION" => P::Float(Widths::of(&[64])),
        "DECIMAL" | "NUMERIC" | "DEC" | "BIGNUMERIC" | "BIGDECIMAL" => match nums {
            [] => P::Decimal(None, None),
            [p] => P::Decimal(u8::try_from(*p).ok(), Some(0)),
            [p, s] => P::Decimal(u8::try_from(*p).ok(), u8::try_from(*s).ok()),
            _ => return None,
        },
        "NUMBER" => match nums {
            [] => P::AnyNumber,
            [p] => P::Decimal(u8::try_from(*p).ok(), Some(0)),
            [p, s] => P::Decimal(u8::try_from(*p).ok(), u8::try_from(*s).ok()),
            _ => return None,
        },
        "BOOLEAN" | "BOOL" | "BIT" | "LOGICAL" => P::Boolean,
        "DATE" | "DATE32" => P::Date,
        // TIMESTAMP: naive in PostgreSQL and Snowflake (by default), UTC instants in Spark and BigQuery.
        "TIMESTAMP" | "DATETIME" | "DATETIME2" | "TIMESTAMP_MS" | "TIMESTAMP_S" | "TIMESTAMP_NS" | "TIMESTAMP_US" => {
            P::Timestamp(None)
        }
        "SMALLDATETIME" => P::Timestamp(Some(false)),
        "TIMESTAMP WITH TIME ZONE"
        | "TIMESTAMP WITH LOCAL TIME ZONE"
        | "TIMESTAMP_TZ"
        | "TIMESTAMP_LTZ"
        | "TIMESTAMPTZ"
        | "DATETIMEOFFSET" => P::Timestamp(Some(true)),
        "TIMESTAMP WITHOUT TIME ZONE" | "TIMESTAMP_NTZ" => P::Timestamp(Some(false)),
        "TIME" | "TIME WITHOUT TIME ZONE" | "TIME WITH TIME ZONE" | "TIMETZ" => P::Time,
        "INTERVAL" | "DURATION" => P::Interval,
        "BINARY" | "VARBINARY" | "BYTES" | "BLOB" | "BYTEA" | "LARGE_BINARY" | "BINARY VARYING" | "IMAGE"
        | "LONGBLOB" | "MEDIUMBLOB" | "TINYBLOB" => P::Binary,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnType as C;

    fn ok(name: &str, t: &C) -> bool {
        matches!(fits(t, name), Some(Ok(())))
    }

    #[test]
    fn names_as_other_tools_write_them() {
        for (name, t) in [
            ("INT", C::Int(32)),
            ("integer", C::Int(32)),
            ("INTEGER", C::Int(64)),
            ("BIGINT", C::Int(64)),
            ("int8", C::Int(64)),
            ("INT8", C::Int(8)),
            ("SMALLINT", C::Int(16)),
            ("TINYINT", C::Int(8)),
            ("FLOAT", C::Float(64)),
            ("float", C::Float(32)),
            ("REAL", C::Float(32)),
            ("DOUBLE", C::Float(64)),
            ("Double Precision", C::Float(64)),
            ("NUMBER(10,2)", C::Decimal(Some(10), Some(2))),
            ("NUMBER(38,0)", C::Int(64)),
            ("NUMBER", C::Float(64)),
            ("NUMERIC", C::Decimal(Some(38), Some(9))),
            ("DECIMAL(12, 2)", C::Decimal(Some(12), Some(2))),
            ("VARCHAR(18)", C::String),
            ("varchar(max)", C::String),
            ("TEXT", C::String),
            ("STRING", C::String),
            ("CHAR", C::String),
            ("BOOLEAN", C::Boolean),
            ("BOOL", C::Boolean),
            ("DATE", C::Date),
            ("TIMESTAMP", C::Timestamp { tz: false }),
            ("TIMESTAMP", C::Timestamp { tz: true }),
            ("TIMESTAMP(6)", C::Timestamp { tz: false }),
            ("TIMESTAMP_NTZ", C::Timestamp { tz: false }),
            ("TIMESTAMP_LTZ", C::Timestamp { tz: true }),
            ("TIMESTAMP_TZ", C::Timestamp { tz: true }),
            ("TIMESTAMPTZ", C::Timestamp { tz: true }),
            ("timestamp(3) with time zone", C::Timestamp { tz: true }),
            ("BINARY", C::Binary),
            ("BYTES", C::Binary),
            ("UUID", C::String),
            ("inet", C::String),
            ("cidr", C::String),
            ("INT UNSIGNED", C::UInt(32)),
            ("ARRAY<STRING>", C::List(Box::new(C::String))),
            ("array<int>", C::List(Box::new(C::Int(32)))),
            ("ARRAY(INTEGER)", C::List(Box::new(C::Int(64)))),
            ("int[]", C::List(Box::new(C::Int(32)))),
            ("STRUCT<a: INT, b: STRING>", C::Struct(vec![("a".into(), C::Int(32)), ("b".into(), C::String)])),
            ("struct<a int>", C::Struct(vec![("a".into(), C::Int(32))])),
            ("ROW(a BIGINT)", C::Struct(vec![("a".into(), C::Int(64))])),
            ("ARRAY<STRUCT<a: INT>>", C::List(Box::new(C::Struct(vec![("a".into(), C::Int(32))])))),
            (
                "MAP<STRING, ARRAY<INT>>",
                C::List(Box::new(C::Struct(vec![
                    ("key".into(), C::String),
                    ("value".into(), C::List(Box::new(C::Int(32)))),
                ]))),
            ),
            ("STRUCT", C::Struct(vec![])),
        ] {
            assert!(ok(name, &t), "{name} should accept {}: {:?}", t.name(), fits(&t, name));
        }
    }

    #[test]
    fn widths_that_no_reading_accepts_fail() {
        for (name, t) in [
            ("BIGINT", C::Int(32)),
            ("INT", C::Int(16)),
            ("INT8", C::Int(32)),
            ("SMALLINT", C::Int(32)),
            ("DOUBLE", C::Float(32)),
            ("FLOAT4", C::Float(64)),
            ("FLOAT(24)", C::Float(64)),
            ("DECIMAL(12,2)", C::Decimal(Some(12), Some(3))),
            ("DECIMAL(12,2)", C::Int(64)),
            ("VARCHAR(3)", C::Int(64)),
            ("TIMESTAMP_NTZ", C::Timestamp { tz: true }),
            ("TIMESTAMPTZ", C::Timestamp { tz: false }),
            ("DATE", C::Timestamp { tz: false }),
            ("BOOLEAN", C::Int(8)),
            ("ARRAY<INT>", C::List(Box::new(C::String))),
            ("ARRAY<INT>", C::Int(32)),
            ("STRUCT<a: INT>", C::Struct(vec![("b".into(), C::Int(32))])),
            ("STRUCT<a: INT>", C::Struct(vec![("a".into(), C::Int(32)), ("b".into(), C::Int(32))])),
            (
                "MAP<STRING, INT>",
                C::List(Box::new(C::Struct(vec![("key".into(), C::Int(32)), ("value".into(), C::Int(32))]))),
            ),
        ] {
            let r = fits(&t, name);
            assert!(matches!(r, Some(Err(_))), "{name} should reject {}: {r:?}", t.name());
        }
    }

    #[test]
    fn common_names_parse_and_typos_get_a_hint() {
        for n in COMMON_NAMES {
            assert!(parse(n).is_some(), "{n}");
        }
        assert_eq!(suggest("VARCAHR(10)"), Some("VARCHAR"));
        assert_eq!(suggest("bigintt"), Some("BIGINT"));
        assert_eq!(suggest("geography"), None);
    }

    #[test]
    fn unknown_names_derive_no_check() {
        for name in ["geography", "ARRAY<geometry>", "MAP<STRING>", "VARCHAR(", "STRUCT<a INT", "", "INT INT"] {
            assert_eq!(parse(name), None, "{name}");
            assert_eq!(fits(&C::String, name), None, "{name}");
        }
        assert!(fits(&C::Null, "BIGINT").is_some_and(|r| r.is_ok()), "an all-null column has no type to contradict");
    }

    #[test]
    fn failure_names_the_types_that_would_match() {
        let msg = fits(&C::Int(64), "INT4").and_then(Result::err).expect("fails");
        assert!(msg.contains("int64") && msg.contains("`BIGINT`"), "{msg}");
        let msg = fits(&C::Decimal(Some(10), Some(2)), "DOUBLE").and_then(Result::err).expect("fails");
        assert!(msg.contains("`DECIMAL(10,2)`"), "{msg}");
        // Every suggested name accepts the type it is suggested for.
        let types = [
            C::String,
            C::Int(8),
            C::Int(16),
            C::Int(32),
            C::Int(64),
            C::UInt(16),
            C::Float(32),
            C::Float(64),
            C::Decimal(Some(7), Some(3)),
            C::Boolean,
            C::Date,
            C::Timestamp { tz: true },
            C::Timestamp { tz: false },
            C::Time,
            C::Duration,
            C::Binary,
            C::List(Box::new(C::Struct(vec![("a".into(), C::Int(32))]))),
        ];
        for t in types {
            let names = matching_names(&t);
            assert!(!names.is_empty(), "{}", t.name());
            for n in names {
                assert!(ok(&n, &t), "{n} for {}", t.name());
            }
        }
    }
}
