//! Models for every schema of `openapi.yaml`. Written by `codegen`; do not edit by hand.

/// An album. What a client stores with putAlbum is what every read returns.
#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(deny_unknown_fields)]
pub struct Album {
    /// The artist; with `album`, the album's key. Not blank: API Gateway treats a blank path parameter as missing, so such an album could never be read or deleted.
    #[schemars(
        length(min = 1, max = 256),
        regex(
            pattern = "[^\\t-\\r\\x1c-\\x20\\u1680\\u2000-\\u2006\\u2008-\\u200a\\u2028\\u2029\\u205f\\u3000]"
        )
    )]
    pub artist: ::std::string::String,
    /// The album title; not blank.
    #[schemars(
        length(min = 1, max = 256),
        regex(
            pattern = "[^\\t-\\r\\x1c-\\x20\\u1680\\u2000-\\u2006\\u2008-\\u200a\\u2028\\u2029\\u205f\\u3000]"
        )
    )]
    pub album: ::std::string::String,
    /// The tracks in order. Absent and empty are stored and returned as sent.
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::vec::Vec<Track>")]
    #[schemars(length(max = 100))]
    pub tracks: ::std::option::Option<::std::vec::Vec<Track>>,
}

#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(deny_unknown_fields)]
pub struct Track {
    #[schemars(length(min = 1, max = 256))]
    pub title: ::std::string::String,
    /// Running time as written on the sleeve, for example `8:14`.
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    #[schemars(length(min = 1, max = 32))]
    pub length: ::std::option::Option<::std::string::String>,
}

/// One page of albums.
#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(transparent)]
pub struct AlbumList(pub ::std::vec::Vec<Album>);

/// The one error body of this API, for validator, routing and integration errors alike.
#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(deny_unknown_fields)]
pub struct Error {
    /// What went wrong, for a person.
    pub message: ::std::string::String,
    /// What went wrong, for a program: an API Gateway gateway-response type (for example BAD_REQUEST_BODY) or a DynamoDB error name (for example ValidationException).
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub r#type: ::std::option::Option<::std::string::String>,
}

/// Every type that stands for a whole schema of the document (a component or a body),
/// with that schema's JSON pointer in `openapi.yaml` and the schema schemars derives for
/// it under `settings`: for checking that the two accept the same instances.
pub fn derived_schemas(
    settings: ::schemars::generate::SchemaSettings,
) -> ::std::vec::Vec<(&'static str, ::schemars::Schema)> {
    let mut generator = settings.into_generator();
    ::std::vec::Vec::from([
        ("/components/schemas/Album", generator.root_schema_for::<Album>()),
        ("/components/schemas/Track", generator.root_schema_for::<Track>()),
        ("/components/schemas/AlbumList", generator.root_schema_for::<AlbumList>()),
        ("/components/schemas/Error", generator.root_schema_for::<Error>()),
    ])
}

/// An optional property is absent or a value: `null` is not a value the document
/// allows (serde's default for `Option` would read it as absent).
mod absent {
    pub fn deserialize<'de, D, T>(
        deserializer: D,
    ) -> ::std::result::Result<::std::option::Option<T>, D::Error>
    where
        D: ::serde::Deserializer<'de>,
        T: ::serde::Deserialize<'de>,
    {
        T::deserialize(deserializer).map(::std::option::Option::Some)
    }
}
