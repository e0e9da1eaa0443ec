//! # acumen-knowledge
//!
//! The knowledge base, compiled into the binary: every WHO standard
//! acupoint (361 meridian points, 48 extra points) and the two ear points of
//! the neuropathy protocols, with pinyin, characters, body region, limb and
//! safety flags; the neuropathic-pain conditions with their ICD-10 codes; and
//! which points the neuropathy trials used. Pure data and lookups: no IO.
//! The tables live in `data/` as text, each with its source (`SOURCES.md`).
#![deny(missing_docs)]

pub mod aliases;
pub mod conditions;
pub mod points;
pub mod trials;

pub use points::{is_valid_point, point, points, Flag, Limb, Point, Region};
