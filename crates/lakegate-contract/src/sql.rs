//! SQL rules: placeholders and the read-only guard.
//!
//! A sql rule is one SELECT returning one number. Anything else (DDL, DML, several
//! statements) is rejected before it runs, and so are polars' file-reading table functions
//! (`read_parquet('...')`), which would let a contract read files outside its datasets.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, ObjectName, ObjectNamePart, Query, Select, SelectItem, Statement, TableFactor, Visit, Visitor,
    visit_relations,
};
use sqlparser::dialect::{Dialect, GenericDialect, dialect_from_str};
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

/// Replaces the server placeholders of a query (`${project}`, `${dataset}`, `${catalog}`,
/// `${database}`, `${schema}`) with the fields of the server the run selected. A placeholder
/// whose field the server does not set is left as it is (the query then fails to run, and
/// says so).
pub fn substitute_server(query: &str, server: &crate::model::Server) -> String {
    let mut q = query.to_owned();
    for (key, value) in [
        ("project", &server.project),
        ("dataset", &server.dataset),
        ("catalog", &server.catalog),
        ("database", &server.database),
        ("schema", &server.schema),
    ] {
        if let Some(v) = value {
            q = q.replace(&format!("${{{key}}}"), v);
        }
    }
    q
}

/// The server placeholders a query uses, in order of first use.
pub fn server_placeholders(query: &str) -> Vec<&'static str> {
    crate::vars::SERVER_PLACEHOLDERS.into_iter().filter(|k| query.contains(&format!("${{{k}}}"))).collect()
}

/// The deepest nesting of parentheses a contract's SQL may hold. sqlparser's time grows
/// exponentially with some nested forms near its recursion limit (48 nested `CAST(` took minutes,
/// 46 took 0.06 s): a rule's SQL is refused above this depth before any parser sees it.
pub const MAX_SQL_NESTING: usize = 24;

/// The deepest parenthesis nesting of `text`, quoted strings and names skipped.
pub fn nesting(text: &str) -> usize {
    let (mut depth, mut max, mut quote) = (0usize, 0usize, None::<char>);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(' | '[') => {
                depth += 1;
                max = max.max(depth);
            }
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Refuses SQL nested deeper than [`MAX_SQL_NESTING`], with the reason.
pub fn too_deep(text: &str) -> Result<(), String> {
    let n = nesting(text);
    if n > MAX_SQL_NESTING {
        return Err(format!("it nests {n} levels of parentheses, at most {MAX_SQL_NESTING}"));
    }
    Ok(())
}

/// Checks that `query` is exactly one SELECT reading no files; the error says why not.
pub fn check_read_only(query: &str) -> Result<(), String> {
    too_deep(query)?;
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
    too_deep(expr)?;
    let mut parser = Parser::new(&GenericDialect {}).try_with_sql(expr).map_err(|e| e.to_string())?;
    parser.parse_expr().map_err(|e| e.to_string())?;
    if parser.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return Err("text after the expression".into());
    }
    Ok(())
}

/// Aggregate functions: an `expression` rule reads columns only through them.
const AGGREGATES: &[&str] = &[
    "sum",
    "avg",
    "mean",
    "min",
    "max",
    "count",
    "count_if",
    "stddev",
    "stddev_samp",
    "stddev_pop",
    "std",
    "variance",
    "var_samp",
    "var_pop",
    "var",
    "median",
    "quantile_cont",
    "quantile_disc",
    "percentile_cont",
    "percentile_disc",
    "first",
    "last",
    "array_agg",
    "string_agg",
    "bool_and",
    "bool_or",
    "every",
    "any_value",
    "n_unique",
    "approx_count_distinct",
    "corr",
    "covar_samp",
    "covar_pop",
];

/// The columns an aggregate expression (a lakegate `expression` rule) reads outside any
/// aggregate function: `sum(a) / b` reads `b` row by row, so the expression is no one number
/// of the dataset. Empty when every column is aggregated, or when it does not parse.
pub fn unaggregated_columns(expr: &str) -> Vec<String> {
    if too_deep(expr).is_err() {
        return Vec::new();
    }
    struct Walk {
        depth: usize,
        found: Vec<String>,
    }
    fn aggregate(e: &Expr) -> bool {
        matches!(e, Expr::Function(f) if f.over.is_none()
            && AGGREGATES.contains(&f.name.to_string().to_ascii_lowercase().as_str()))
    }
    impl Visitor for Walk {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if aggregate(e) {
                self.depth += 1;
            } else if self.depth == 0 {
                match e {
                    Expr::Identifier(i) => self.found.push(i.value.clone()),
                    Expr::CompoundIdentifier(parts) => {
                        self.found.push(parts.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join("."));
                    }
                    _ => {}
                }
            }
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if aggregate(e) {
                self.depth -= 1;
            }
            ControlFlow::Continue(())
        }
    }
    let Ok(mut parser) = Parser::new(&GenericDialect {}).try_with_sql(expr) else { return Vec::new() };
    let Ok(e) = parser.parse_expr() else { return Vec::new() };
    let mut w = Walk { depth: 0, found: Vec::new() };
    let _ = e.visit(&mut w);
    w.found
}

