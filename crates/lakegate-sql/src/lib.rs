//! The SQL engine: a contract's metric plan lowered to SQL and run where the data is (Spark
//! Connect, PostgreSQL, Amazon Redshift), one aggregate query per dataset.
//!
//! A [`Backend`] is a connection to one SQL system: it names a dataset's relation, runs a
//! read-only query and returns its rows as [`Table`]s. The lowering (metric -> SQL,
//! [`lower`]) is the same for every backend, with the differences between systems in its
//! [`Dialect`]; [`SqlEngine`] runs it behind the core `Engine` interface.

pub mod backend;
pub mod engine;
pub mod expr;
pub mod lower;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod types;

pub use backend::{Backend, CatalogColumn, Dialect, Table, Value};
pub use engine::{SqlEngine, cancel_all};
