//! The operations reps and supervisors perform, written once for every host: the desktop
//! shell, the command line and the tests call them the same way.
//!
//! Nothing here knows about Tauri or a terminal.