/// Functions polars SQL (lakegate's embedded engine) runs, lower-case (from polars-sql 0.55).
pub const ENGINE_FUNCTIONS: &[&str] = &[
    "abs",
    "acos",
    "acosd",
    "array_agg",
    "array_contains",
    "array_get",
    "array_length",
    "array_lower",
    "array_mean",
    "array_reverse",
    "array_sum",
    "array_to_string",
    "array_unique",
    "array_upper",
    "asin",
    "asind",
    "atan",
    "atan2",
    "atan2d",
    "atand",
    "avg",
    "bit_and",
    "bit_count",
    "bit_length",
    "bit_not",
    "bit_or",
    "bit_xor",
    "bitand",
    "bitcount",
    "bitnot",
    "bitor",
    "bitxor",
    "cbrt",
    "ceil",
    "ceiling",
    "char_length",
    "character_length",
    "coalesce",
    "columns",
    "concat",
    "concat_ws",
    "corr",
    "cos",
    "cosd",
    "cot",
    "cotd",
    "count",
    "covar",
    "covar_pop",
    "covar_samp",
    "date",
    "date_part",
    "datetime",
    "degrees",
    "dense_rank",
    "div",
    "ends_with",
    "exp",
    "first",
    "first_value",
    "floor",
    "greatest",
    "group_concat",
    "if",
    "ifnull",
    "initcap",
    "lag",
    "last",
    "last_value",
    "lead",
    "least",
    "left",
    "length",
    "listagg",
    "ln",
    "log",
    "log10",
    "log1p",
    "log2",
    "lower",
    "lpad",
    "ltrim",
    "max",
    "median",
    "min",
    "mod",
    "normalize",
    "nullif",
    "octet_length",
    "pi",
    "pow",
    "power",
    "quantile_cont",
    "quantile_disc",
    "radians",
    "rank",
    "regexp_like",
    "replace",
    "reverse",
    "right",
    "round",
    "row_number",
    "rpad",
    "rtrim",
    "sign",
    "sin",
    "sind",
    "split_part",
    "sqrt",
    "starts_with",
    "stddev",
    "stddev_samp",
    "stdev",
    "stdev_samp",
    "strftime",
    "string_agg",
    "string_to_array",
    "strpos",
    "strptime",
    "substr",
    "sum",
    "tan",
    "tand",
    "time",
    "timestamp",
    "total",
    "trunc",
    "truncate",
    "unnest",
    "upper",
    "var",
    "var_samp",
    "variance",
    "xor",
];

/// Dialects tried, in order, when the generic SQL parser cannot read a query.
const VENDOR_DIALECTS: [(&str, &str); 11] = [
    ("databricks", "Databricks"),
    ("snowflake", "Snowflake"),
    ("bigquery", "BigQuery"),
    ("redshift", "Redshift"),
    ("duckdb", "DuckDB"),
    ("postgresql", "PostgreSQL"),
    ("mysql", "MySQL"),
    ("mssql", "SQL Server"),
    ("spark", "Spark SQL"),
    ("clickhouse", "ClickHouse"),
    ("hive", "Hive"),
];

