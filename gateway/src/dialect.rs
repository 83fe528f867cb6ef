//! The gateway's dialect table: every behaviour where AWS's answer is unknown (or only weakly
//! evidenced) and the choice this emulator makes. The README lists it from here; nothing else in
//! the crate may deviate from AWS silently. Evidence tags are those of
//! `docs/evidence/apigateway-semantics.md` §0 (DOC, AWS-REC, LS, USER, INF, UNK).

/// One dialect entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// Short name of the behaviour.
    pub topic: &'static str,
    /// What this gateway does.
    pub choice: &'static str,
    /// What is known about AWS, with its evidence tag.
    pub evidence: &'static str,
}

/// Every choice, in pipeline order.
pub const CHOICES: &[Choice] = &[
    Choice {
        topic: "Stage prefix",
        choice: "A path whose first segment is the stage name is routed without it first; if that finds no method, the whole path is routed. So `/prod/album` and `/album` both reach POST /album. When no stage is named (no `x-deploy-stage`, no `--stage`), a path that routes neither way is routed once more without its first segment, which becomes `$context.stage`: `/v1/album` reaches POST /album in stage v1.",
        evidence: "AWS always has the stage in execute-api URLs [DOC]; accepting both is a local convenience.",
    },
    Choice {
        topic: "Routing precedence and backtracking",
        choice: "The most specific resource wins segment by segment (literal > {param} > {proxy+}); the method is looked up on that resource only (then ANY); no backtracking to a less specific resource. Done by `apidef::RouteTable`.",
        evidence: "Precedence [DOC known-issues]; backtracking undocumented [UNK].",
    },
    Choice {
        topic: "Trailing slash and empty segments",
        choice: "One trailing `/` is ignored (`/album/` = `/album`); an empty inner segment (`//`) matches no `{param}`, so it usually ends in 403.",
        evidence: "[UNK]",
    },
    Choice {
        topic: "Invalid percent-encoding",
        choice: "Path segments and query values are percent-decoded once; a `%` not followed by two hex digits is kept literally, and bytes that are not UTF-8 after decoding become U+FFFD.",
        evidence: "Decoding once [DOC known-issues]; invalid sequences [UNK].",
    },
    Choice {
        topic: "Query string `+` and repeated keys",
        choice: "`+` decodes to a space (Java URLDecoder); for a repeated key the last value is the one templates see.",
        evidence: "[UNK] (semantics §12 q6)",
    },
    Choice {
        topic: "Header names and repeated headers",
        choice: "Header names reach templates lower-cased when requests come over HTTP (hyper normalises them); a repeated header's last value wins. Required-header validation is case-insensitive.",
        evidence: "[UNK]",
    },
    Choice {
        topic: "Required parameter blank values",
        choice: "A required parameter whose value is empty or only whitespace in Java's sense (`String.isBlank`: `Character.isWhitespace`, which excludes the no-break spaces U+00A0, U+2007, U+202F and U+0085 NEXT LINE) counts as missing (`validate::java_is_blank`).",
        evidence: "`?q1=` fails [DOC]; whitespace-only [INF: API Gateway is a Java service].",
    },
    Choice {
        topic: "Empty body and trimming",
        choice: "A body counts as empty when Java's `trim()` leaves nothing (only chars <= U+0020, `validate::java_trim`): such a body is `{}` to body validation and a mock's empty passthrough; Unicode spaces (U+3000, U+2003, ...) are content, unlike Rust's `str::trim`.",
        evidence: "An empty body is `{}` [AWS-REC]; the trim [INF: Java].",
    },
    Choice {
        topic: "Body model by Content-Type",
        choice: "The body is validated against the model of the request's media type; a request without Content-Type uses the `application/json` model; a media type without a model is not validated (the integration then decides, e.g. 415).",
        evidence: "[UNK] (semantics §12 q9); LocalStack always uses the application/json model [LS].",
    },
    Choice {
        topic: "validationErrorString wording",
        choice: "`[msg, msg]` with the messages of the `jsonschema` crate (draft 4, formats asserted), not java-json-tools' wording.",
        evidence: "AWS uses fge json-schema-validator wording [INF from USER logs].",
    },
    Choice {
        topic: "Non-UTF-8 bodies",
        choice: "A body that is not UTF-8 fails body validation (it is not JSON); where no validation applies it reaches templates with invalid bytes replaced by U+FFFD.",
        evidence: "[UNK]",
    },
    Choice {
        topic: "Body-less request with an unmapped Content-Type",
        choice: "passthroughBehavior applies whatever the body: `never` (or `when_no_templates` with templates) answers 415 even without a body.",
        evidence: "DG speaks of requests carrying a payload [UNK].",
    },
    Choice {
        topic: "Default gateway-response bodies",
        choice: "`{\"message\": \"...\"}` (space after the colon) for BAD_REQUEST_PARAMETERS, BAD_REQUEST_BODY, API_CONFIGURATION_ERROR, INTEGRATION_FAILURE, INTEGRATION_TIMEOUT and other 5XX; `{\"message\":\"...\"}` for MISSING_AUTHENTICATION_TOKEN, UNSUPPORTED_MEDIA_TYPE, REQUEST_TOO_LARGE and other 4XX.",
        evidence: "500 bytes [AWS-REC, Content-Length 36]; 403 text [DOC+AWS-REC], spacing [USER]; others [UNK] (§12 q7).",
    },
    Choice {
        topic: "x-amzn-ErrorType of 415, 413 and 504",
        choice: "415 BadRequestException, 413 RequestEntityTooLargeException, 504 InternalServerErrorException.",
        evidence: "415 [LS]; 413 and 504 [UNK].",
    },
    Choice {
        topic: "413 and 504 messages",
        choice: "413 `Request Too Long`; 504 `Endpoint request timed out`.",
        evidence: "504 text [USER]; 413 text [UNK]: users report both `Request Too Long` and `Request Too Large`.",
    },
    Choice {
        topic: "Header size limit",
        choice: "Request line plus header names and values above 10240 bytes answers 431 `{\"message\":\"Request Header Fields Too Large\"}`.",
        evidence: "The 10240-byte quota [DOC quotas]; the status and body [UNK].",
    },
    Choice {
        topic: "Several matching selection patterns",
        choice: "The first in document order wins (`apidef::Integration::select_response`).",
        evidence: "[UNK] (§12 q3)",
    },
    Choice {
        topic: "Mock integration status",
        choice: "The rendered request template must be an object with an integer `statusCode` (number or numeric string), read as relaxed JSON: member names bare, `\"`- or `'`-quoted, so CDK's preflight `{ statusCode: 200 }` is 200; otherwise 500 API_CONFIGURATION_ERROR. A passed-through empty body means 200, any other passed-through body is read the same way.",
        evidence: "`statusCode` in the template [DOC how-to-mock-integration]; `{ statusCode: 200 }` works on AWS (CDK's `addCorsPreflight` emits it) [USER]; how lenient the parser is beyond that [UNK]; the 500 for a missing one [USER log 'Unable to parse statusCode']; the empty passthrough [UNK].",
    },
    Choice {
        topic: "Date header",
        choice: "Every response carries `Date` (IMF-fixdate) from the gateway's clock, set by the gateway itself so that `Gateway::handle` and `gateway serve` send the same headers; a `Date` the method response maps is kept.",
        evidence: "AWS responses carry Date [AWS-REC snapshots]; which clock instant [UNK].",
    },
    Choice {
        topic: "HEAD responses",
        choice: "A HEAD request runs the pipeline like any method (a HEAD method, else ANY, else 403) and its response has no body, in process as over HTTP; the access log's `responseLength` is that of the body the pipeline produced.",
        evidence: "HEAD carries no body [RFC 9110]; responseLength for HEAD [UNK].",
    },
    Choice {
        topic: "Gateway throttling (429)",
        choice: "Token buckets (burst tokens, refilled continuously at the rate per second, one taken per request) at four levels: the plan's `methodThrottle` for the method, else its `throttle` (per key); then the stage: one bucket per method, with `x-deploy-stage.methodSettings` for that method, else the stage's `throttling`; then the account (10,000 per second, burst 5,000, for the whole gateway). A request needs a token at every level that has a bucket; refused at any, it takes none anywhere (nor a quota count) and answers THROTTLED 429 `{\"message\":\"Too Many Requests\"}`, `TooManyRequestsException`. Checked after the authorizer and the API key, so a request refused by either uses no token. Times are the request's receipt time.",
        evidence: "The four levels, token buckets and the account's defaults [DOC \"Throttle requests to your REST APIs\", quotas page]; a method override replacing the stage's limit [DOC]; a bucket per method for the stage's limit (\"applied at the API method level\") and a plan's method throttle replacing its throttle for that method [INF from the DG's wording]; continuous refill, that refused requests take no token, the check after authorization, and the same 429 for every level [UNK].",
    },
    Choice {
        topic: "Embedded DynamoDB replies",
        choice: "Reply members in the order of their names (`{\"Count\":0,\"Items\":[],\"ScannedCount\":0}`, `ConsumedCapacity` first), also inside `ConsumedCapacity` and table descriptions; items keep their attribute order; errors `__type` then `message`. Headers `Content-Type: application/x-amz-json-1.0`, `x-amzn-RequestId`, `x-amz-crc32`, `Date`, in process as over HTTP. Whole-number capacity units print as integers (`1`, as dynalite).",
        evidence: "Empty Query bytes [AWS-REC]; the rest [INF from the API reference's member order]; `1` vs `1.0` [UNK].",
    },
    Choice {
        topic: "Empty key values in a Query",
        choice: "An empty S or B value in any key condition (partition or sort key, either syntax) is a ValidationException: on an index `... A value specified for a secondary index key is not supported. ... IndexName: i, IndexKey: k`, on the table `... cannot contain an empty string value. Key: k`.",
        evidence: "Index wording for Query and writes [USER: real DynamoDB errors]; table wording from PutItem's [USER]; sort-key conditions [INF].",
    },
    Choice {
        topic: "TTL expiry",
        choice: "With Time to Live enabled (UpdateTimeToLive), an item whose TTL attribute is a Number of epoch seconds less than the store's clock is deleted, from the table and its indexes, before the next request is served: Get, Query, Scan, batches and transactions never return it. A TTL attribute that is absent or not a Number never expires. The clock is the system's (`Embedded::with_clock` injects another); with `--data-dir` the log records the time of every write and replays each write at that time, so expiry answers as it did.",
        evidence: "Expired when \"less than the current time\", Numbers only, deletion \"typically within two days\" and expired items \"still show up in reads, queries, and scans\" until then [DOC: API reference UpdateTimeToLive, Developer Guide Time to Live]; deleting at once is a local choice for deterministic tests.",
    },
    Choice {
        topic: "UpdateTable and UpdateTimeToLive take effect at once",
        choice: "UpdateTable replies UPDATING (a new global index CREATING, a deleted one DELETING, a throughput change with the units still in force) and the table is ACTIVE with the change for the next request; a new index is backfilled before the reply. TTL goes straight to ENABLED/DISABLED, and the one-hour wait before another UpdateTimeToLive is not enforced. So ResourceInUseException for an update in progress never occurs.",
        evidence: "The asynchronous statuses, the backfill and the one-hour limit [DOC: API reference UpdateTable, UpdateTimeToLive]; the reply's throughput [INF: dynalite]; skipping the waits is a local choice.",
    },
    Choice {
        topic: "TransactWriteItems client tokens",
        choice: "A `ClientRequestToken` seen in a successful TransactWriteItems within the last 10 minutes (store clock): the same request (reporting options aside) replies `{}` and changes nothing; another request is IdempotentParameterMismatchException with the API reference's description as message. A cancelled or refused transaction does not record its token.",
        evidence: "10 minutes, no changes on repeat, the exception [DOC: API reference TransactWriteItems]; its message, and whether a failed call records the token [UNK]. moto applies repeats again (README, Where moto differs from DynamoDB).",
    },
    Choice {
        topic: "Response Content-Type",
        choice: "The media type of the response template used; `application/json` when none was used; a `responseParameters` or responseOverride header replaces it.",
        evidence: "Default application/json [DOC known-issues + AWS-REC]; template media type [INF].",
    },
    Choice {
        topic: "responseOverride.status",
        choice: "Honoured when it is an integer (or numeric string) in 100..=599, otherwise ignored.",
        evidence: "Range [LS, checked on AWS per PR #11135]; strings [UNK] (§12 q12).",
    },
    Choice {
        topic: "Integration timeout",
        choice: "`timeoutInMillis` bounds the DynamoDB call; on expiry the call is abandoned and 504 INTEGRATION_TIMEOUT is answered (a write may still land, as on AWS).",
        evidence: "504 INTEGRATION_TIMEOUT [DOC]",
    },
    Choice {
        topic: "API keys and usage plans",
        choice: "A method whose `security` names the `x-api-key` header scheme requires a key from `--api-key`/`--api-keys-file`: missing or unknown, INVALID_API_KEY 403 `{\"message\":\"Forbidden\"}` (`ForbiddenException`); the plan's quota is checked first (QUOTA_EXCEEDED 429 `Limit Exceeded`, `LimitExceededException`), then its token bucket (THROTTLED 429 `Too Many Requests`, `TooManyRequestsException`); a refused request uses up neither. Quota periods are UTC. A key given without a plan is admitted unmetered. With `x-amazon-apigateway-api-key-source: AUTHORIZER` the key is the Lambda authorizer's `usageIdentifierKey` (from the policy file) and `x-api-key` is not read; none, or one no plan knows: INVALID_API_KEY 403. Checked after routing and the authorizer, before the stage's throttles and request validation.",
        evidence: "403 `{\"message\":\"Forbidden\"}` for a missing key and for a key in no usage plan [USER: serverless#2450, pmuens/serverless-secured-api#2]; token bucket semantics of rate and burst [DOC usage plans]; the 429 messages and error types, the order of quota and throttle, and whether a refused request is counted [UNK]; the AUTHORIZER source [DOC \"Choose an API key source\"], its 403 when the authorizer gives no key [INF: the DG's InvalidKeyParameter 403 for a key that matches no plan]; AWS refuses a key that is in no usage plan of the stage, which this gateway does not [DOC], for convenience.",
    },
    Choice {
        topic: "AWS_IAM",
        choice: "A method whose `security` names an `awsSigv4` scheme takes only requests signed (SigV4, service `execute-api`, any region) with a credential of `--iam-credential` (default the AWS_* variables, else test:test), within 5 minutes of the gateway's clock. Unsigned: MISSING_AUTHENTICATION_TOKEN 403. Otherwise INVALID_SIGNATURE 403 `{\"message\":...}` with AWS's messages and `x-amzn-ErrorType` IncompleteSignatureException, UnrecognizedClientException or InvalidSignatureException. Then the caller's identity policies (`--iam-policies FILE`, by access key id; without the file every known credential's identity allows everything) and the API's resource policy decide, as \"Resource policies\" says. `$context.identity.caller` and `user` are the access key id. Checked before API keys.",
        evidence: "SigV4 [DOC IAM User Guide]; `Missing Authentication Token` for an unsigned request and the services' signature messages [USER, widely quoted]; which gateway-response type each signature failure is, and `caller`/`user` for IAM users (AWS gives the principal id, AIDA...) [UNK].",
    },
    Choice {
        topic: "Cognito user-pool authorizers",
        choice: "The token is the authorizer header's value (`Bearer ` taken off); it must be signed by the local issuer (`gateway token`, ES256, key `--issuer-key`) or a key of a `--cognito-jwks` file (by `kid`; then `iss` must be the user pool of a real `providerARNs` ARN), unexpired by the gateway's clock, an ID token without `authorizationScopes` and an access token holding one of them with. Missing or invalid: UNAUTHORIZED 401 `{\"message\":\"Unauthorized\"}`; expired: 401 `The incoming token has expired`. `$context.authorizer.claims.*` are the claims as text, `exp`/`iat` as Java dates. `aud`/`client_id` are not checked.",
        evidence: "The checks and 401s [DOC Cognito authorizer guide; USER for the messages]; claims as text with Java dates for exp/iat [USER: proxy events in users' logs]; the `Bearer ` prefix and the local issuer [UNK, local convenience].",
    },
    Choice {
        topic: "Lambda authorizers",
        choice: "No Lambda runs: `--authorizer-policies FILE` gives, per authorizer and identity, the principal, Allow or Deny, the resources (`$methodArn` = the ARN of the request that filled the cache) and the context. Missing identity source, a TOKEN failing `identityValidationExpression` (Java regex, whole match) or an identity the file lacks: UNAUTHORIZED 401; explicit Deny: ACCESS_DENIED 403 `{\"Message\":\"User is not authorized to access this resource with an explicit deny\"}`; no Allow for the method ARN: 403 `... to access this resource`. Results cached per identity for `authorizerResultTtlInSeconds` (default 300). Without a file every such method answers 401. An identity's optional `usageIdentifierKey` is the API key when the key source is AUTHORIZER.",
        evidence: "Policy evaluation, TTL caching keyed by identity, the 401 and the Deny message with `Message` capitalised [DOC + USER]; the message for an Allow that does not cover the method [USER]; a REQUEST authorizer's identity joined by commas is this gateway's cache key [UNK].",
    },
    Choice {
        topic: "Resource policies",
        choice: "`x-amazon-apigateway-policy` (an object or its JSON text; SAM's `Auth.ResourcePolicy.CustomStatements` are imported into it) is evaluated with IAM's rules for every request, `Resource` `execute-api:/STAGE/METHOD/PATH` standing for this API's ARN (`arn:aws:execute-api:REGION:123456789012:local/...`, REGION the `AWS::Region` parameter, default us-east-1): Effect, Principal/NotPrincipal (`*`, `{\"AWS\": ARN or account}`), Action/NotAction, Resource/NotResource with `*` and `?`, and the condition operators String*, Numeric*, Date*, Bool, IpAddress/NotIpAddress, Arn*, Null, with `...IfExists` and `ForAnyValue:`/`ForAllValues:`; a negated operator holds when its key is absent. Condition keys: `aws:SourceIp` (the client's address), `aws:SecureTransport` (always true), `aws:CurrentTime`, `aws:EpochTime`, `aws:UserAgent`, `aws:Referer`, and for IAM callers `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType` (User), `aws:username`, `aws:userid` (the access key id); `--policy-context KEY=VALUE` sets any key (`aws:SourceVpce`, `aws:PrincipalOrgID`, ...) and overrides the request's. Combination: no authorization, API key or Cognito: the policy must allow explicitly; Lambda authorizer: the policy's explicit deny refuses before the function runs, then the function's or the resource policy's Allow admits unless either denies; `AWS_IAM`: same account, the identity or the resource policy allows and neither denies; another account, both must allow. Refusals are ACCESS_DENIED 403 `{\"Message\":\"User: anonymous|<caller ARN> is not authorized to perform: execute-api:Invoke on resource: <method ARN, account masked as ********9012> <reason>\"}`, the reason `with an explicit deny in a resource-based policy` (or `identity-based`), or `because no resource-based (identity-based) policy allows the execute-api:Invoke action`. A document without a policy refuses nothing.",
        evidence: "The combination tables and the two phases of a Lambda authorizer [DOC \"How API Gateway resource policies affect authorization workflow\"]; IAM's evaluation, operators and absent keys [DOC IAM User Guide]; the message with the masked account and `because no resource-based policy allows` [USER: captured bodies]; the explicit-deny wording: AWS's knowledge center shows `... with an explicit deny` and older bodies without the reason, IAM's current messages add `in a resource-based policy` [INF]; a Cognito method with a silent policy refused (the guide's text asks for an explicit allow, its table A reads as if silence were enough) [UNK]; the ARN's path is the request's after the stage, percent-encoded as sent [UNK].",
    },
    Choice {
        topic: "Execution logs",
        choice: "`--execution-log FILE|-` writes, per request, `<time> (<request id>) <message>` lines in test-invoke-method's order and wording (`gateway/tests/execution_log_recorded.rs` replays AWS-recorded logs line by line); `loggingLevel` ERROR keeps only the `Execution failed ...` lines, OFF writes none. Before the execution's lines CloudWatch's log has `Extended Request Id: <id>`, the authorizer's lines and, for a method without an API key, the usage plan's three (`Verifying Usage Plan for request: <id>. API Key:  API Stage: <api>/<stage>`, `API Key  authorized because method '<M> <path>' does not require API Key. ...`, `Usage Plan check succeeded ...`); `Starting execution for request` and the method request's lines come once authorization passed, so a request it refuses has none; a request whose Lambda authorizer's identity sources are missing or empty, or whose TOKEN fails `identityValidationExpression`, has no execution log at all. The authorizer's own lines (`Starting authorizer: ...`) are not written: no Lambda runs. Headers and bodies only with `dataTraceEnabled`, cut at 1 KB with ` [TRUNCATED]`, `Authorization` and `x-api-key` masked: every character but the last 6 becomes `*`, the length kept (all `*` for 6 or fewer). After an `Execution failed ...` line only `Method completed with status: N` follows; a refusal before the integration (no route, authorization, validation) logs `Gateway response type: T with status code: N` and, traced, the gateway response's body and headers. `Endpoint request URI` is `https://dynamodb.<region>.amazonaws.com/?Action=<Action>`; `Endpoint request headers` are `x-amzn-apigateway-api-id`, `Accept=application/json`, `User-Agent=AmazonAPIGateway_<api id>` in AWS's order, then DynamoDB's `Content-Type` and `X-Amz-Target`: no signature headers, as the gateway signs nothing. `Method response headers` are the method response's, without the `Date`, `x-amzn-RequestId`, `x-amz-apigw-id` and `X-Amzn-Trace-Id` every response gets. `gateway test-invoke` (`Gateway::test_invoke`) gives test-invoke-method's form: `Execution log for request <id>`, then `<Java date> : <message>` lines, all of them whatever the stage logs, and runs the method without its authorization (IAM, authorizers, API keys).",
        evidence: "The messages, their order and wording for MOCK and AWS integrations, and a failed integration's two last lines [LS: AWS-validated TestInvokeMethod snapshots recorded 2025, compared line by line]; the failure's two lines in CloudWatch too [USER: re:Post knowledge-center api-gateway-500-error-vpc and api-gateway-lambda-template-invoke-error]; no log without an authorizer's identity [DOC: \"Call an API with an API Gateway Lambda authorizer\"]; test-invoke without authorization [LS: its test-invoke runs no authorizer or API-key step; INF]; the lines before the execution, their order and spacing [USER: captured CloudWatch logs of 2017-2019 kept as log shippers' test fixtures; re:Post knowledge-center api-gateway-logs]; `Method request path` as Java map text [LS]; the 1 KB cut and the masking, length kept [USER: captured CloudWatch logs; how a secret of 6 characters or fewer is masked, UNK]; the endpoint headers shared with AWS's Lambda record [LS]; DynamoDB's two and their place [INF]; which lines each loggingLevel keeps, the usage plan's lines for a method that requires a key (none written), the `Gateway response` lines of refusals, and whether a DynamoDB method's `Method response headers` start with `X-Amzn-Trace-Id` as AWS's Lambda record does [UNK].",
    },
    Choice {
        topic: "DynamoDB without a reply",
        choice: "When `--dynamodb-endpoint` gives no whole reply (connection refused or reset, a reply cut short or not HTTP), the integration responses are skipped and API_CONFIGURATION_ERROR answers: 500 `{\"message\": \"Internal server error\"}`, `x-amzn-ErrorType: InternalServerErrorException`; a write DynamoDB acknowledged before the connection broke stays stored. Every reply DynamoDB sends, its 400/500/503 errors and a body that is not JSON included, goes through the integration responses.",
        evidence: "AWS logs `Execution failed due to configuration error` and answers 500 when it cannot reach an integration endpoint [USER: re:Post knowledge-center api-gateway-500-error-vpc, for HTTP and VPC-link integrations]; for DynamoDB itself [INF].",
    },
    Choice {
        topic: "DynamoDB retries",
        choice: "One attempt per call: a throttled or failed DynamoDB call reaches the integration responses as it came. `--dynamodb-max-attempts N` retries as the AWS SDKs' standard mode does: throttling errors, 500/502/503/504 and calls without a reply; back-off full jitter `min(rand * 2^(n-1) * --dynamodb-backoff-ms, 20 s)`; a retry quota of 500 tokens (5 per retry, 10 after a timeout). The integration timeout bounds all attempts together.",
        evidence: "Whether API Gateway retries an AWS-service integration is not documented [UNK]; users map DynamoDB's ProvisionedThroughputExceededException in their 4\\d{2} responses, which they would not see if it were retried away [USER]. The SDKs' rules [DOC: AWS SDKs and Tools Reference Guide, retry behavior].",
    },
    Choice {
        topic: "HTTP limits",
        choice: "A request head not sent within `--header-timeout-ms` (default 30 s; also an idle keep-alive connection) closes the connection without an answer; a body not sent within `--body-timeout-ms` (30 s) is answered 408 `{\"message\":\"Request Timeout\"}` and closed; past `--max-connections` (1024) connections wait in the listen backlog; a connection carries `--max-requests-per-connection` (10,000) requests, the last answered with `Connection: close`. After a 413 the rest of the body (up to 20 MB) is read and discarded, so a client that writes before it reads gets the answer.",
        evidence: "API Gateway's own client-side timeouts and connection limits are not documented [UNK]; the 10 MB payload limit and its 413 are [DOC].",
    },
    Choice {
        topic: "Access-log null values",
        choice: "A `$context` variable without a value prints `-`.",
        evidence: "[DOC access logging examples]",
    },
    Choice {
        topic: "Integration requestParameters, binary media types, contentHandling",
        choice: "Not applied: a DynamoDB action integration takes only the rendered body, and bodies are text (invalid UTF-8 replaced). A spec that relies on them behaves differently here.",
        evidence: "Mappings to forbidden headers give 500 on AWS [AWS-REC]; not emulated.",
    },
    Choice {
        topic: "$context.path",
        choice: "Always `/{stage}` followed by the resource path as sent, also when the request came without the stage prefix.",
        evidence: "[DOC] (the path with the stage)",
    },
    Choice {
        topic: "Trace header",
        choice: "A client's `X-Amzn-Trace-Id` is echoed unchanged; without one a `Root=1-<8 hex time>-<24 hex>` id is generated and echoed.",
        evidence: "[INF from X-Ray docs]",
    },
];

/// The table as Markdown (topic | this gateway | AWS and evidence), for the README and docs.
pub fn markdown() -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::from("| Behaviour | This gateway | AWS (evidence) |\n|---|---|---|\n");
    for c in CHOICES {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(c.topic),
            cell(c.choice),
            cell(c.evidence)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_has_one_row_per_choice() {
        let md = markdown();
        assert_eq!(md.lines().count(), CHOICES.len() + 2);
        assert!(md.lines().all(|l| l.starts_with('|') && l.ends_with('|')));
    }

    #[test]
    fn every_choice_is_filled_in() {
        let mut topics = std::collections::HashSet::new();
        for c in CHOICES {
            assert!(!c.topic.is_empty() && !c.choice.is_empty() && !c.evidence.is_empty());
            assert!(topics.insert(c.topic), "duplicate topic {}", c.topic);
        }
    }
}
