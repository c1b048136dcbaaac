//! seispool's data model: nanosecond [`Time`], FDSN [`ChannelId`], [`Trace`] and [`Stream`].

mod bigbuf;
mod fill;
mod id;
pub mod inventory;
pub mod limits;
mod masked;
mod merge;
mod pytime;
mod stream;
mod time;
mod trace;
mod trim;

pub use bigbuf::{release_free_memory, start_writeback, with_capacity_huge};
pub use fill::{FillValue, Number};
pub use id::glob_match;
pub use id::{ChannelId, IdError};
pub use inventory::{EpochIndex, Inventory, Response};
pub use masked::StreamError;
pub use merge::MergeMethod;
pub use pytime::{utc_cmp, utc_sub};
pub use stream::{Gap, Stream, round_away};
pub use time::{Civil, civil_from_days, days_from_civil, is_leap_year};
pub use time::{Time, TimeError};
pub use trace::{
    HeaderValue, MseedInfo, SampleType, Samples, Stats, Trace, read_file_reusing, recycle_bytes, recycle_f32,
    recycle_f64, recycle_i32, take_spare_bytes, take_spare_f32, take_spare_i32,
};