/// A schema object as SQL rules may name it: its names and its columns (lower-case).
#[derive(Debug, Clone, Default)]
pub struct SqlObject {
    /// `name` and `physicalName`.
    pub names: Vec<String>,
    /// Property names and physical names of its top-level properties.
    pub columns: BTreeSet<String>,
}

/// What lint finds in a sql rule's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlFinding {
    /// True for an error (the contract is invalid), false for a warning.
    pub error: bool,
    /// The message.
    pub message: String,
    /// The hint.
    pub help: String,
}

/// Replaces `${name}` server placeholders with `name` so that the query parses (lint only).
fn neutral_placeholders(query: &str) -> String {
    let mut q = query.to_owned();
    for k in crate::vars::SERVER_PLACEHOLDERS {
        q = q.replace(&format!("${{{k}}}"), k);
    }
    q
}

/// Parses with the generic dialect, else with the first vendor dialect that reads it.
fn parse_any(query: &str) -> Result<(Vec<Statement>, Option<&'static str>), String> {
    match Parser::parse_sql(&GenericDialect {}, query) {
        Ok(s) => Ok((s, None)),
        Err(e) => {
            for (name, label) in VENDOR_DIALECTS {
                let Some(d) = dialect_from_str(name) else { continue };
                let d: &dyn Dialect = d.as_ref();
                if let Ok(s) = Parser::parse_sql(d, query) {
                    return Ok((s, Some(label)));
                }
            }
            Err(e.to_string())
        }
    }
}

/// Why lakegate's embedded engine cannot run `query` (after placeholder substitution), or
/// `Ok` when it can try: SQL only a vendor dialect reads, table functions such as
/// `read_parquet`, functions polars SQL does not have. `check` reports such a rule as
/// errored with this reason; lint warns.
pub fn engine_support(query: &str) -> Result<(), String> {
    let reasons: Vec<String> = analyse(query, &[]).into_iter().filter(|f| !f.error).map(|f| f.message).collect();
    if reasons.is_empty() { Ok(()) } else { Err(reasons.join("; ")) }
}

