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
    t.render(context! { products => products, domains => domains, history => history, css => CSS })
        .map_err(|e| e.to_string())
}

/// The page of one product.
pub fn catalog_product(product: &Value, report: Option<&str>) -> Result<String, String> {
    let env = env()?;
    let t = env.get_template("product.html").map_err(|e| e.to_string())?;
    t.render(context! { p => product, report => report, css => CSS }).map_err(|e| e.to_string())
}
