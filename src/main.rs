//! The command line: parsing, exit codes, and nothing else.

use clap::{Parser, Subcommand, ValueEnum};
use hybrid_audit::{ingest, inspect, join, values::DateOrder};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "hybrid-audit", version, about = "Audit Microsoft 365 / Exchange hybrid mailbox provisioning from directory exports")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum DateOrderArg {
    /// en-US: 4/12/2019 is April 12
    MonthFirst,
    /// most other cultures: 12/4/2019 is April 12
    DayFirst,
}

#[derive(Subcommand)]
enum Command {
    /// Show what each export file was read as and how the directories join per person
    Inspect {
        /// Folder of exports (searched recursively; file names do not matter)
        dir: PathBuf,
        /// Print one JSON object instead of tables
        #[arg(long)]
        json: bool,
        /// Day/month order for files whose own dates do not settle it
        #[arg(long, value_enum)]
        date_order: Option<DateOrderArg>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Inspect { dir, json, date_order } => {
            let options = ingest::Options {
                date_order: date_order.map(|d| match d {
                    DateOrderArg::MonthFirst => DateOrder::MonthFirst,
                    DateOrderArg::DayFirst => DateOrder::DayFirst,
                }),
            };
            let data = match ingest::load(&dir, &options) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            if data.files.is_empty() {
                eprintln!("error: {} holds no files — give the folder that holds the exports", dir.display());
                return ExitCode::from(2);
            }
            let joined = join::join(&data);
            let root = dir.display().to_string();
            if json {
                println!("{}", inspect::to_json(&root, &data, &joined));
            } else {
                print!("{}", inspect::to_text(&root, &data, &joined));
            }
            ExitCode::SUCCESS
        }
    }
}

/// Many small allocations (one per kept value) are the ingest's main cost after parsing.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
