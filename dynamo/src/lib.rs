//! `dynamo`: the DynamoDB JSON protocol (`DynamoDB_20120810.*`) behind one trait.