/// Lints a sql rule's query (placeholders of the rule substituted) against the contract's
/// objects: errors for what no engine could run (not one read-only SELECT, SQL that no
/// dialect parses, unknown tables and columns, with a did-you-mean hint) and warnings for
/// what the embedded engine cannot run. Pass no objects to skip name resolution.
pub fn analyse(query: &str, objects: &[SqlObject]) -> Vec<SqlFinding> {
    let mut out = Vec::new();
    let err = |message: String, help: &str| SqlFinding { error: true, message, help: help.to_owned() };
    if let Err(why) = too_deep(query) {
        return vec![err(why, "a rule's SQL nests a few levels; split it, or use a CTE")];
    }
    let warn = |message: String, help: &str| SqlFinding { error: false, message, help: help.to_owned() };
    let (statements, dialect) = match parse_any(&neutral_placeholders(query)) {
        Ok(x) => x,
        Err(e) => {
            out.push(err(format!("it does not parse: {e}"), "a sql rule is one SELECT returning one number"));
            return out;
        }
    };
    match statements.as_slice() {
        [Statement::Query(_)] => {}
        [] => {
            out.push(err("it holds no statement".into(), "write one SELECT returning one number"));
            return out;
        }
        [_] => {
            out.push(err("only a SELECT query may run (it is read-only)".into(), "a quality rule never changes data"));
            return out;
        }
        many => {
            out.push(err(
                format!("it holds {} statements; a rule runs exactly one SELECT", many.len()),
                "split it into rules",
            ));
            return out;
        }
    }
    let not_run = "lakegate's embedded engine (polars SQL) cannot run it: `check` reports this rule as errored with this reason; the contract stays valid";
    if let Some(d) = dialect {
        out.push(warn(format!("the query is {d} SQL that the generic SQL parser does not read"), not_run));
    }
    let mut c = Collect::default();
    let _ = statements.visit(&mut c);
    for f in &c.table_functions {
        out.push(warn(format!("table function `{f}` reads outside the contract's datasets"), not_run));
    }
    let mut unknown_fns: Vec<&String> =
        c.functions.iter().filter(|f| !ENGINE_FUNCTIONS.contains(&f.as_str())).collect();
    unknown_fns.dedup();
    for f in unknown_fns {
        out.push(warn(format!("function `{f}` is not one polars SQL has"), not_run));
    }
    if objects.is_empty() {
        return out;
    }
    // Tables: every relation is a CTE or a schema object of the contract.
    let mut in_scope: Vec<&SqlObject> = Vec::new();
    let mut aliases: BTreeSet<String> = c.aliases.clone();
    let all_names: Vec<String> = objects.iter().flat_map(|o| o.names.clone()).collect();
    let mut unknown_relation = !c.table_functions.is_empty() || c.opaque;
    for (full, last, alias) in &c.tables {
        if c.ctes.contains(last) {
            continue;
        }
        match objects.iter().find(|o| o.names.iter().any(|n| n == last)) {
            Some(o) => {
                in_scope.push(o);
                aliases.extend(alias.clone());
            }
            None => {
                unknown_relation = true;
                let help = crate::diagnostic::did_you_mean(last, all_names.iter().map(String::as_str)).map_or_else(
                    || format!("tables of this contract: {}", all_names.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                );
                out.push(err(format!("table `{full}` is no schema object of this contract"), &help));
            }
        }
    }
    // Columns are checked only when every table read declares its properties.
    if unknown_relation || c.lambda || in_scope.iter().any(|o| o.columns.is_empty()) {
        return out;
    }
    let columns: BTreeSet<&str> = in_scope.iter().flat_map(|o| o.columns.iter().map(String::as_str)).collect();
    let table_names: BTreeSet<String> = c
        .tables
        .iter()
        .flat_map(|(_, last, alias)| [Some(last.clone()), alias.clone()])
        .flatten()
        .chain(c.ctes.iter().cloned())
        .collect();
    let mut reported = BTreeSet::new();
    for (parts, double_quoted) in &c.idents {
        let (column, shown) = match parts.as_slice() {
            [one] => (one.as_str(), one.clone()),
            // A struct field of a column (`address.city`), unless the first part is a table.
            [first, ..] if columns.contains(first.as_str()) && !table_names.contains(first) => continue,
            many => {
                // `t.col`, `schema.t.col`: the table part must name a relation of the query.
                let table = &many[many.len() - 2];
                if !table_names.contains(table) {
                    if reported.insert(many.join(".")) {
                        out.push(err(
                            format!("`{}` names no table or alias of the query", many.join(".")),
                            "qualify columns with a table of the FROM clause or its alias",
                        ));
                    }
                    continue;
                }
                if c.ctes.contains(table) {
                    continue;
                }
                (many[many.len() - 1].as_str(), many.join("."))
            }
        };
        let date_part = parts.len() == 1 && DATE_PARTS.contains(&column);
        if columns.contains(column) || aliases.contains(column) || date_part || !reported.insert(shown.clone()) {
            continue;
        }
        let help = crate::diagnostic::did_you_mean(column, columns.iter().copied()).map_or_else(
            || format!("columns: {}", columns.iter().copied().collect::<Vec<_>>().join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        if *double_quoted {
            out.push(warn(
                format!("`\"{column}\"` is no column of the query's tables"),
                "in standard SQL (and polars) double quotes name a column: write 'text' for a string",
            ));
        } else {
            out.push(err(format!("column `{shown}` is no property of the query's tables"), &help));
        }
    }
    out
}

/// Date-part words that vendor functions take as bare identifiers (`DATEDIFF(day, a, b)`).
const DATE_PARTS: [&str; 22] = [
    "year",
    "years",
    "quarter",
    "month",
    "months",
    "week",
    "weeks",
    "day",
    "days",
    "dayofweek",
    "dayofyear",
    "hour",
    "hours",
    "minute",
    "minutes",
    "second",
    "seconds",
    "millisecond",
    "milliseconds",
    "microsecond",
    "nanosecond",
    "epoch",
];

/// Names collected from a parsed query (lower-case).
#[derive(Default)]
struct Collect {
    /// (full name, last part, alias) of every table relation.
    tables: Vec<(String, String, Option<String>)>,
    table_functions: Vec<String>,
    ctes: BTreeSet<String>,
    aliases: BTreeSet<String>,
    /// Identifiers (one part, or a compound), and whether written in double quotes.
    idents: Vec<(Vec<String>, bool)>,
    functions: Vec<String>,
    /// A relation whose columns cannot be known (UNNEST, a pivot, ...).
    opaque: bool,
    lambda: bool,
}

fn name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.to_lowercase(),
            ObjectNamePart::Function(f) => f.name.value.to_lowercase(),
        })
        .collect()
}

