//! `gateway serve`: a local API Gateway stage for an openapi.yaml.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use indexmap::IndexMap;

// A request allocates and frees a few hundred small blocks (headers, the rendered template, the
// item's attributes, the reply, the access-log line) on whichever worker thread polls it. glibc's
// malloc took a quarter of `serve`'s CPU under 16 connections of POST /album (perf); with
// mimalloc a request costs 72 µs of CPU instead of 100 (issue 14's note). Without transparent
// huge pages (`no_thp`): with them, page faults in the growing store put p99 at 30 ms, not 2.5.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "gateway",
    version,
    about = "Execute an openapi.yaml the way Amazon API Gateway does"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API over HTTP.
    Serve(Box<Serve>),
    /// Print the dialect table (where AWS is unknown and what this gateway does) as Markdown.
    Dialect,
    /// Run one request as `aws apigateway test-invoke-method` does and print its reply as the
    /// AWS CLI does (JSON: status, body, headers, multiValueHeaders, log, latency); the log has
    /// every line, headers and bodies included; the method's authorization is not run. Takes
    /// `serve`'s options for the document and the store:
    /// `gateway test-invoke GET '/Rush/Moving%20Pictures' --data-dir d`.
    TestInvoke(Box<TestInvokeArgs>),
    /// Print a JWT of the local issuer, which `gateway serve`'s Cognito user-pool authorizers
    /// trust: `gateway token --sub alice --claim email=alice@example.com`.
    Token(Token),
}

#[derive(clap::Args)]
struct Token {
    /// The `sub` claim.
    #[arg(long, default_value = "local-user")]
    sub: String,
    /// A claim, `K=V` (repeatable); V is read as JSON when it parses (numbers, true), else text.
    #[arg(long = "claim", value_name = "K=V")]
    claims: Vec<String>,
    /// An OAuth scope (repeatable): makes an access token (`token_use: access`), as a method
    /// with `authorizationScopes` needs; without, an ID token.
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// Seconds until `exp`.
    #[arg(long, default_value_t = 3600)]
    ttl: u64,
    /// The local issuer's key (made when missing); the same file `gateway serve` reads.
    #[arg(long, default_value = DEFAULT_ISSUER_KEY)]
    issuer_key: PathBuf,
    /// Print the issuer's public key as a JWKS document instead of a token.
    #[arg(long)]
    jwks: bool,
}

#[derive(clap::Args)]
struct TestInvokeArgs {
    /// The HTTP method.
    method: String,
    /// The path and query string, as test-invoke-method's `--path-with-query-string`.
    path_with_query_string: String,
    /// A request header, `NAME:VALUE` (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE")]
    headers: Vec<String>,
    /// The request body; `@FILE` reads it from FILE.
    #[arg(long)]
    body: Option<String>,
    #[command(flatten)]
    serve: Serve,
}

/// Where `gateway token` and `gateway serve` keep the local issuer's key.
const DEFAULT_ISSUER_KEY: &str = ".gateway/issuer-key.p8";

