//! `vtl`: render an API Gateway mapping template from the command line, to debug it without
//! deploying.
//!
//! ```text
//! vtl render TEMPLATE [--body S | --body-file F] [--path k=v].. [--query k=v].. [--header k=v]..
//!            [--stage-var k=v].. [--context JSON] [--overrides]
//! vtl render --jsonl < cases.jsonl
//! ```

use std::io::{BufRead, Read, Write};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use indexmap::IndexMap;
use vtl::{Bindings, Template};

#[derive(Parser)]
#[command(
    name = "vtl",
    about = "API Gateway's Velocity (VTL) dialect: render mapping templates locally"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a template file (or, with --jsonl, one JSON case per stdin line).
    Render(RenderArgs),
}

#[derive(clap::Args)]
struct RenderArgs {
    /// Template file ("-" for stdin). Not used with --jsonl.
    template: Option<String>,
    /// Request/response payload ($input.body).
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// File holding the payload.
    #[arg(long)]
    body_file: Option<String>,
    /// Path parameter k=v (repeatable).
    #[arg(long = "path", value_name = "K=V")]
    path: Vec<String>,
    /// Query string parameter k=v (repeatable).
    #[arg(long = "query", value_name = "K=V")]
    query: Vec<String>,
    /// Header k=v (repeatable).
    #[arg(long = "header", value_name = "K=V")]
    header: Vec<String>,
    /// Stage variable k=v (repeatable).
    #[arg(long = "stage-var", value_name = "K=V")]
    stage_var: Vec<String>,
    /// $context as a JSON object.
    #[arg(long)]
    context: Option<String>,
    /// Also print {"requestOverride":..,"responseOverride":..} as one JSON line after the output.
    #[arg(long)]
    overrides: bool,
    /// Batch mode: read {"template", "body"?, "params"?, "context"?, "stageVariables"?, "vars"?}
    /// per stdin line, write {"output", "overrides"} or {"error"} per line.
    #[arg(long)]
    jsonl: bool,
}

fn pairs(v: &[String], what: &str) -> anyhow::Result<IndexMap<String, String>> {
    let mut m = IndexMap::new();
    for p in v {
        let Some((k, val)) = p.split_once('=') else {
            bail!("--{what} expects k=v, got `{p}`");
        };
        m.insert(k.to_string(), val.to_string());
    }
    Ok(m)
}

fn string_map(v: Option<&serde_json::Value>) -> IndexMap<String, String> {
    match v {
        Some(serde_json::Value::Object(o)) => o
            .iter()
            .map(|(k, v)| {
                let s = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), s)
            })
            .collect(),
        _ => IndexMap::new(),
    }
}

fn object(v: Option<&serde_json::Value>) -> serde_json::Map<String, serde_json::Value> {
    match v {
        Some(serde_json::Value::Object(o)) => o.clone(),
        _ => serde_json::Map::new(),
    }
}

fn jsonl_case(line: &str) -> serde_json::Value {
    let case: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return serde_json::json!({ "error": format!("invalid input line: {e}") }),
    };
    let Some(template) = case.get("template").and_then(|t| t.as_str()) else {
        return serde_json::json!({ "error": "missing \"template\" string" });
    };
    let params = case.get("params");
    let b = Bindings {
        body: case
            .get("body")
            .and_then(|b| b.as_str())
            .unwrap_or_default()
            .to_string(),
        path: string_map(params.and_then(|p| p.get("path"))),
        querystring: string_map(params.and_then(|p| p.get("querystring"))),
        header: string_map(params.and_then(|p| p.get("header"))),
        context: object(case.get("context")),
        stage_variables: string_map(case.get("stageVariables")),
        vars: object(case.get("vars")),
        ..Bindings::default()
    };
    match Template::parse(template) {
        Err(e) => serde_json::json!({ "error": e.to_string() }),
        Ok(t) => match t.render(&b) {
            Err(e) => serde_json::json!({ "error": e.to_string() }),
            Ok(r) => serde_json::json!({ "output": r.output, "overrides": r.overrides_json() }),
        },
    }
}

fn render(args: RenderArgs) -> anyhow::Result<ExitCode> {
    if args.jsonl {
        let stdin = std::io::stdin();
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for line in stdin.lock().lines() {
            let line = line.context("reading stdin")?;
            if line.trim().is_empty() {
                continue;
            }
            let result = jsonl_case(&line);
            writeln!(out, "{result}")?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(path) = args.template.as_deref() else {
        bail!("give a TEMPLATE file, or --jsonl");
    };
    let src = if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading template {path}"))?
    };
    let body = match (&args.body, &args.body_file) {
        (Some(b), _) => b.clone(),
        (None, Some(f)) => {
            std::fs::read_to_string(f).with_context(|| format!("reading body {f}"))?
        }
        (None, None) => String::new(),
    };
    let context = match &args.context {
        Some(c) => match serde_json::from_str::<serde_json::Value>(c).context("--context")? {
            serde_json::Value::Object(o) => o,
            _ => bail!("--context must be a JSON object"),
        },
        None => serde_json::Map::new(),
    };
    let b = Bindings {
        body,
        path: pairs(&args.path, "path")?,
        querystring: pairs(&args.query, "query")?,
        header: pairs(&args.header, "header")?,
        stage_variables: pairs(&args.stage_var, "stage-var")?,
        context,
        ..Bindings::default()
    };
    let t = match Template::parse(&src) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}:{e}");
            return Ok(ExitCode::from(2));
        }
    };
    match t.render(&b) {
        Ok(r) => {
            let mut out = std::io::stdout().lock();
            out.write_all(r.output.as_bytes())?;
            out.flush()?;
            if args.overrides {
                writeln!(out)?;
                writeln!(out, "{}", r.overrides_json())?;
                out.flush()?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{path}:{e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.command {
        Command::Render(a) => render(a),
    };
    match r {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vtl: {e:#}");
            ExitCode::from(2)
        }
    }
}
