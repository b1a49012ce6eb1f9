//! The `tck` binary: everything lives in the library; this only dispatches.

fn main() -> std::process::ExitCode {
    tck::cli::main()
}