#[derive(clap::Args, Clone)]
struct Serve {
    /// The API definition.
    #[arg(long, default_value = "openapi.yaml")]
    spec: PathBuf,
    /// Port to listen on; 0 picks a free one (the line printed at start says which).
    #[arg(long, default_value_t = 4010)]
    port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Stage name (default: x-deploy-stage.name).
    #[arg(long)]
    stage: Option<String>,
    /// Use this DynamoDB endpoint (dynalite, DynamoDB Local, AWS) instead of the embedded store;
    /// credentials and region from the usual AWS_* variables.
    #[arg(long)]
    dynamodb_endpoint: Option<String>,
    /// Attempts per call to `--dynamodb-endpoint` (1 = no retry, as API Gateway is taken to do;
    /// 3 = the AWS SDKs' standard retry mode), with the SDKs' rules for what is retried.
    #[arg(long, default_value_t = 1, value_name = "N", requires = "dynamodb_endpoint",
          value_parser = clap::value_parser!(u32).range(1..=10))]
    dynamodb_max_attempts: u32,
    /// The retry back-off scale in milliseconds: the first retry waits up to this long, each
    /// later one up to twice the last, at most 20 s (the SDKs' 1,000).
    #[arg(
        long,
        default_value_t = 1_000,
        value_name = "MS",
        requires = "dynamodb_endpoint"
    )]
    dynamodb_backoff_ms: u64,
    /// Keep the embedded store's tables in DIR across restarts (a write-ahead log, each write
    /// fsynced before it is acknowledged, so it survives kill -9).
    #[arg(long, value_name = "DIR", conflicts_with = "dynamodb_endpoint")]
    data_dir: Option<PathBuf>,
    /// Also serve the embedded store as a DynamoDB endpoint on 127.0.0.1:PORT.
    #[arg(long, conflicts_with = "dynamodb_endpoint")]
    dynamodb_port: Option<u16>,
    /// Stage variable, `K=V` (repeatable): added to `x-deploy-stage.variables`, replacing a
    /// variable of the same name (`$stageVariables.K`).
    #[arg(long = "stage-variable", value_name = "K=V")]
    stage_variables: Vec<String>,
    /// Deploy parameter, `K=V` (repeatable), e.g. `--param TableName=albums-test`.
    #[arg(long = "param", value_name = "K=V")]
    params: Vec<String>,
    /// Create the tables declared in this document's `x-dynamodb-tables` instead of the served
    /// one's: for serving an import-ready definition (`generated/apigateway.json`, whose project
    /// extensions codegen strips) with the tables of `openapi.yaml`. `--param` values then apply
    /// to this document; the served one only takes the `AWS::*` pseudo parameters.
    #[arg(long, value_name = "FILE")]
    tables_from: Option<PathBuf>,
    /// An API key for the methods that require one (`apiKeyRequired`), as `VALUE` or
    /// `VALUE:PLAN` to meter it by a usage plan of `x-usage-plans` (repeatable).
    #[arg(long = "api-key", value_name = "VALUE[:PLAN]")]
    api_keys: Vec<String>,
    /// A file of API keys, one `VALUE[:PLAN]` per line (`#` starts a comment).
    #[arg(long, value_name = "FILE")]
    api_keys_file: Option<PathBuf>,
    /// A credential whose SigV4 signatures `AWS_IAM` methods accept, `ACCESS_KEY_ID:SECRET` or
    /// `ACCESS_KEY_ID:SECRET:USER_ARN` (repeatable; default: AWS_ACCESS_KEY_ID and
    /// AWS_SECRET_ACCESS_KEY, else test:test).
    #[arg(long = "iam-credential", value_name = "ID:SECRET[:ARN]")]
    iam_credentials: Vec<String>,
    /// Reload the document (and `--tables-from`) when it changes, keeping the store, the port
    /// and the connections; a broken edit keeps the last good version serving.
    #[arg(long)]
    watch: bool,
    /// Write API Gateway's execution log (what CloudWatch shows at the stage's loggingLevel,
    /// with bodies when dataTraceEnabled) to a file (appended) or `-` for standard error.
    #[arg(long, value_name = "FILE|-")]
    execution_log: Option<String>,
    /// The local issuer's key, trusted by Cognito user-pool authorizers (`gateway token` mints
    /// with it; made when missing, only when the document has such an authorizer).
    #[arg(long, default_value = DEFAULT_ISSUER_KEY)]
    issuer_key: PathBuf,
    /// A JWKS file (a user pool's `/.well-known/jwks.json`) whose keys Cognito user-pool
    /// authorizers also trust (repeatable).
    #[arg(long = "cognito-jwks", value_name = "FILE")]
    cognito_jwks: Vec<PathBuf>,
    /// What Lambda authorizers return, per authorizer and identity (JSON; see the README): no
    /// Lambda runs locally.
    #[arg(long, value_name = "FILE")]
    authorizer_policies: Option<PathBuf>,
    /// The identity policies of the `--iam-credential` callers, by access key id (JSON:
    /// `{"AKID": policy or [policies]}`); without it every signed caller's identity allows all.
    #[arg(long, value_name = "FILE")]
    iam_policies: Option<PathBuf>,
    /// An IAM condition key's value for resource and identity policies, replacing what the
    /// request gives (`aws:SourceVpce=vpce-1a2b`, `aws:PrincipalOrgID=o-abc`; repeatable).
    #[arg(long = "policy-context", value_name = "KEY=VALUE", value_parser = parse_policy_context)]
    policy_context: Vec<(String, String)>,
    /// The account-level throttle every request draws on, `RATE:BURST` (requests per second,
    /// bucket size), or `off`; default AWS's 10000:5000.
    #[arg(long, value_name = "RATE:BURST|off", value_parser = parse_account_throttle)]
    account_throttle: Option<AccountThrottle>,
    /// Access log destination: a file (appended) or `-` for standard output.
    #[arg(long, default_value = "-")]
    access_log: String,
    /// Milliseconds a client may take to send a request's head (also bounds an idle keep-alive
    /// connection); then it is disconnected.
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    header_timeout_ms: u64,
    /// Milliseconds a client may take to send a request's body once its head arrived; then 408.
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    body_timeout_ms: u64,
    /// Connections served at once; more wait in the listen backlog.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    max_connections: usize,
    /// Requests one connection carries; the last response says `Connection: close`.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    max_requests_per_connection: u64,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Dialect => {
            print!("{}", gateway::dialect::markdown());
            Ok(())
        }
        Command::Token(t) => token(&t),
        Command::TestInvoke(t) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(test_invoke(*t)),
        Command::Serve(s) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(serve(*s)),
    }
}

