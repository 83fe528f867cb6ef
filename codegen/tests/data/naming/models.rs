//! Models for every schema of `openapi.yaml`. Written by `codegen`; do not edit by hand.

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
pub enum TypeMatch {
    #[serde(rename = "a-b")]
    AB,
    #[serde(rename = "a_b")]
    AB2,
    #[serde(rename = "1")]
    T1,
    #[serde(rename = "self")]
    Self_,
    #[serde(rename = "")]
    Unnamed,
}

/// A schema named by a keyword, with hostile property names.
#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(deny_unknown_fields)]
pub struct Type {
    #[schemars(length(min = 1))]
    pub r#type: ::std::string::String,
    #[schemars(range(min = 1, max = 10))]
    pub r#gen: i64,
    #[serde(rename = "self")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub self_: ::std::option::Option<::std::string::String>,
    #[serde(rename = "Self")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub self_2: ::std::option::Option<::std::string::String>,
    #[serde(rename = "crate")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub crate_: ::std::option::Option<::std::string::String>,
    #[serde(rename = "1st")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub n1st: ::std::option::Option<::std::string::String>,
    #[serde(rename = "first-name")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub first_name: ::std::option::Option<::std::string::String>,
    #[serde(rename = "first_name")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub first_name_2: ::std::option::Option<::std::string::String>,
    #[serde(rename = "firstName")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub first_name_3: ::std::option::Option<::std::string::String>,
    #[serde(rename = "")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub unnamed: ::std::option::Option<::std::string::String>,
    #[serde(rename = "ünïcode")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub n_code: ::std::option::Option<::std::string::String>,
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "TypeMatch")]
    pub r#match: ::std::option::Option<TypeMatch>,
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::vec::Vec<::std::string::String>")]
    #[schemars(length(min = 1, max = 3))]
    pub tags: ::std::option::Option<::std::vec::Vec<::std::string::String>>,
}

/// Collides with `type` once both are PascalCase.
#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(transparent)]
pub struct Type2(#[schemars(length(max = 8))] pub ::std::string::String);

#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
pub struct Self_ {
    #[serde(rename = "super")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "bool")]
    pub super_: ::std::option::Option<bool>,
}

#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(transparent)]
pub struct T2fast(pub i64);

#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(transparent)]
pub struct AlbumList(pub ::std::vec::Vec<Type2>);

#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(transparent)]
pub struct AlbumList2(
    #[schemars(length(max = 2))]
    pub ::std::vec::Vec<::std::string::String>,
);

/// Named like std's Option, which generated code must not shadow.
#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
pub struct Option {
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub value: ::std::option::Option<::std::string::String>,
}

#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(transparent)]
pub struct String(pub ::std::string::String);

#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
#[serde(transparent)]
pub struct Result(pub bool);

#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
pub struct CreateThingRequestBodyNestedObject {
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "f64")]
    #[schemars(range(min = 0.5))]
    pub r#async: ::std::option::Option<f64>,
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
pub struct CreateThingRequestBody {
    pub r#fn: bool,
    #[serde(rename = "self")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub self_: ::std::option::Option<::std::string::String>,
    #[serde(rename = "nested-object")]
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "CreateThingRequestBodyNestedObject")]
    pub nested_object: ::std::option::Option<CreateThingRequestBodyNestedObject>,
}

#[derive(
    Debug,
    Clone,
    PartialEq,
    ::serde::Serialize,
    ::serde::Deserialize,
    ::schemars::JsonSchema
)]
pub struct CreateThingDefaultBodyItem {
    #[serde(
        default,
        skip_serializing_if = "::std::option::Option::is_none",
        deserialize_with = "absent::deserialize"
    )]
    #[schemars(with = "::std::string::String")]
    pub r#where: ::std::option::Option<::std::string::String>,
}

/// Every type that stands for a whole schema of the document (a component or a body),
/// with that schema's JSON pointer in `openapi.yaml` and the schema schemars derives for
/// it under `settings`: for checking that the two accept the same instances.
pub fn derived_schemas(
    settings: ::schemars::generate::SchemaSettings,
) -> ::std::vec::Vec<(&'static str, ::schemars::Schema)> {
    let mut generator = settings.into_generator();
    ::std::vec::Vec::from([
        ("/components/schemas/type", generator.root_schema_for::<Type>()),
        ("/components/schemas/Type", generator.root_schema_for::<Type2>()),
        ("/components/schemas/self", generator.root_schema_for::<Self_>()),
        ("/components/schemas/2fast", generator.root_schema_for::<T2fast>()),
        ("/components/schemas/album-list", generator.root_schema_for::<AlbumList>()),
        ("/components/schemas/AlbumList", generator.root_schema_for::<AlbumList2>()),
        ("/components/schemas/Option", generator.root_schema_for::<Option>()),
        ("/components/schemas/String", generator.root_schema_for::<String>()),
        ("/components/schemas/Result", generator.root_schema_for::<Result>()),
        (
            "/paths/~1things~1{type}~1{self}/post/requestBody/content/application~1json/schema",
            generator.root_schema_for::<CreateThingRequestBody>(),
        ),
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
