//! Fields the standard lets take one of two shapes.
//!
//! `#[serde(untagged)]` would accept them too, but its error ("data did not match any
//! variant") names neither the shape nor the key at fault. These deserializers dispatch on
//! the YAML node kind instead, so an error inside either shape keeps its precise path.

use std::fmt;
use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::model::{Team, TeamMember};

/// One string or a list of strings (relationship `from` / `to`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single `object.property`.
    One(String),
    /// A composite key, one entry per column.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The entries as a slice-like vector.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string `object.property` or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<OneOrMany, A::Error> {
                Vec::<String>::deserialize(SeqAccessDeserializer::new(seq)).map(OneOrMany::Many)
            }
        }
        d.deserialize_any(V)
    }
}

/// A string shorthand or a full object (v3.2.0 `context`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum StringOrObject<T> {
    /// The shorthand.
    Text(String),
    /// The full form.
    Object(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for StringOrObject<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = StringOrObject<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StringOrObject::Text(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(StringOrObject::Object)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// `team`: the v3.1.0 object, or the deprecated list of members.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TeamField {
    /// v3.1.0 object form.
    Team(Team),
    /// Deprecated (v3.0.x) list of members.
    Members(Vec<TeamMember>),
}

impl TeamField {
    /// The members, whichever form was used.
    pub fn members(&self) -> &[TeamMember] {
        match self {
            TeamField::Team(t) => t.members.as_deref().unwrap_or(&[]),
            TeamField::Members(m) => m,
        }
    }
}

impl<'de> Deserialize<'de> for TeamField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TeamField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a team mapping (or the deprecated list of members)")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TeamField, A::Error> {
                Team::deserialize(MapAccessDeserializer::new(map)).map(TeamField::Team)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<TeamField, A::Error> {
                Vec::<TeamMember>::deserialize(SeqAccessDeserializer::new(seq)).map(TeamField::Members)
            }
        }
        d.deserialize_any(V)
    }
}