/// The document as `--spec` (and `--tables-from`, `--param`) say.
fn load_api(s: &Serve) -> anyhow::Result<apidef::Api> {
    let mut params = IndexMap::new();
    for p in &s.params {
        let Some((k, v)) = p.split_once('=') else {
            bail!("--param {p:?}: expected K=V");
        };
        params.insert(k.to_string(), v.to_string());
    }
    let api = match &s.tables_from {
        None => apidef::Api::load_with(&s.spec, &params)
            .with_context(|| format!("loading {}", s.spec.display()))?,
        Some(tables_file) => {
            let tables_api = apidef::Api::load_with(tables_file, &params)
                .with_context(|| format!("loading {}", tables_file.display()))?;
            let pseudo: IndexMap<String, String> = params
                .iter()
                .filter(|(k, _)| k.starts_with("AWS::"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut api = apidef::Api::load_with(&s.spec, &pseudo)
                .with_context(|| format!("loading {}", s.spec.display()))?;
            api.tables = tables_api.tables;
            api
        }
    };
    Ok(api)
}

fn token(t: &Token) -> anyhow::Result<()> {
    let issuer = gateway::cognito::LocalIssuer::load_or_create(&t.issuer_key)
        .map_err(|e| anyhow::anyhow!(e))?;
    if t.jwks {
        println!("{}", issuer.jwks());
        return Ok(());
    }
    let mut claims = serde_json::Map::new();
    claims.insert("sub".into(), t.sub.clone().into());
    for kv in &t.claims {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--claim {kv:?}: expected K=V");
        };
        let v = serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::String(v.into()));
        claims.insert(k.to_string(), v);
    }
    if !t.scopes.is_empty() {
        claims.insert("token_use".into(), "access".into());
        claims.insert("scope".into(), t.scopes.join(" ").into());
    }
    println!(
        "{}",
        issuer.token(claims, std::time::SystemTime::now(), t.ttl)
    );
    Ok(())
}

/// Where the access log and the execution log go.
#[derive(Clone)]
struct Sinks {
    access: gateway::AccessLogSink,
    execution: Option<gateway::AccessLogSink>,
}

/// How often a log's buffered lines are written out: a reader following the file sees a line
/// within this time.
const LOG_FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// Bytes of lines a log holds before the request that logs writes them out itself (a slow reader
/// of stdout slows the stage down then, as before; no line is dropped).
const LOG_BUFFER_LIMIT: usize = 1 << 20;

