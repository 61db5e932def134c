//! The domain: plain Rust types and rules of liaison, with no HTTP, SQL or async in them.

pub mod access;
pub mod activity;
pub mod area;
pub mod demand;
pub mod follow;
pub mod ids;
pub mod layer;
pub mod location;
pub mod member;
pub mod names;
pub mod notice;
pub mod opinion;
pub mod outbox;
pub mod photo;
pub mod project;
pub mod rota;
pub mod schedule;
pub mod station;
pub mod vocab;

pub use access::{Principal, Reach, Scope};
pub use activity::{Activity, ActivityError, Patrol};
pub use area::{check_multipolygon, AdminArea, GeometryError, GridArea};
pub use demand::{DemandError, DemandPoint};
pub use ids::{AreaCode, GridId, IdError, MemberId, StationId};
pub use layer::{LayerError, LayerFeature, LayerKind, LayerName, MapLayer};
pub use location::{LocationError, LonLat};
pub use member::{Member, MemberError};
pub use notice::{Notice, NoticeError, NoticeScope};
pub use opinion::{
    transition, AuditEntry, Contact, Event, NewOpinion, Opinion, OpinionFact, Routing, Stars, SubmissionError,
    TrackingCode, TrackingCodeError, WorkflowError,
};
pub use project::{Project, ProjectError, ProjectPlace, ProjectUpdate};
pub use schedule::{ReceptionRule, ScheduleError, Session};
pub use station::{Station, StationError};
pub use vocab::{
    ActivityKind, AreaLevel, Body, Category, Channel, Level, ProjectStatus, ReplyRoute, Role, StationKind, Status,
    VocabError, WaterClass,
};
