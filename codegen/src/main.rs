//! The `codegen` command line: generate every artifact from `openapi.yaml`, check that the
//! committed ones are up to date, lint the templates, or import a team's existing definition.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use codegen::{Difference, EmitError, Options};
use indexmap::IndexMap;

const AFTER_HELP: &str = "\
Artifacts (paths relative to the workspace root):
  generated/apigateway.json      import-ready definition: aws apigateway import-rest-api --body fileb://generated/apigateway.json --fail-on-warnings
  generated/cloudformation.yaml  the whole stack: aws cloudformation deploy --template-file generated/cloudformation.yaml --stack-name NAME --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND

The workspace root is the nearest ancestor of the current directory whose Cargo.toml has a
[workspace] table (else the current directory), or --root. With no command, `codegen` runs
`generate` with the defaults.";

/// Write every artifact derived from openapi.yaml, or check that the committed ones are current.
#[derive(Parser)]
#[command(name = "codegen", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate every artifact and write the ones that changed (files already identical are
    /// left untouched).
    #[command(after_help = AFTER_HELP)]
    Generate(Common),
    /// Compare every artifact with the file on disk; print each one that is missing or differs
    /// and exit 1 if any does (CI runs this).
    #[command(after_help = AFTER_HELP)]
    Check(Common),
    /// Static contract checks of the mapping templates and integrations against the schemas
    /// (also run by generate and check); exit 1 when any error-severity finding that is not
    /// allowed.
    Lint(LintArgs),
    /// Turn an existing definition into an openapi.yaml in this project's form: a
    /// CloudFormation or SAM template (JSON or YAML, `cdk synth` output included), a Swagger
    /// 2.0 file, or `aws apigateway get-export --export-type oas30` output (detected).
    Import(ImportArgs),
}

#[derive(Args)]
struct ImportArgs {
    /// The template or document to import.
    source: PathBuf,
    /// Where to write the OpenAPI document. Default: standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// The REST API to import when the template has several (its logical id).
    #[arg(long, value_name = "LOGICAL_ID")]
    api: Option<String>,
}

/// `--allow` / `--deny`, shared by every command that lints.
#[derive(Args, Default, Clone)]
struct RuleArgs {
    /// Allow a lint rule's findings (reported as allowed, never failing), repeatable. The
    /// document can allow rules too, with `x-lint: {allow: [...]}` at its root or in an
    /// operation.
    #[arg(long = "allow", value_name = "RULE")]
    allow: Vec<String>,
    /// Deny a lint rule (its warnings become errors, overriding the document's allows);
    /// `all` denies every rule. With `generate`, a denied rule's findings make it exit 1
    /// (after writing the artifacts); without --deny, generate never fails on findings.
    #[arg(long = "deny", value_name = "RULE")]
    deny: Vec<String>,
}

impl RuleArgs {
    fn config(&self, params: &[(String, String)]) -> lint::Config {
        lint::Config {
            allow: self.allow.clone(),
            deny: self.deny.clone(),
            params: params.iter().cloned().collect(),
        }
    }
}

