//! What SQL from a contract may read: the contract's own datasets, nothing else.
//!
//! Contracts are untrusted (a pull request writes the contract CI runs), and polars SQL has
//! table functions that read any file the process can (`read_csv('/etc/passwd')`, quoted,
//! upper case, in a CTE, a join or an `IN (...)` subquery alike). So every query is parsed
//! (sqlparser, the parser polars SQL itself uses) and checked right before it runs: each table
//! it reads is a registered dataset or one of its own CTEs, and no table factor is a function.
//! Row expressions (`rowCondition`, `where`, `expression`, `--where`) may not hold subqueries
//! at all.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, ObjectName, ObjectNamePart, Query, TableFactor, Visit, Visitor};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

/// A name as SQL resolves it: parts joined by `.`, quotes removed (`"Orders"` is `Orders`).
fn plain(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The names of the CTEs a statement defines (`WITH x AS (...)`), anywhere in it.
struct Ctes(BTreeSet<String>);

impl Visitor for Ctes {
    type Break = ();
    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        for cte in q.with.iter().flat_map(|w| &w.cte_tables) {
            self.0.insert(cte.alias.name.value.clone());
        }
        ControlFlow::Continue(())
    }
}

/// Every table read is a registered dataset or a CTE; no table factor is a function.
struct Reads<'a> {
    allowed: &'a dyn Fn(&str) -> bool,
}

impl Visitor for Reads<'_> {
    type Break = String;
    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<String> {
        match t {
            TableFactor::Table { name, args: None, .. } => {
                let n = plain(name);
                if (self.allowed)(&n) {
                    ControlFlow::Continue(())
                } else {
                    ControlFlow::Break(format!(
                        "it reads `{name}`, which is not a dataset of this contract (a rule may only read the \
                         contract's schema objects)"
                    ))
                }
            }
            TableFactor::Table { name, args: Some(_), .. } => ControlFlow::Break(format!(
                "table function `{name}(...)` is not allowed: a rule may only read the contract's schema objects"
            )),
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            other => ControlFlow::Break(format!(
                "`{other}` is not allowed: a rule may only read the contract's schema objects"
            )),
        }
    }
}

/// Checks that `query` reads only `registered` datasets (and its own CTEs); the error says
/// which table or function it would read otherwise.
pub fn check_query(query: &str, registered: &BTreeSet<String>) -> Result<(), String> {
    let statements = Parser::parse_sql(&GenericDialect {}, query).map_err(|e| format!("it does not parse: {e}"))?;
    let mut ctes = Ctes(BTreeSet::new());
    let _ = statements.visit(&mut ctes);
    let allowed = |n: &str| registered.contains(n) || ctes.0.contains(n);
    match statements.visit(&mut Reads { allowed: &allowed }) {
        ControlFlow::Break(why) => Err(why),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Checks that a row expression holds no subquery (which could read a table function).
pub fn check_expression(text: &str) -> Result<(), String> {
    // What does not parse here is left to polars, which reports it in its own words.
    let Ok(mut parser) = Parser::new(&GenericDialect {}).try_with_sql(text) else { return Ok(()) };
    let Ok(expr) = parser.parse_expr() else { return Ok(()) };
    struct NoSubquery;
    impl Visitor for NoSubquery {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::Subquery(_) | Expr::InSubquery { .. } | Expr::Exists { .. } => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        }
    }
    match expr.visit(&mut NoSubquery) {
        ControlFlow::Break(()) => Err("a subquery is not allowed in an expression: it reads only the row".to_owned()),
        ControlFlow::Continue(()) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered() -> BTreeSet<String> {
        ["ads", "users", "other:w"].iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn only_the_contracts_datasets_are_read() {
        for ok in [
            "SELECT COUNT(*) FROM ads",
            "SELECT COUNT(*) FROM \"ads\" a JOIN users u ON a.user_id = u.id",
            "WITH x AS (SELECT * FROM ads) SELECT COUNT(*) FROM x",
            "SELECT COUNT(*) FROM (SELECT * FROM ads) t",
            "SELECT COUNT(*) FROM \"other:w\"",
            "SELECT COUNT(*) FROM ads WHERE user_id IN (SELECT id FROM users)",
        ] {
            assert_eq!(check_query(ok, &registered()), Ok(()), "{ok}");
        }
        for attack in [
            "SELECT COUNT(*) FROM read_csv('/etc/passwd')",
            "SELECT COUNT(*) FROM \"read_csv\"('/etc/passwd')",
            "SELECT COUNT(*) FROM `read_parquet`('/etc/x.parquet')",
            "SELECT COUNT(*) FROM READ_PARQUET('/etc/*.parquet')",
            "WITH x AS (SELECT * FROM \"read_csv\"('/etc/passwd')) SELECT COUNT(*) FROM x",
            "SELECT COUNT(*) FROM ads WHERE id IN (SELECT 1 FROM \"read_csv\"('/etc/passwd'))",
            "SELECT COUNT(*) FROM ads CROSS JOIN \"read_parquet\"('/secret') s",
            "SELECT COUNT(*) FROM ads WHERE EXISTS (SELECT 1 FROM read_ndjson('/etc/x'))",
            "SELECT COUNT(*) FROM secrets",
            "SELECT COUNT(*) FROM information_schema.tables",
        ] {
            assert!(check_query(attack, &registered()).is_err(), "{attack}");
        }
    }

    #[test]
    fn expressions_hold_no_subquery() {
        assert_eq!(check_expression("amount > 0 AND status IN ('a', 'b')"), Ok(()));
        assert!(check_expression("id IN (SELECT 1 FROM read_csv('/etc/passwd'))").is_err());
        assert!(check_expression("EXISTS (SELECT 1)").is_err());
        assert!(check_expression("(SELECT max(x) FROM t) > 0").is_err());
    }
}
