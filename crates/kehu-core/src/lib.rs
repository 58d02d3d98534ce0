//! kehu-core: the pure core of kehu (客户).
//!
//! Identity ([`phone`], [`name`]), time ([`time`]), rulebooks as data ([`policy`]), the rule
//! catalogue ([`rules`]), ledger events and the state folded from them ([`state`]), and the rule
//! engine ([`engine`]) that turns (rulebook, history, command, now) into a [`verdict::Verdict`].
//! Nothing here performs I/O or reads the clock.

pub mod access;
pub mod act;
pub mod engine;
pub mod model;
pub mod name;
pub mod phone;
pub mod policy;
pub(crate) mod rulebooks;
pub mod rules;
pub mod rules_zh;
pub mod scenario;
pub mod sms;
pub mod state;
pub mod time;
pub mod verdict;