#[derive(Args)]
struct LintArgs {
    /// The API definition (YAML or JSON). Default: openapi.yaml at the workspace root.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Output format: human (rustc style), json (documented in the lint crate), sarif (2.1.0).
    #[arg(long, value_enum, default_value = "human")]
    format: LintFormat,
    #[command(flatten)]
    rules: RuleArgs,
    /// A deploy parameter, intrinsic or placeholder value (NAME=VALUE), as generate takes it.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LintFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Args, Default)]
struct Common {
    /// The API definition (YAML or JSON). Default: openapi.yaml at the workspace root.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// The workspace root the artifacts' paths are relative to. Default: found from the
    /// current directory (see below).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// A deploy parameter for the import-ready definition, overriding its default in
    /// x-deploy-parameters: NAME=VALUE, repeatable. The pseudo parameters AWS::Region,
    /// AWS::AccountId and AWS::Partition are substituted only when given here; otherwise they
    /// stay as ${AWS::Region} etc., which import-rest-api resolves itself. (The CloudFormation
    /// stack is the same for every value: its parameters take them at deploy time.)
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    #[command(flatten)]
    rules: RuleArgs,
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    codegen::parse_param(s).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (check, common) = match cli.command {
        None => (false, Common::default()),
        Some(Command::Generate(c)) => (false, c),
        Some(Command::Check(c)) => (true, c),
        Some(Command::Lint(l)) => return lint_command(l),
        Some(Command::Import(i)) => return import_command(i),
    };
    match run(check, common) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("codegen: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Read the document and lint it.
fn lint_file(path: &std::path::Path, config: &lint::Config) -> Result<lint::Report, EmitError> {
    let text = std::fs::read_to_string(path).map_err(|e| EmitError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(lint::lint_with(&path.display().to_string(), &text, config))
}

fn import_command(args: ImportArgs) -> ExitCode {
    let file = args.source.display().to_string();
    let text = match std::fs::read_to_string(&args.source) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("codegen: error: {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let options = import::ImportOptions { api: args.api };
    let imported = match import::import(&text, &file, &options) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("codegen: error: {e}");
            return ExitCode::from(2);
        }
    };
    for n in &imported.not_carried {
        eprintln!("not carried: {n}");
    }
    match &args.output {
        Some(out) => {
            if let Err(e) = std::fs::write(out, &imported.yaml) {
                eprintln!("codegen: error: {}: {e}", out.display());
                return ExitCode::from(2);
            }
            eprintln!(
                "codegen import: wrote {} ({} not carried over, listed above and at its top)",
                out.display(),
                imported.not_carried.len()
            );
        }
        None => print!("{}", imported.yaml),
    }
    ExitCode::SUCCESS
}

fn lint_command(args: LintArgs) -> ExitCode {
    let spec_path = match args.spec {
        Some(p) => p,
        None => match std::env::current_dir() {
            Ok(cwd) => codegen::workspace_root(&cwd).join("openapi.yaml"),
            Err(e) => {
                eprintln!("codegen: error: .: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let report = match lint_file(&spec_path, &args.rules.config(&args.params)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("codegen: error: {e}");
            return ExitCode::from(2);
        }
    };
    match args.format {
        LintFormat::Human => print!("{}", report.human()),
        LintFormat::Json => println!("{:#}", report.json()),
        LintFormat::Sarif => println!("{:#}", report.sarif()),
    }
    if report.errors() > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn run(check: bool, common: Common) -> Result<ExitCode, EmitError> {
    let cwd = std::env::current_dir().map_err(|e| EmitError::Io {
        path: ".".into(),
        message: e.to_string(),
    })?;
    let root = common.root.unwrap_or_else(|| codegen::workspace_root(&cwd));
    let spec_path = common.spec.unwrap_or_else(|| root.join("openapi.yaml"));
    let options = Options {
        params: common.params.iter().cloned().collect::<IndexMap<_, _>>(),
    };
    // The lint first: it also explains documents the apidef crate refuses. Its findings are
    // printed; they fail `check` (errors not allowed), and `generate` only for rules given with
    // --deny: generate writes the artifacts of every document that loads.
    let config = common.rules.config(&common.params);
    let report = lint_file(&spec_path, &config)?;
    if !report.findings.is_empty() {
        eprint!("{}", report.human());
    }
    let lint_failed = report.errors() > 0;
    let denied = !config.deny.is_empty() && lint_failed;
    let api = codegen::load(&spec_path, &options)?;
    for w in &api.warnings {
        eprintln!("{w}");
    }
    let artifacts = codegen::generate(&api, &options)?;
    if check && lint_failed {
        eprintln!(
            "codegen check: {} lint error(s); fix them or allow the rule (--allow RULE, or x-lint: {{allow: [RULE]}} in the document)",
            report.errors()
        );
        return Ok(ExitCode::FAILURE);
    }
    if check {
        let differences = codegen::check(&root, &artifacts);
        for (path, d) in &differences {
            match d {
                Difference::Missing => eprintln!("{path}: missing"),
                Difference::Differs => eprintln!("{path}: differs from what codegen generates"),
            }
        }
        if differences.is_empty() {
            println!("codegen check: {} artifacts up to date", artifacts.len());
            Ok(ExitCode::SUCCESS)
        } else {
            eprintln!(
                "codegen check: {} of {} artifacts out of date; run `cargo run -p codegen` to regenerate",
                differences.len(),
                artifacts.len()
            );
            Ok(ExitCode::FAILURE)
        }
    } else {
        let written = codegen::write(&root, &artifacts)?;
        for path in &written {
            println!("wrote {path}");
        }
        println!(
            "codegen: {} artifacts, {} written, {} unchanged",
            artifacts.len(),
            written.len(),
            artifacts.len() - written.len()
        );
        if denied {
            eprintln!(
                "codegen generate: {} finding(s) of denied rules",
                report.errors()
            );
            return Ok(ExitCode::FAILURE);
        }
        Ok(ExitCode::SUCCESS)
    }
}
