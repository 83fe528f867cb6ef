//! The crate's one error type. Every variant is a DynamoDB error the service itself returns, so it
//! renders to DynamoDB's status code and `{"__type": "...#Name", "message": "..."}` body.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DynamoError {
    /// `com.amazon.coral.validate#ValidationException`
    #[error("ValidationException: {0}")]
    Validation(String),
    /// `com.amazon.coral.service#SerializationException`; DynamoDB sends no message for malformed
    /// JSON and a capitalised `Message` for a JSON type mismatch.
    #[error("SerializationException: {0:?}")]
    Serialization(Option<String>),
    /// `com.amazon.coral.service#UnknownOperationException` (no message).
    #[error("UnknownOperationException")]
    UnknownOperation,
    /// `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`
    #[error("ResourceNotFoundException: {0}")]
    ResourceNotFound(String),
    /// `com.amazonaws.dynamodb.v20120810#ResourceInUseException`
    #[error("ResourceInUseException: {0}")]
    ResourceInUse(String),
    /// `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException`
    #[error("ConditionalCheckFailedException")]
    ConditionalCheckFailed,
    /// `com.amazonaws.dynamodb.v20120810#InternalServerError` (500)
    #[error("InternalServerError: {0}")]
    Internal(String),
    /// `com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException`: a
    /// TransactWriteItems `ClientRequestToken` reused with another request.
    #[error("IdempotentParameterMismatchException: {0}")]
    IdempotentParameterMismatch(String),
    /// `com.amazonaws.dynamodb.v20120810#TransactionCanceledException`: one `CancellationReason`
    /// object per action of the transaction, in request order.
    #[error("TransactionCanceledException")]
    TransactionCanceled(Vec<Value>),
}

impl DynamoError {
    pub fn validation(msg: impl Into<String>) -> DynamoError {
        DynamoError::Validation(msg.into())
    }

    /// "Requested resource not found" as DynamoDB words it for data-plane actions.
    pub fn table_not_found() -> DynamoError {
        DynamoError::ResourceNotFound("Requested resource not found".to_string())
    }

    pub fn status(&self) -> u16 {
        match self {
            DynamoError::Internal(_) => 500,
            _ => 400,
        }
    }

    /// The JSON error body DynamoDB sends.
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        if let DynamoError::TransactionCanceled(reasons) = self {
            // DynamoDB's reply: `__type`, `CancellationReasons`, then a capitalised `Message`
            // listing every reason's code (USER: real replies quoted in pynamodb/PynamoDB#1144,
            // aws/aws-sdk-net#1292, boto/boto3#2657).
            let codes: Vec<&str> = reasons
                .iter()
                .map(|r| r.get("Code").and_then(Value::as_str).unwrap_or("None"))
                .collect();
            m.insert(
                "__type".to_string(),
                Value::String(
                    "com.amazonaws.dynamodb.v20120810#TransactionCanceledException".to_string(),
                ),
            );
            m.insert(
                "CancellationReasons".to_string(),
                Value::Array(reasons.clone()),
            );
            m.insert(
                "Message".to_string(),
                Value::String(format!(
                    "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                    codes.join(", ")
                )),
            );
            return Value::Object(m);
        }
        let (ty, key, msg): (&str, &str, Option<&str>) = match self {
            DynamoError::Validation(m) => (
                "com.amazon.coral.validate#ValidationException",
                "message",
                Some(m),
            ),
            DynamoError::Serialization(m) => (
                "com.amazon.coral.service#SerializationException",
                "Message",
                m.as_deref(),
            ),
            DynamoError::UnknownOperation => (
                "com.amazon.coral.service#UnknownOperationException",
                "message",
                None,
            ),
            DynamoError::ResourceNotFound(m) => (
                "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                "message",
                Some(m),
            ),
            DynamoError::ResourceInUse(m) => (
                "com.amazonaws.dynamodb.v20120810#ResourceInUseException",
                "message",
                Some(m),
            ),
            DynamoError::ConditionalCheckFailed => (
                "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                "message",
                Some("The conditional request failed"),
            ),
            DynamoError::Internal(m) => (
                "com.amazonaws.dynamodb.v20120810#InternalServerError",
                "message",
                Some(m),
            ),
            DynamoError::IdempotentParameterMismatch(m) => (
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                "message",
                Some(m),
            ),
            DynamoError::TransactionCanceled(_) => unreachable!("handled above"),
        };
        m.insert("__type".to_string(), Value::String(ty.to_string()));
        if let Some(msg) = msg {
            m.insert(key.to_string(), Value::String(msg.to_string()));
        }
        Value::Object(m)
    }
}

/// The one place an expression problem becomes DynamoDB's error: a ValidationException whose
/// message is the `ExprError`'s `Display` (`Invalid <Parameter>: ...`, or the bare message).
impl From<crate::expr::ExprError> for DynamoError {
    fn from(e: crate::expr::ExprError) -> DynamoError {
        DynamoError::Validation(e.to_string())
    }
}
