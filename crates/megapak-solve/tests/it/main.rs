//! The solver on fixture providers.

mod check;
mod conflicts;
mod faults;
mod helpers;
mod lock;
mod markers;
mod pip_agreement;
mod plugin;
mod providers;
mod real;
mod versions;
