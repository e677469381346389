//! Expressions and queries from contracts (`rowCondition`, `where`, `expression`, `--where`,
//! SQL rules), parsed once with `sqlparser` and rendered in a target dialect.
//!
//! Rendering is a rewrite of the syntax tree, never of the text: column names are quoted (they
//! are case-sensitive, as in the embedded engine), functions are mapped to the dialect's
//! spelling from a list of portable ones, types in casts are the dialect's, and the datasets a
//! SQL rule names become their relations. A construct with no faithful rendering is an error
//! naming it ("not supported on postgres: ..."), never a query computing something else.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use lakegate_core::DataSchema;
use sqlparser::ast::{
    CastKind, CharacterLength, DataType, ExactNumberInfo, Expr, Function, FunctionArguments, Ident, ObjectName,
    ObjectNamePart, SetExpr, Statement, TableAlias, TableFactor, VisitMut, VisitorMut,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::backend::Dialect;

/// Functions with the same meaning on every engine lakegate runs SQL on, with their name in
/// each dialect (PostgreSQL and Redshift, Spark). Anything else in a contract's expression is
/// refused on a SQL engine.
const PORTABLE: &[(&[&str], &str, &str)] = &[
    (&["count"], "count", "count"),
    (&["sum"], "sum", "sum"),
    (&["min"], "min", "min"),
    (&["max"], "max", "max"),
    (&["avg", "mean"], "avg", "avg"),
    (&["stddev", "std", "stddev_samp"], "stddev_samp", "stddev_samp"),
    (&["variance", "var", "var_samp"], "var_samp", "var_samp"),
    (&["lower"], "lower", "lower"),
    (&["upper"], "upper", "upper"),
    (&["length", "char_length", "character_length", "len"], "char_length", "char_length"),
    (&["abs"], "abs", "abs"),
    (&["floor"], "floor", "floor"),
    (&["ceil", "ceiling"], "ceil", "ceil"),
    (&["sqrt"], "sqrt", "sqrt"),
    (&["exp"], "exp", "exp"),
    (&["ln"], "ln", "ln"),
    (&["power", "pow"], "power", "power"),
    (&["coalesce"], "coalesce", "coalesce"),
    (&["nullif"], "nullif", "nullif"),
    (&["greatest"], "greatest", "greatest"),
    (&["least"], "least", "least"),
    (&["trim"], "trim", "trim"),
    (&["ltrim"], "ltrim", "ltrim"),
    (&["rtrim"], "rtrim", "rtrim"),
    (&["concat"], "concat", "concat"),
    (&["replace"], "replace", "replace"),
    (&["substr", "substring"], "substring", "substring"),
    (&["round"], "round", "round"),
];

fn parse_error(text: &str, e: impl std::fmt::Display) -> String {
    format!("cannot read `{text}`: {e}")
}

/// Parses one SQL expression of a contract.
pub fn parse_expression(text: &str) -> Result<Expr, String> {
    Parser::new(&GenericDialect {})
        .try_with_sql(text)
        .and_then(|mut p| {
            let e = p.parse_expr()?;
            p.expect_token(&sqlparser::tokenizer::Token::EOF)?;
            Ok(e)
        })
        .map_err(|e| parse_error(text, e))
}

/// A contract expression rendered for `dialect`, its columns checked against `schema` (a
/// column that is not there is an error naming it, as on the embedded engine).
pub fn render_expression(text: &str, schema: &DataSchema, dialect: Dialect, engine: &str) -> Result<String, String> {
    let mut e = parse_expression(text)?;
    let mut r = Rewriter { dialect, engine, schema: Some(schema), tables: None, text, error: None };
    let _ = e.visit(&mut r);
    match r.error {
        Some(why) => Err(why),
        None => Ok(e.to_string()),
    }
}

/// A SQL rule rendered for `dialect`: a single SELECT, each dataset it names replaced by its
/// relation (`tables`: dataset name -> FROM item); naming anything else is an error.
pub fn render_query(
    text: &str,
    tables: &BTreeMap<String, String>,
    dialect: Dialect,
    engine: &str,
) -> Result<String, String> {
    let statements = Parser::parse_sql(&GenericDialect {}, text).map_err(|e| parse_error(text, e))?;
    let [Statement::Query(q)] = statements.as_slice() else {
        return Err(format!("a SQL rule must be one SELECT statement, found {} statement(s)", statements.len()));
    };
    if !matches!(q.body.as_ref(), SetExpr::Select(_) | SetExpr::SetOperation { .. } | SetExpr::Query(_)) {
        return Err("a SQL rule must be a SELECT query".into());
    }
    let mut q = q.clone();
    let mut r = Rewriter { dialect, engine, schema: None, tables: Some(tables), text, error: None };
    let _ = q.visit(&mut r);
    match r.error {
        Some(why) => Err(why),
        None => Ok(q.to_string()),
    }
}

/// Quotes an identifier for `dialect`.
pub fn quote(name: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Spark => format!("`{}`", name.replace('`', "``")),
        Dialect::Postgres | Dialect::Redshift => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// A string literal for `dialect`.
pub fn string(s: &str, dialect: Dialect) -> String {
    match dialect {
        // Spark reads backslashes in string literals as escapes.
        Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Dialect::Postgres | Dialect::Redshift => format!("'{}'", s.replace('\'', "''")),
    }
}

struct Rewriter<'a> {
    dialect: Dialect,
    engine: &'a str,
    schema: Option<&'a DataSchema>,
    tables: Option<&'a BTreeMap<String, String>>,
    text: &'a str,
    error: Option<String>,
}

impl Rewriter<'_> {
    fn fail(&mut self, why: String) -> ControlFlow<()> {
        self.error.get_or_insert(why);
        ControlFlow::Break(())
    }

    fn quote_style(&self) -> char {
        if self.dialect == Dialect::Spark { '`' } else { '"' }
    }

    fn unsupported(&mut self, what: &str) -> ControlFlow<()> {
        let why = format!("not supported on {}: {what} in `{}`", self.engine, self.text);
        self.fail(why)
    }

    fn function(&mut self, f: &mut Function) -> ControlFlow<()> {
        let name = f.name.to_string().to_ascii_lowercase();
        let Some((_, pg, spark)) = PORTABLE.iter().find(|(names, _, _)| names.contains(&name.as_str())) else {
            let portable: Vec<&str> = PORTABLE.iter().map(|(n, _, _)| n[0]).collect();
            return self.unsupported(&format!(
                "function `{name}` (the functions every SQL engine computes alike: {})",
                portable.join(", ")
            ));
        };
        if f.over.is_some() {
            return self.unsupported(&format!("window function `{name}`"));
        }
        let target = if self.dialect == Dialect::Spark { spark } else { pg };
        f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(*target))]);
        // PostgreSQL rounds numerics only: round(x, n) reads x as numeric.
        if *target == "round"
            && self.dialect != Dialect::Spark
            && let FunctionArguments::List(list) = &mut f.args
            && let Some(sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(x))) =
                list.args.first_mut()
        {
            let inner = std::mem::replace(x, Expr::value(sqlparser::ast::Value::Null));
            *x = Expr::Cast {
                kind: CastKind::Cast,
                expr: Box::new(inner),
                data_type: DataType::Numeric(ExactNumberInfo::None),
                array: false,
                format: None,
            };
        }
        ControlFlow::Continue(())
    }

    fn data_type(&self, t: &DataType) -> Option<DataType> {
        let pg = self.dialect != Dialect::Spark;
        Some(match t {
            DataType::Double(_) | DataType::DoublePrecision | DataType::Float64 | DataType::Float8 => {
                if pg {
                    DataType::DoublePrecision
                } else {
                    DataType::Double(ExactNumberInfo::None)
                }
            }
            DataType::String(None) | DataType::Text | DataType::Varchar(None) => match self.dialect {
                Dialect::Postgres => DataType::Text,
                // Redshift's VARCHAR without a length is VARCHAR(256): values would be cut.
                Dialect::Redshift => {
                    DataType::Varchar(Some(CharacterLength::IntegerLength { length: 65_535, unit: None }))
                }
                Dialect::Spark => DataType::String(None),
            },
            DataType::Int64 => DataType::BigInt(None),
            _ => return None,
        })
    }
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        let Some(tables) = self.tables else { return ControlFlow::Continue(()) };
        match t {
            TableFactor::Table { name, alias, args, .. } => {
                if args.is_some() {
                    return self.unsupported("a table function");
                }
                let key = name.to_string();
                let plain = name.0.iter().map(|p| p.to_string().trim_matches('"').to_owned()).collect::<Vec<_>>();
                let found = tables.get(&key).or_else(|| tables.get(&plain.join(".")));
                let Some(relation) = found else {
                    return self.fail(format!(
                        "the query reads `{key}`, which is not a dataset of the contract (datasets: {})",
                        tables.keys().cloned().collect::<Vec<_>>().join(", ")
                    ));
                };
                let dataset = plain.join(".");
                // The relation as it is (a quoted table name, or a subquery under --where).
                *name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(relation.clone()))]);
                if alias.is_none() {
                    *alias = Some(TableAlias {
                        explicit: true,
                        name: Ident::with_quote(self.quote_style(), dataset),
                        columns: Vec::new(),
                        at: None,
                    });
                }
                ControlFlow::Continue(())
            }
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            _ => self.unsupported("this FROM item"),
        }
    }

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        let q = self.quote_style();
        match e {
            Expr::Identifier(id) => {
                if let Some(schema) = self.schema
                    && !schema.iter().any(|(n, _)| *n == id.value)
                {
                    let why = format!("column `{}` of `{}` not found in the data", id.value, self.text);
                    return self.fail(why);
                }
                id.quote_style = Some(q);
            }
            Expr::CompoundIdentifier(ids) => {
                if self.schema.is_some() {
                    return self.unsupported("a struct field path");
                }
                for id in ids {
                    id.quote_style = Some(q);
                }
            }
            Expr::Function(f) => return self.function(f),
            Expr::Cast { data_type, expr, .. } => {
                if let Some(t) = self.data_type(data_type) {
                    *data_type = t;
                }
                // PostgreSQL casts a boolean to an integer only (polars and Spark read true as
                // 1 for any number type).
                let numeric = matches!(
                    data_type,
                    DataType::DoublePrecision
                        | DataType::Double(_)
                        | DataType::Real
                        | DataType::Float(_)
                        | DataType::Numeric(_)
                        | DataType::Decimal(_)
                );
                if numeric
                    && self.dialect != Dialect::Spark
                    && let Expr::Identifier(id) = expr.as_ref()
                    && self.schema.is_some_and(|s| {
                        s.iter().any(|(n, t)| *n == id.value && *t == lakegate_core::ColumnType::Boolean)
                    })
                {
                    let inner = std::mem::replace(expr.as_mut(), Expr::value(sqlparser::ast::Value::Null));
                    **expr = Expr::Cast {
                        kind: CastKind::Cast,
                        expr: Box::new(inner),
                        data_type: DataType::Integer(None),
                        array: false,
                        format: None,
                    };
                }
            }
            Expr::BinaryOp { op: sqlparser::ast::BinaryOperator::Divide, left, .. }
                if self.dialect != Dialect::Spark =>
            {
                // `/` divides as real numbers in polars SQL and Spark (7 / 2 = 3.5); PostgreSQL
                // and Redshift divide integers as integers: the dividend is read as a double.
                let inner = std::mem::replace(left.as_mut(), Expr::value(sqlparser::ast::Value::Null));
                **left = Expr::Cast {
                    kind: CastKind::Cast,
                    expr: Box::new(Expr::Nested(Box::new(inner))),
                    data_type: DataType::DoublePrecision,
                    array: false,
                    format: None,
                };
            }
            Expr::BinaryOp { op, .. } => {
                use sqlparser::ast::BinaryOperator as B;
                match op {
                    B::PGRegexMatch if self.dialect != Dialect::Spark => {}
                    B::PGRegexMatch => return self.unsupported("the `~` operator (write a `pattern` rule)"),
                    B::PGRegexIMatch | B::PGRegexNotMatch | B::PGRegexNotIMatch | B::Regexp => {
                        return self.unsupported(&format!("the `{op}` operator"));
                    }
                    B::Xor | B::BitwiseXor | B::PGExp | B::DuckIntegerDivide | B::MyIntegerDivide => {
                        return self.unsupported(&format!("the `{op}` operator"));
                    }
                    _ => {}
                }
            }
            Expr::RLike { .. } | Expr::SimilarTo { .. } => return self.unsupported("a regular expression operator"),
            Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } if self.schema.is_some() => {
                return self.unsupported("a subquery");
            }
            Expr::Array(_) | Expr::Map(_) | Expr::Struct { .. } | Expr::Dictionary(_) => {
                return self.unsupported("arrays, maps and structs");
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakegate_core::ColumnType;

    fn schema() -> DataSchema {
        vec![("orderId".into(), ColumnType::Int(64)), ("amount".into(), ColumnType::Float(64))]
    }

    #[test]
    fn columns_are_quoted_and_functions_mapped() {
        let s = render_expression("amount >= 0 AND length(orderId) < 3", &schema(), Dialect::Postgres, "postgres");
        assert_eq!(s.as_deref(), Ok("\"amount\" >= 0 AND char_length(\"orderId\") < 3"));
        let s = render_expression("CAST(amount AS DOUBLE) > 1", &schema(), Dialect::Redshift, "redshift");
        assert_eq!(s.as_deref(), Ok("CAST(\"amount\" AS DOUBLE PRECISION) > 1"));
        let s = render_expression("round(amount, 2) = 1.5", &schema(), Dialect::Postgres, "postgres");
        assert_eq!(s.as_deref(), Ok("round(CAST(\"amount\" AS NUMERIC), 2) = 1.5"));
        let s = render_expression("sum(orderId) / count(*) > 1", &schema(), Dialect::Postgres, "postgres");
        assert_eq!(s.as_deref(), Ok("CAST((sum(\"orderId\")) AS DOUBLE PRECISION) / count(*) > 1"));
    }

    #[test]
    fn unknown_columns_and_functions_are_errors_naming_them() {
        let e = render_expression("nope > 1", &schema(), Dialect::Postgres, "postgres").expect_err("column");
        assert_eq!(e, "column `nope` of `nope > 1` not found in the data");
        let e = render_expression("regexp_like(amount, 'x')", &schema(), Dialect::Redshift, "redshift").expect_err("f");
        assert!(e.starts_with("not supported on redshift: function `regexp_like`"), "{e}");
    }

    #[test]
    fn sql_rules_are_one_select_over_the_datasets() {
        let tables = BTreeMap::from([("orders".to_owned(), "\"public\".\"orders\"".to_owned())]);
        let q = render_query("SELECT count(*) FROM orders WHERE amount < 0", &tables, Dialect::Postgres, "pg");
        assert_eq!(q.as_deref(), Ok("SELECT count(*) FROM \"public\".\"orders\" AS \"orders\" WHERE \"amount\" < 0"));
        let e = render_query("SELECT 1; SELECT 2", &tables, Dialect::Postgres, "pg").expect_err("two");
        assert!(e.contains("one SELECT"), "{e}");
        let e = render_query("DELETE FROM orders", &tables, Dialect::Postgres, "pg").expect_err("delete");
        assert!(e.contains("one SELECT"), "{e}");
        let e = render_query("SELECT count(*) FROM pg_shadow", &tables, Dialect::Postgres, "pg").expect_err("other");
        assert!(e.contains("`pg_shadow`, which is not a dataset"), "{e}");
    }
}
