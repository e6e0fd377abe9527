//! The lifecycle's enums as text columns, on both drivers: encoded as their text form, decoded by
//! parsing it (the CHECK constraints keep other values out, so a decode error means a bug).

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use super::calendars::{Provider, WriteStatus};
use super::jobs::Queue;
use super::oauth::OAuthProvider;
use super::outbox::MailKind;
use super::outgoing_webhooks::{DeliveryStatus, EndpointStatus, EventType};
use super::zoom_connections::{ConnectionStatus, ZoomAuthKind};
use crate::domain::lifecycle::{CalendarStatus, MeetingStatus, PendingChange, ZoomProblemCode, ZoomStatus};
use crate::domain::teams::{Role, Scheduling};

macro_rules! text_column {
    ($($ty:ty),+ $(,)?) => {$(
        impl<DB: Database> Type<DB> for $ty
        where
            String: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            String: Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(<String as Decode<'r, DB>>::decode(value)?.parse::<$ty>()?)
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $ty
        where
            &'q str: Encode<'q, DB>,
        {
            fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&'q str as Encode<'q, DB>>::encode_by_ref(&self.as_str(), buf)
            }
        }
    )+};
}

text_column!(
    MeetingStatus,
    ZoomStatus,
    PendingChange,
    CalendarStatus,
    ZoomProblemCode,
    Queue,
    MailKind,
    ConnectionStatus,
    Provider,
    WriteStatus,
    Role,
    Scheduling,
    OAuthProvider,
    ZoomAuthKind,
    EventType,
    EndpointStatus,
    DeliveryStatus
);