/// A log whose lines are buffered and written out every [`LOG_FLUSH_EVERY`] by a thread of its
/// own. One `write` per line under a lock took 4% of a POST /album's CPU at 16 connections and
/// held the other worker up; a thread woken per line cost more than that on two cores.
struct LogWriter {
    shared: Arc<LogShared>,
}

struct LogShared {
    /// Lines not yet written, each ending in a newline.
    pending: Mutex<Vec<u8>>,
    /// Held while a batch is taken and written, so that batches go out in order.
    out: Mutex<Box<dyn Write + Send>>,
}

impl LogShared {
    /// Write out every line buffered so far.
    fn write_out(&self) {
        let Ok(mut out) = self.out.lock() else { return };
        let batch = match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(_) => return,
        };
        if !batch.is_empty() {
            let _ = out.write_all(&batch);
            let _ = out.flush();
        }
    }
}

impl LogWriter {
    /// A log destination: a file (appended) or `-` for `dash`.
    fn open(dest: &str, what: &str, dash: Box<dyn Write + Send>) -> anyhow::Result<LogWriter> {
        let out: Box<dyn Write + Send> = if dest == "-" {
            dash
        } else {
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(dest)
                    .with_context(|| format!("opening {what} {dest}"))?,
            )
        };
        let shared = Arc::new(LogShared {
            pending: Mutex::new(Vec::new()),
            out: Mutex::new(out),
        });
        let flusher = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name(format!("{what} writer"))
            .spawn(move || {
                // Ends with the log (the last sink dropped).
                loop {
                    std::thread::sleep(LOG_FLUSH_EVERY);
                    match flusher.upgrade() {
                        Some(log) => log.write_out(),
                        None => break,
                    }
                }
            })
            .with_context(|| format!("starting the {what} writer"))?;
        Ok(LogWriter { shared })
    }

    fn sink(&self) -> gateway::AccessLogSink {
        let log = self.shared.clone();
        Arc::new(move |line: &str| {
            let full = match log.pending.lock() {
                Ok(mut p) => {
                    p.extend_from_slice(line.as_bytes());
                    p.push(b'\n');
                    p.len() >= LOG_BUFFER_LIMIT
                }
                Err(_) => false,
            };
            if full {
                log.write_out();
            }
        })
    }

    /// Write out every line logged so far (the process may exit next).
    fn sync(&self) {
        self.shared.write_out();
    }
}

/// Whether a method of the builder's document has a Cognito user-pool authorizer.
fn builder_api_has_cognito(b: &gateway::GatewayBuilder) -> bool {
    b.api().operations.iter().any(|o| {
        matches!(&o.authorization, apidef::Authorization::Authorizer { kind, .. } if kind == "cognito_user_pools")
    })
}

