//! SQL rules: placeholders and the read-only guard.
//!
//! A sql rule is one SELECT returning one number. Anything else (DDL, DML, several
//! statements) is rejected before it runs, and so are polars' file-reading table functions
//! (`read_parquet('...')`), which would let a contract read files outside its datasets.

use std::ops::ControlFlow;

use sqlparser::ast::{Statement, visit_relations};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

/// Replaces `{object}`/`{table}`/`{model}` with `object` and `{property}`/`{column}` with
/// `property` (each with or without a leading `$`).
pub fn substitute(query: &str, object: &str, property: Option<&str>) -> String {
    let mut q = query.to_owned();
    for key in ["object", "table", "model"] {
        q = q.replace(&format!("${{{key}}}"), object).replace(&format!("{{{key}}}"), object);
    }
    if let Some(p) = property {
        for key in ["property", "column"] {
            q = q.replace(&format!("${{{key}}}"), p).replace(&format!("{{{key}}}"), p);
        }
    }
    q
}

/// Checks that `query` is exactly one SELECT reading no files; the error says why not.
pub fn check_read_only(query: &str) -> Result<(), String> {
    let statements = Parser::parse_sql(&GenericDialect {}, query).map_err(|e| format!("it does not parse: {e}"))?;
    match statements.as_slice() {
        [Statement::Query(_)] => {}
        [] => return Err("it holds no statement".into()),
        [_] => return Err("only a SELECT query may run (it is read-only)".into()),
        many => return Err(format!("it holds {} statements; a rule runs exactly one SELECT", many.len())),
    }
    let mut bad = None;
    let _ = visit_relations(&statements, |name| {
        let n = name.to_string().to_ascii_lowercase();
        if n.starts_with("read_") {
            bad = Some(name.to_string());
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    match bad {
        Some(f) => Err(format!("table function `{f}` reads files; a rule may only read the contract's datasets")),
        None => Ok(()),
    }
}

/// Checks that `expr` parses as one SQL expression.
pub fn check_expression(expr: &str) -> Result<(), String> {
    let mut parser = Parser::new(&GenericDialect {}).try_with_sql(expr).map_err(|e| e.to_string())?;
    parser.parse_expr().map_err(|e| e.to_string())?;
    if parser.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return Err("text after the expression".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(
            substitute("SELECT COUNT(*) FROM {object} WHERE ${column} < 0", "ads", Some("price")),
            "SELECT COUNT(*) FROM ads WHERE price < 0"
        );
        assert_eq!(substitute("SELECT 1 FROM ${table}", "t", None), "SELECT 1 FROM t");
    }

    #[test]
    fn only_one_select_reading_datasets() {
        assert!(check_read_only("SELECT COUNT(*) FROM ads a JOIN users u ON a.user_id = u.id").is_ok());
        assert!(check_read_only("WITH x AS (SELECT 1 AS v) SELECT v FROM x").is_ok());
        assert!(check_read_only("DROP TABLE ads").expect_err("rejected").contains("read-only"));
        assert!(check_read_only("SELECT 1; SELECT 2").expect_err("rejected").contains("2 statements"));
        assert!(
            check_read_only("SELECT * FROM read_parquet('/etc/passwd')").expect_err("rejected").contains("reads files")
        );
        assert!(check_read_only("SELEC 1").expect_err("rejected").contains("does not parse"));
    }
}