impl Visitor for Collect {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        for cte in q.with.iter().flat_map(|w| &w.cte_tables) {
            self.ctes.insert(cte.alias.name.value.to_lowercase());
            self.aliases.extend(cte.alias.columns.iter().map(|c| c.name.value.to_lowercase()));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, s: &Select) -> ControlFlow<()> {
        for item in &s.projection {
            match item {
                SelectItem::ExprWithAlias { alias, .. } => {
                    self.aliases.insert(alias.value.to_lowercase());
                }
                SelectItem::ExprWithAliases { aliases, .. } => {
                    self.aliases.extend(aliases.iter().map(|a| a.value.to_lowercase()));
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        match t {
            TableFactor::Table { name, alias, args, .. } => {
                let parts = name_parts(name);
                if args.is_some() {
                    self.table_functions.push(parts.join("."));
                } else {
                    let last = parts.last().cloned().unwrap_or_default();
                    self.tables.push((parts.join("."), last, alias.as_ref().map(|a| a.name.value.to_lowercase())));
                }
            }
            TableFactor::Derived { alias, .. } => {
                if let Some(a) = alias {
                    self.ctes.insert(a.name.value.to_lowercase());
                    self.aliases.extend(a.columns.iter().map(|c| c.name.value.to_lowercase()));
                }
            }
            TableFactor::TableFunction { expr, .. } => self.table_functions.push(expr.to_string()),
            TableFactor::Function { name, .. } => self.table_functions.push(name_parts(name).join(".")),
            TableFactor::NestedJoin { .. } => {}
            _ => self.opaque = true,
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        match e {
            Expr::Identifier(i) => self.idents.push((vec![i.value.to_lowercase()], i.quote_style == Some('"'))),
            Expr::CompoundIdentifier(parts) => {
                self.idents.push((parts.iter().map(|i| i.value.to_lowercase()).collect(), false))
            }
            Expr::Function(f) => {
                if let Some(last) = name_parts(&f.name).last() {
                    self.functions.push(last.clone());
                }
            }
            Expr::Lambda(_) => self.lambda = true,
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_sql_is_refused_before_parsing() {
        let deep = format!("SELECT {}1{} FROM t", "CAST(".repeat(48), " AS INT)".repeat(48));
        let started = std::time::Instant::now();
        assert!(check_read_only(&deep).expect_err("refused").contains("48 levels"));
        assert!(!analyse(&deep, &[]).is_empty());
        assert!(check_expression(&"(".repeat(30)).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "no parser was run");
        assert_eq!(nesting("f(')))')((x))"), 2);
        assert!(check_read_only("SELECT CAST(CAST(a AS INT) AS TEXT) FROM t").is_ok());
    }

    #[test]
    fn expressions_aggregate_every_column() {
        assert!(unaggregated_columns("sum(refunds) / sum(amount)").is_empty());
        assert!(unaggregated_columns("count(*) FILTER (WHERE flag)").is_empty());
        assert!(unaggregated_columns("100.0 * count(CASE WHEN a > 0 THEN 1 END) / count(*)").is_empty());
        assert_eq!(unaggregated_columns("id"), ["id"]);
        assert_eq!(unaggregated_columns("sum(a) / b + abs(c)"), ["b", "c"]);
        assert_eq!(unaggregated_columns("sum(a) OVER (PARTITION BY g)"), ["a", "g"]);
    }

    #[test]
    fn placeholders() {
        assert_eq!(
            substitute("SELECT COUNT(*) FROM {object} WHERE ${column} < 0", "ads", Some("price")),
            "SELECT COUNT(*) FROM ads WHERE price < 0"
        );
        assert_eq!(substitute("SELECT 1 FROM ${table}", "t", None), "SELECT 1 FROM t");
    }

    fn orders() -> Vec<SqlObject> {
        vec![
            SqlObject {
                names: vec!["orders".into(), "orders_v1".into()],
                columns: ["order_id", "amount", "status", "customer_id"].map(str::to_owned).into(),
            },
            SqlObject { names: vec!["customers".into()], columns: ["id", "name"].map(str::to_owned).into() },
        ]
    }

    fn findings(q: &str) -> Vec<(bool, String, String)> {
        analyse(q, &orders()).into_iter().map(|f| (f.error, f.message, f.help)).collect()
    }

    #[test]
    fn tables_and_columns_resolve_against_the_contract() {
        for ok in [
            "SELECT COUNT(*) FROM orders WHERE amount < 0",
            "SELECT COUNT(*) FROM orders o JOIN customers c ON o.customer_id = c.id WHERE c.name IS NULL",
            "WITH paid AS (SELECT order_id, amount AS a FROM orders WHERE status = 'paid') SELECT SUM(a) FROM paid",
            "SELECT COUNT(*) FROM ${project}.${dataset}.orders_v1 WHERE Amount > 10",
            "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM orders GROUP BY customer_id) t",
        ] {
            assert_eq!(findings(ok), vec![], "{ok}");
        }
        let f = findings("SELECT COUNT(*) FROM order WHERE amount < 0");
        assert!(f.iter().any(|(e, m, h)| *e && m.contains("table `order`") && h.contains("`orders`")), "{f:?}");
        let bare = [SqlObject { names: vec!["events".into()], columns: BTreeSet::new() }];
        assert_eq!(analyse("SELECT COUNT(*) FROM events WHERE anything > 0", &bare), vec![]);
        let f = findings("SELECT COUNT(*) FROM orders WHERE amout < 0");
        assert!(f.iter().any(|(e, m, h)| *e && m.contains("column `amout`") && h == "did you mean `amount`?"), "{f:?}");
        let f = findings("SELECT COUNT(*) FROM orders o WHERE o.stats = 'x'");
        assert!(f.iter().any(|(e, m, _)| *e && m.contains("`o.stats`")), "{f:?}");
        let q = "SELECT COUNT(*) FROM orders WHERE status = \"paid\"";
        let f = findings(q);
        assert!(f.iter().all(|(e, _, _)| !e) && f.len() == 1, "{f:?}");
    }

    #[test]
    fn vendor_sql_warns_and_never_invalidates() {
        for q in [
            "SELECT COUNT(*) FROM read_parquet('s3://x/*.parquet')",
            "SELECT COUNT_IF(amount < 0) FROM orders",
            "SELECT SUM(IFF(amount < 0, 1, 0)) FROM orders",
            "SELECT APPROX_COUNT_DISTINCT(order_id) FROM orders",
            "SELECT COUNT(*) FROM orders WHERE DATEDIFF(day, CURRENT_DATE, CURRENT_DATE) > 1",
        ] {
            let f = findings(q);
            assert!(!f.is_empty() && f.iter().all(|(e, _, _)| !e), "{q}: {f:?}");
            assert!(engine_support(q).is_err(), "{q}");
        }
        assert!(engine_support("SELECT COUNT(*) FROM orders WHERE amount < 0").is_ok());
        let f = findings("SELEC 1");
        assert!(f.iter().any(|(e, m, _)| *e && m.contains("does not parse")), "{f:?}");
        let f = findings("DELETE FROM orders");
        assert!(f.iter().any(|(e, m, _)| *e && m.contains("read-only")), "{f:?}");
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