/// The stage for `api`, as the flags say; what it does not check is said on stderr.
fn build_gateway(
    s: &Serve,
    api: apidef::Api,
    dynamo: Arc<dyn dynamo::Dynamo>,
    sinks: &Sinks,
) -> anyhow::Result<gateway::Gateway> {
    let mut builder = gateway::Gateway::builder(api, dynamo).access_log(sinks.access.clone());
    if let Some(sink) = &sinks.execution {
        builder = builder.execution_log(sink.clone());
    }
    if let Some(stage) = &s.stage {
        builder = builder.stage(stage.clone());
    }
    for kv in &s.stage_variables {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--stage-variable {kv:?}: expected K=V");
        };
        builder = builder.stage_variable(k, v);
    }
    let mut key_specs: Vec<(String, String)> = s
        .api_keys
        .iter()
        .map(|k| (k.clone(), "--api-key".to_string()))
        .collect();
    if let Some(file) = &s.api_keys_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading --api-keys-file {}", file.display()))?;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if !line.is_empty() {
                key_specs.push((line.to_string(), format!("{}:{}", file.display(), i + 1)));
            }
        }
    }
    for (spec, at) in &key_specs {
        let key =
            gateway::api_keys::ApiKey::parse(spec).map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        builder = builder.api_key(key);
    }
    if s.iam_credentials.is_empty() {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        builder = builder.iam_credential(gateway::iam::IamCredential {
            access_key_id: var("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "test".into()),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|| "test".into()),
            user_arn: None,
        });
    }
    for c in &s.iam_credentials {
        let c = gateway::iam::IamCredential::parse(c)
            .map_err(|e| anyhow::anyhow!("--iam-credential: {e}"))?;
        builder = builder.iam_credential(c);
    }
    let cognito = builder_api_has_cognito(&builder);
    if cognito {
        let issuer = gateway::cognito::LocalIssuer::load_or_create(&s.issuer_key)
            .map_err(|e| anyhow::anyhow!(e))?;
        let mut keys = gateway::cognito::TrustedKeys::default().with_local(&issuer);
        for f in &s.cognito_jwks {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("reading --cognito-jwks {}", f.display()))?;
            keys = keys
                .with_jwks(&text)
                .map_err(|e| anyhow::anyhow!("--cognito-jwks {}: {e}", f.display()))?;
        }
        builder = builder.cognito_keys(keys);
    }
    if let Some(f) = &s.authorizer_policies {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("reading --authorizer-policies {}", f.display()))?;
        let policies = gateway::lambda_authorizer::Policies::parse(&text)
            .map_err(|e| anyhow::anyhow!("--authorizer-policies {}: {e}", f.display()))?;
        builder = builder.lambda_policies(policies);
    }
    if let Some(f) = &s.iam_policies {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("reading --iam-policies {}", f.display()))?;
        let policies = gateway::iam::IamPolicies::parse(&text)
            .map_err(|e| anyhow::anyhow!("--iam-policies {}: {e}", f.display()))?;
        builder = builder.iam_policies(policies);
    }
    for (k, v) in &s.policy_context {
        builder = builder.policy_context(k, v);
    }
    if let Some(AccountThrottle(t)) = s.account_throttle {
        builder = builder.account_throttle(t);
    }
    let gw = builder.build()?;
    for op in &gw.api().operations {
        if let apidef::Authorization::Authorizer { scheme, kind, .. } = &op.authorization
            && kind != "cognito_user_pools"
            && s.authorizer_policies.is_none()
        {
            // As a Lambda that answers nobody: say so once, at start.
            eprintln!(
                "note: {} uses the {kind} authorizer {scheme:?} and no --authorizer-policies was given: it answers 401 Unauthorized",
                op.label()
            );
        }
    }
    let keyed: Vec<String> = gw
        .api()
        .operations
        .iter()
        .filter(|o| o.api_key_required)
        .map(|o| o.label())
        .collect();
    if !keyed.is_empty() && key_specs.is_empty() {
        // As deployed, these answer 403 to every request until a key is given.
        eprintln!(
            "note: {} require an API key (x-api-key) and no --api-key was given: they answer 403 Forbidden",
            keyed.join(", ")
        );
    }
    Ok(gw)
}

/// The store `--dynamodb-endpoint`, `--data-dir` or neither says.
fn store(s: &Serve) -> anyhow::Result<Arc<dyn dynamo::Dynamo>> {
    Ok(match &s.dynamodb_endpoint {
        Some(url) => {
            let mut config = dynamo::RemoteConfig::from_env(Some(url.clone()));
            // API Gateway's own retries of an AWS-service integration are not documented: one
            // attempt unless asked (dialect table, "DynamoDB retries").
            config.retry = dynamo::RetryPolicy {
                max_attempts: s.dynamodb_max_attempts,
                initial_backoff: std::time::Duration::from_millis(s.dynamodb_backoff_ms),
                ..dynamo::RetryPolicy::STANDARD
            };
            Arc::new(dynamo::Remote::new(config))
        }
        None => match &s.data_dir {
            None => Arc::new(dynamo::Embedded::new()),
            Some(dir) => {
                let (store, recovered) = dynamo::Persistent::open(dir)
                    .map_err(|e| anyhow::anyhow!("--data-dir: {e}"))?;
                eprintln!(
                    "data dir {}: {} writes replayed{}",
                    dir.display(),
                    recovered.writes,
                    if recovered.cut > 0 {
                        format!(
                            ", an interrupted last write ({} bytes) cut off",
                            recovered.cut
                        )
                    } else {
                        String::new()
                    }
                );
                Arc::new(store)
            }
        },
    })
}

