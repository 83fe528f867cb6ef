//! `gateway`: execute an `Api` the way Amazon API Gateway does, against any `Dynamo`.
