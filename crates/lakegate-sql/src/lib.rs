//! The SQL engine: a contract's metric plan lowered to SQL and run where the data is (Spark
//! Connect, PostgreSQL, Amazon Redshift), one aggregate query per dataset.
//!
//! A [`Backend`] is a connection to one SQL system: it names a dataset's relation, runs a
//! read-only query and returns its rows as [`Table`]s. The lowering (metric -> SQL) is the
//! same for every backend, with the differences between systems in its [`Dialect`].

pub mod backend;

pub use backend::{Backend, CatalogColumn, Dialect, Table, Value};