/// `gateway test-invoke`: one request, its reply and log printed as the AWS CLI prints
/// test-invoke-method's.
async fn test_invoke(t: TestInvokeArgs) -> anyhow::Result<()> {
    let s = &t.serve;
    let api = load_api(s)?;
    for w in &api.warnings {
        eprintln!("{w}");
    }
    let mut req = gateway::Request::new(t.method.clone(), t.path_with_query_string.clone());
    for h in &t.headers {
        let Some((k, v)) = h.split_once(':') else {
            bail!("--header {h:?}: expected NAME:VALUE");
        };
        req = req.header(k.trim(), v.trim());
    }
    if let Some(body) = &t.body {
        req = req.body(match body.strip_prefix('@') {
            Some(file) => std::fs::read(file).with_context(|| format!("reading --body @{file}"))?,
            None => body.clone().into_bytes(),
        });
    }
    // A test invocation is not the stage's traffic: no access or execution log lines.
    let sinks = Sinks {
        access: Arc::new(|_: &str| {}),
        execution: None,
    };
    let gw = build_gateway(s, api, store(s)?, &sinks)?;
    gw.create_tables().await?;
    let reply = gw.test_invoke(req).await;
    println!("{}", serde_json::to_string_pretty(&reply.to_json())?);
    Ok(())
}

async fn serve(s: Serve) -> anyhow::Result<()> {
    let api = load_api(&s)?;

    // What AWS accepts but this toolkit reads in a way worth saying: on stderr, once, at start.
    for w in &api.warnings {
        eprintln!("{w}");
    }

    let dynamo = store(&s)?;

    let access_log = LogWriter::open(&s.access_log, "access log", Box::new(std::io::stdout()))?;
    let execution_log = match &s.execution_log {
        Some(dest) => Some(LogWriter::open(
            dest,
            "execution log",
            Box::new(std::io::stderr()),
        )?),
        None => None,
    };
    let sinks = Sinks {
        access: access_log.sink(),
        execution: execution_log.as_ref().map(LogWriter::sink),
    };

    let live = gateway::server::Live::new(build_gateway(&s, api, dynamo.clone(), &sinks)?);
    let gw = live.current();
    gw.create_tables().await?;

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut dynamo_task = None;
    if let Some(port) = s.dynamodb_port {
        let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("binding the DynamoDB endpoint on 127.0.0.1:{port}"))?;
        let addr = l.local_addr()?;
        println!("dynamodb endpoint on http://{addr}");
        let mut rx = stop_rx.clone();
        let d = dynamo.clone();
        dynamo_task = Some(tokio::spawn(async move {
            dynamo::server::serve(l, d, async move {
                let _ = rx.wait_for(|s| *s).await;
            })
            .await
        }));
    }

    // Signal handlers go in before the "listening" line: a script may send SIGTERM as soon as it
    // has seen it.
    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind((s.host.as_str(), s.port))
        .await
        .with_context(|| format!("binding {}:{}", s.host, s.port))?;
    let addr: SocketAddr = listener.local_addr()?;
    println!("gateway listening on http://{addr} (stage {})", gw.stage());
    let _ = std::io::stdout().flush();

    let mut rx = stop_rx.clone();
    let limits = gateway::server::Limits {
        header_read_timeout: std::time::Duration::from_millis(s.header_timeout_ms.max(1)),
        body_read_timeout: std::time::Duration::from_millis(s.body_timeout_ms.max(1)),
        max_connections: s.max_connections.max(1),
        max_requests_per_connection: s.max_requests_per_connection.max(1),
        ..gateway::server::Limits::default()
    };
    if s.watch {
        tokio::spawn(watch(s.clone(), live.clone(), dynamo.clone(), sinks));
    }
    let server = tokio::spawn(gateway::server::serve_with(
        listener,
        live,
        limits,
        async move {
            let _ = rx.wait_for(|s| *s).await;
        },
    ));
    shutdown.await;
    let _ = stop_tx.send(true);
    let served = server.await;
    // Every request has finished: its lines are the last; the process exits after this.
    access_log.sync();
    if let Some(l) = &execution_log {
        l.sync();
    }
    served??;
    if let Some(t) = dynamo_task {
        t.await??;
    }
    Ok(())
}

