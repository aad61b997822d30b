//! Modules of the `landscape` binary only (the library does not see them): what it prints.
//! Everything a front end needs beyond printing is in the library.

pub mod output;
