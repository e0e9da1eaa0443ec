//! Request bodies of the registry, as clients send them, and their
//! validation into records the store may keep ("parse, don't validate":
//! a `Valid<T>` can only be made by `validate`).

mod adverse;
mod condition;
mod course;
mod outcome;
mod patient;
mod screening;
mod session;

pub use adverse::*;
pub use condition::*;
pub use course::*;
pub use outcome::*;
pub use patient::*;
pub use screening::*;
pub use session::*;

pub use crate::role::Role;
pub use crate::valid::{Valid, Validate};
