//! From contract to checks, and from metrics to results.
//!
//! `compile` desugars every ODCS construct (properties, logicalTypeOptions, quality rules,
//! relationships, SLAs) into [`CheckSpec`]s and the deduplicated [`Metric`]s each dataset
//! must compute. `evaluate` turns metrics into statuses; it is pure and never sees data.
//!
//! [`CheckSpec`]: lakegate_core::CheckSpec
//! [`Metric`]: lakegate_core::Metric

pub mod catalog;
pub mod change;
pub mod compile;
pub mod depend;
pub mod evaluate;
pub mod redact;
pub mod schema;

pub use compile::{CompileOptions, compile};
pub use depend::evaluate_all;
pub use evaluate::evaluate;
