//! `concord`: the command line over the service layer.

fn main() {}
