//! The data-product catalog: a static site (self-contained pages, auto-escaped) listing every
//! product from its contract, with its health from the history.

use minijinja::{Environment, context};
use serde_json::Value;

const CSS: &str = include_str!("templates/catalog.css");
const INDEX: &str = include_str!("templates/catalog_index.html");
const PRODUCT: &str = include_str!("templates/catalog_product.html");

fn env() -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.add_template("index.html", INDEX).map_err(|e| e.to_string())?;
    env.add_template("product.html", PRODUCT).map_err(|e| e.to_string())?;
    Ok(env)
}

/// The index page. `products` is a list of product views (see `lakegate catalog`).
pub fn catalog_index(products: &[Value], domains: &[String], history: Option<&str>) -> Result<String, String> {
    let env = env()?;
    let t = env.get_template("index.html").map_err(|e| e.to_string())?;
    // Page names are lakegate's own, but every href still goes through the one link filter.
    let products: Vec<Value> = products
        .iter()
        .map(|p| {
            let mut p = p.clone();
            if let Some(o) = p.as_object_mut() {
                let page = o.get("page").and_then(Value::as_str).and_then(crate::links::safe_href);
                o.insert("page".into(), page.map_or(Value::Null, Value::String));
            }
            p
        })
        .collect();
    t.render(context! { products => products, domains => domains, history => history, css => CSS })
        .map_err(|e| e.to_string())
}

/// The page of one product. `report` (`catalog --report URL`) becomes a link only when it is a
/// relative path or an http(s) URL (see [`crate::safe_href`]); anything else is shown as text.
pub fn catalog_product(product: &Value, report: Option<&str>) -> Result<String, String> {
    let env = env()?;
    let report_text = report;
    let report = report.and_then(crate::links::safe_href);
    let t = env.get_template("product.html").map_err(|e| e.to_string())?;
    t.render(context! { p => product, report => report, report_text => report_text, css => CSS })
        .map_err(|e| e.to_string())
}
