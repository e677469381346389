//! The `customProperties` keys lakegate reads, in one place: where each one applies and the
//! value it takes. Any other key is the standard's free extension point and is left alone,
//! except a likely typo of a key lakegate reads (`delimeter`), which lint warns about.

use serde_json::Value;

/// Where a custom property is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The contract's own `customProperties`.
    Contract,
    /// A server's.
    Server,
    /// A schema object's.
    Object,
    /// A quality rule's.
    QualityRule,
}

impl Level {
    /// How the level is named in messages.
    pub fn name(self) -> &'static str {
        match self {
            Level::Contract => "the contract",
            Level::Server => "servers",
            Level::Object => "schema objects",
            Level::QualityRule => "quality rules",
        }
    }
}

/// A key lakegate reads: where it applies, and what it means.
#[derive(Debug, Clone, Copy)]
pub struct Known {
    /// The key, as written in `property:`.
    pub key: &'static str,
    /// Where it is read.
    pub levels: &'static [Level],
    /// What it does (for help texts and docs).
    pub doc: &'static str,
}

use Level::{Contract, Object, QualityRule, Server};

/// Every customProperties key lakegate reads.
pub const KNOWN: &[Known] = &[
    Known {
        key: "delimiter",
        levels: &[Server, Object],
        doc: "CSV field delimiter: one character, or `tab`/`\\t`; JSON layout: `new_line` or `array` (both are read)",
    },
    Known {
        key: "encoding",
        levels: &[Server, Object],
        doc: "text encoding of CSV/JSON files before ODCS v3.2.0's server `encoding`: utf-8, latin-1, windows-1252",
    },
    Known { key: "header", levels: &[Server, Object], doc: "CSV files have a header row: true (default) or false" },
    Known { key: "quote", levels: &[Server, Object], doc: "CSV quote character: one character, or null for none" },
    Known {
        key: "nullValues",
        levels: &[Server, Object],
        doc: "CSV text read as null: a list of strings (e.g. [NA, '']) or one string",
    },
    Known {
        key: "decimalComma",
        levels: &[Server, Object],
        doc: "CSV numbers use a decimal comma (`3,14`): true or false",
    },
    Known { key: "format", levels: &[Object], doc: "the file format of this object: parquet, csv, json, ..." },
    Known {
        key: "strictColumns",
        levels: &[Contract, Object],
        doc: "columns of the data that the contract does not declare fail the schema check: true or false",
    },
    Known { key: "where", levels: &[QualityRule], doc: "row filter of a library rule, a SQL predicate" },
];

/// The keys read at `level`.
pub fn keys_at(level: Level) -> Vec<&'static str> {
    KNOWN.iter().filter(|k| k.levels.contains(&level)).map(|k| k.key).collect()
}

/// What is wrong with the value of a known key (`None` when it is fine or the key unknown).
pub fn value_problem(key: &str, v: &Value) -> Option<String> {
    let ok = match key {
        "delimiter" => v
            .as_str()
            .is_some_and(|d| matches!(d, "\\t" | "\t" | "tab" | "new_line" | "array") || d.chars().count() == 1),
        "encoding" => v.is_string(),
        "quote" => v.is_null() || v.as_str().is_some_and(|q| q.chars().count() == 1),
        "header" | "decimalComma" | "strictColumns" => v.is_boolean(),
        "nullValues" => v.is_string() || v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        "format" => v.is_string(),
        "where" => match v.as_str() {
            Some(e) => {
                return crate::sql::check_expression(e).err().map(|why| format!("it is not a SQL predicate: {why}"));
            }
            None => false,
        },
        _ => true,
    };
    (!ok).then(|| {
        let doc = KNOWN.iter().find(|k| k.key == key).map_or("", |k| k.doc);
        format!("expected {doc}, got {v}")
    })
}

/// A diagnosis of one custom property key at `level`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    /// Read here.
    Known,
    /// Read by lakegate, but at other levels.
    ElsewhereOnly(Vec<Level>),
    /// Not read by lakegate but close to a key that is: a likely typo.
    Typo(&'static str),
    /// A free extension key.
    Free,
}

/// Classifies `key` written at `level`.
pub fn check_key(key: &str, level: Level) -> KeyCheck {
    if let Some(k) = KNOWN.iter().find(|k| k.key == key) {
        return if k.levels.contains(&level) { KeyCheck::Known } else { KeyCheck::ElsewhereOnly(k.levels.to_vec()) };
    }
    let here = keys_at(level);
    match crate::diagnostic::did_you_mean(key, here.iter().copied()) {
        Some(s) => KeyCheck::Typo(s),
        None => KeyCheck::Free,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typos_of_read_keys_and_free_keys() {
        assert_eq!(check_key("delimiter", Level::Server), KeyCheck::Known);
        assert_eq!(check_key("delimeter", Level::Server), KeyCheck::Typo("delimiter"));
        assert_eq!(check_key("Header", Level::Object), KeyCheck::Typo("header"));
        assert_eq!(check_key("nullValue", Level::Server), KeyCheck::Typo("nullValues"));
        assert_eq!(check_key("decimal_comma", Level::Object), KeyCheck::Typo("decimalComma"));
        assert_eq!(check_key("strictColumns", Level::Server), KeyCheck::ElsewhereOnly(vec![Contract, Object]));
        assert_eq!(check_key("dataSteward", Level::Server), KeyCheck::Free);
        assert_eq!(check_key("owner", Level::Object), KeyCheck::Free);
    }

    #[test]
    fn values_of_read_keys() {
        assert_eq!(value_problem("delimiter", &json!(";")), None);
        assert_eq!(value_problem("delimiter", &json!("tab")), None);
        assert!(value_problem("delimiter", &json!(";;")).is_some());
        assert!(value_problem("header", &json!("yes")).is_some());
        assert_eq!(value_problem("quote", &Value::Null), None);
        assert_eq!(value_problem("nullValues", &json!(["NA", ""])), None);
        assert_eq!(value_problem("nullValues", &json!("NA")), None);
        assert!(value_problem("nullValues", &json!([1])).is_some());
        assert!(value_problem("decimalComma", &json!(1)).is_some());
        assert!(value_problem("where", &json!("status = ")).is_some());
        assert_eq!(value_problem("where", &json!("status = 'paid'")), None);
    }
}