/// `--watch`: reload the document when a file it is read from changes (checked every 250 ms by
/// content, so an editor's save-by-rename is seen too). The store, the port and the
/// connections stay; a document that does not load or build leaves the last good one serving,
/// and every problem is printed.
async fn watch(
    s: Serve,
    live: gateway::server::Live,
    dynamo: Arc<dyn dynamo::Dynamo>,
    sinks: Sinks,
) {
    let files: Vec<PathBuf> = std::iter::once(s.spec.clone())
        .chain(s.tables_from.clone())
        .collect();
    let read = |files: &[PathBuf]| -> Vec<Option<Vec<u8>>> {
        files.iter().map(|f| std::fs::read(f).ok()).collect()
    };
    let mut seen = read(&files);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let now = read(&files);
        if now == seen {
            continue;
        }
        seen = now;
        let reloaded = async {
            let api = load_api(&s)?;
            for w in &api.warnings {
                eprintln!("{w}");
            }
            let gw = build_gateway(&s, api, dynamo.clone(), &sinks)?;
            // New tables of the edited document; existing ones keep their items.
            gw.create_tables().await?;
            anyhow::Ok(gw)
        };
        match reloaded.await {
            Ok(gw) => {
                live.replace(gw);
                eprintln!("reloaded {}", s.spec.display());
            }
            Err(e) => eprintln!(
                "{} changed but does not load; still serving the last good version:\n{e:#}",
                s.spec.display()
            ),
        }
    }
}

fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    #[cfg(unix)]
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    })
}

/// `--account-throttle`: `None` is `off`.
#[derive(Debug, Clone, Copy)]
struct AccountThrottle(Option<apidef::ThrottleSettings>);

fn parse_policy_context(v: &str) -> Result<(String, String), String> {
    match v.split_once('=') {
        Some((k, val)) if k.contains(':') => Ok((k.to_string(), val.to_string())),
        _ => Err(format!(
            "{v:?}: expected KEY=VALUE with an IAM condition key, e.g. aws:SourceVpce=vpce-1a2b"
        )),
    }
}

fn parse_account_throttle(v: &str) -> Result<AccountThrottle, String> {
    if v == "off" {
        return Ok(AccountThrottle(None));
    }
    let bad = || format!("{v:?}: expected RATE:BURST (e.g. 10000:5000) or off");
    let (rate, burst) = v.split_once(':').ok_or_else(bad)?;
    let rate_limit: f64 = rate.trim().parse().map_err(|_| bad())?;
    let burst_limit: u64 = burst.trim().parse().map_err(|_| bad())?;
    if !(rate_limit.is_finite() && rate_limit >= 0.0) {
        return Err(bad());
    }
    Ok(AccountThrottle(Some(apidef::ThrottleSettings {
        rate_limit,
        burst_limit,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_throttle_takes_rate_burst_or_off() {
        let t = parse_account_throttle("250.5:40").unwrap().0.unwrap();
        assert_eq!((t.rate_limit, t.burst_limit), (250.5, 40));
        assert!(parse_account_throttle("off").unwrap().0.is_none());
        for bad in ["", "10", "x:1", "1:-1", "-1:5", "inf:5"] {
            let e = parse_account_throttle(bad).unwrap_err();
            assert!(e.contains("RATE:BURST"), "{bad}: {e}");
        }
    }
}
