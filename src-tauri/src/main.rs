//! The Concord desktop shell.

fn main() {}
