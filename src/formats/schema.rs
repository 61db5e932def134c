//! OpenAPI schemas of the values the API writes and reads as they appear on the wire: vocabulary
//! codes as string enums, identifiers as checked strings, tracking codes, reception rules and star
//! ratings. The domain stays plain Rust; its serde forms are described here, next to the formats.

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::domain::{
    ActivityKind, AreaCode, AreaLevel, Body, Category, Channel, GridId, Level, MemberId, ProjectStatus, ReceptionRule,
    ReplyRoute, Stars, StationId, StationKind, Status, TrackingCode, WaterClass,
};

/// A string schema with a description.
pub fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).description(Some(description))
}

/// A string enum of `codes`.
pub fn codes<'a>(description: &str, codes: impl IntoIterator<Item = &'a str>) -> RefOr<Schema> {
    string(description).enum_values(Some(codes)).into()
}

macro_rules! vocabulary_schema {
    ($($t:ty => $description:literal;)+) => {$(
        impl PartialSchema for $t {
            fn schema() -> RefOr<Schema> {
                codes($description, <$t>::ALL.iter().map(|v| v.code()))
            }
        }
        impl ToSchema for $t {}
    )+};
}

vocabulary_schema! {
    StationKind => "What kind of place a station is";
    Level => "The level of a people's congress (or CPPCC committee)";
    Body => "Which body a member sits in: npc_deputy (人大代表) or cppcc_member (政协委员)";
    AreaLevel => "The level of an administrative area";
    Category => "What an opinion is about";
    Channel => "How an opinion arrived";
    ReplyRoute => "How an opinion was answered";
    Status => "Where an opinion is in the workflow";
    ActivityKind => "What kind of duty activity (履职活动) it was: reception (接待), consultation (协商), research (调研), inspection (视察), river_patrol (巡河)";
    WaterClass => "A surface water quality class of GB 3838-2002, I (best) to V";
    ProjectStatus => "Where a livelihood project (民生实事) stands: planned (0%), under_way (0–99%), completed (100%)";
}

macro_rules! id_schema {
    ($($t:ty => $description:literal;)+) => {$(
        impl PartialSchema for $t {
            fn schema() -> RefOr<Schema> {
                string($description).pattern(Some(ID_PATTERN)).into()
            }
        }
        impl ToSchema for $t {}
    )+};
}

/// What [`crate::domain::ids`] accepts, trimmed.
const ID_PATTERN: &str = "^[A-Za-z0-9._-]{1,64}$";

id_schema! {
    StationId => "A station's id";
    MemberId => "A member's id";
    GridId => "A grid area's id";
    AreaCode => "An administrative area's code";
}

impl PartialSchema for TrackingCode {
    fn schema() -> RefOr<Schema> {
        string("An opinion's tracking code: 16 digits in groups of four, the last a check digit")
            .pattern(Some("^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}$"))
            .examples(["4821-0937-5562-1184"])
            .into()
    }
}
impl ToSchema for TrackingCode {}

impl PartialSchema for ReceptionRule {
    fn schema() -> RefOr<Schema> {
        string("A reception rule in its text form, e.g. `monthly 2 thu 14:00-17:00` or `weekly tue 09:00-11:30`").into()
    }
}
impl ToSchema for ReceptionRule {}

impl PartialSchema for Stars {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Integer))
            .minimum(Some(1))
            .maximum(Some(5))
            .description(Some("A rating, 1 to 5 stars"))
            .into()
    }
}
impl ToSchema for Stars {}

impl PartialSchema for crate::spatial::Crs {
    fn schema() -> RefOr<Schema> {
        codes(
            "The coordinate system of positions in and out: WGS84 (GPS, the default), GCJ-02 (AMap, Tencent) or BD-09 (Baidu); case and the aliases wgs-84, epsg:4326, 4326, gcj-02, bd-09 are accepted",
            ["wgs84", "gcj02", "bd09"],
        )
    }
}
impl ToSchema for crate::spatial::Crs {
    fn name() -> std::borrow::Cow<'static, str> {
        "Crs".into()
    }
}
