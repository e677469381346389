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

/// Page stems keep at most this many characters of the contract id.
pub const MAX_PAGE_STEM: usize = 64;

/// FNV-1a, 64 bits: a short hash that is the same on every platform and in every version.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Names a filesystem or the site itself reserves (compared in lower case, before any `.`).
fn reserved(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or("").to_ascii_lowercase();
    matches!(base.as_str(), "index" | "con" | "prn" | "aux" | "nul")
        || (base.len() == 4
            && (base.starts_with("com") || base.starts_with("lpt"))
            && base.as_bytes()[3].is_ascii_digit())
}

/// Looks like a name this function added a hash to: `...-` and 16 hex digits.
fn hash_like(stem: &str) -> bool {
    stem.len() > 17
        && stem.as_bytes()[stem.len() - 17] == b'-'
        && stem[stem.len() - 16..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The file name of each product page, in the order of `ids`: unique (also on case-insensitive
/// filesystems), at most [`MAX_PAGE_STEM`] + 22 characters, inside the site folder, never
/// `index.html`. An id that is already a plain lower-case name (`[a-z0-9_.-]`, not starting
/// with `.`, not reserved) is its own page name, so links stay readable and stable; any other
/// id (`a/b`, `Users`, `index`, a very long one) is sanitised, cut, and gets `-` and 16 hex
/// digits of a stable hash of the whole id. Should two names still meet (equal ids), the later
/// one gets `-2`, `-3`, ... in the given order.
pub fn catalog_page_names(ids: &[&str]) -> Vec<String> {
    let mut taken = std::collections::HashSet::new();
    ids.iter()
        .map(|id| {
            let clean: String =
                id.chars()
                    .map(|c| {
                        if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.') {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
            let clean = clean.trim_matches('.');
            let stem: String = clean.chars().take(MAX_PAGE_STEM).collect();
            let plain = !stem.is_empty() && stem == *id && !reserved(&stem) && !hash_like(&stem);
            let stem = if plain {
                stem
            } else {
                let base = if stem.is_empty() { "product" } else { stem.trim_end_matches('.') };
                format!("{base}-{:016x}", stable_hash(id))
            };
            let mut name = format!("{stem}.html");
            let mut n = 1;
            while !taken.insert(name.to_ascii_lowercase()) {
                n += 1;
                name = format!("{stem}-{n}.html");
            }
            name
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::catalog_page_names;

    #[test]
    fn page_names_are_unique_bounded_and_never_the_index() {
        let long = "x".repeat(10_000);
        let ids =
            ["orders", "index", "INDEX", "a/b", "a_b", "A_b", "Users", "users", "../../evil", "", "...", "con", &long];
        let names = catalog_page_names(&ids);
        assert_eq!(names[0], "orders.html", "a plain id is its own name");
        assert_eq!(names[4], "a_b.html");
        assert_eq!(names[7], "users.html");
        let mut lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        lower.sort();
        lower.dedup();
        assert_eq!(lower.len(), names.len(), "unique ignoring case: {names:?}");
        for n in &names {
            assert!(n.len() <= super::MAX_PAGE_STEM + 22, "{n}");
            assert!(!n.eq_ignore_ascii_case("index.html") && !n.starts_with('.') && !n.contains('/'), "{n}");
            assert!(n.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "{n}");
        }
        // Stable: the same id gives the same name, whatever else is in the catalog.
        assert_eq!(catalog_page_names(&["a/b"])[0], names[3]);
        // A crafted id equal to another id's hashed name does not take its page.
        let crafted = names[3].trim_end_matches(".html").to_owned();
        let again = catalog_page_names(&["a/b", &crafted]);
        assert_ne!(again[0], again[1]);
        // Equal ids (refused by the loader) still get two pages.
        assert_eq!(catalog_page_names(&["x", "x"]), ["x.html", "x-2.html"]);
    }
}
