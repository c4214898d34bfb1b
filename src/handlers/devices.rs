//! HelpAged camera devices and the fall notices they upload. A device's `device_id` is its
//! upload token (kept only as a digest); people bind devices and read their notices.

use crate::auth::token_digest;
use crate::command::devices::DevicesCommand;
use crate::command::devices::{
    AddDevice, BindDevice, DeviceInfo, ListDevices, ListNotices, NoticeInfo, SignNotice,
    UploadNotice,
};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::Requester;
use crate::domain::{Caller, DeviceCaller, Notice};
use crate::error::{Error, Result};
use crate::handlers::shared::codes;
use crate::handlers::shared::images::decode_image;
use crate::handlers::shared::session;
use crate::store::devices::{self as store, NewNotice};

impl DevicesCommand {
    /// Applies a device or notice command.
    pub fn apply(self, ctx: &Ctx, from: &Requester<'_>) -> Result<Outcome> {
        match self {
            DevicesCommand::AddDevice(c) => c.apply(ctx, from.account()?),
            DevicesCommand::BindDevice(c) => c.apply(ctx, from.account()?),
            DevicesCommand::ListDevices(c) => c.apply(ctx, from.account()?),
            DevicesCommand::DeviceInfo(c) => c.apply(ctx, from.account()?),
            DevicesCommand::UploadNotice(c) => c.apply(ctx, from.device()?),
            DevicesCommand::ListNotices(c) => c.apply(ctx, from.account()?),
            DevicesCommand::NoticeInfo(c) => c.apply(ctx, from.account()?),
            DevicesCommand::SignNotice(c) => c.apply(ctx, from.account()?),
        }
    }
}

impl AddDevice {
    /// Creates the device; answers its `device_id` (also its upload token), shown only once.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let device_id = ctx.ids.hex32();
        let now = ctx.now_secs();
        let digest = token_digest(&device_id);
        let added = ctx.store.write(|tx| {
            store::insert(tx, &device_id, &digest, &self.name, caller.account_pk, now)
        })?;
        if !added {
            return Err(Error::AlreadyDone("duplicate device"));
        }
        Ok(Outcome::DeviceAdded { device_id })
    }
}

impl BindDevice {
    /// Binds; a second bind by the same account is refused.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let device = session::authenticate_device(ctx, &self.device_id).map_err(|e| match e {
            Error::BadDeviceToken => Error::NotFound("device"),
            other => other,
        })?;
        let now = ctx.now_secs();
        let bound = ctx
            .store
            .write(|tx| store::bind(tx, device.device_pk, caller.account_pk, now))?;
        if !bound {
            return Err(Error::AlreadyDone("device already bound"));
        }
        Ok(Outcome::Done)
    }
}

impl ListDevices {
    /// Lists them in binding order.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let rows = ctx.store.read(|c| store::bound(c, caller.account_pk))?;
        Ok(Outcome::Devices(
            rows.into_iter()
                .map(|r| store::to_device(r, |t| ctx.local_datetime(t)))
                .collect(),
        ))
    }
}

impl DeviceInfo {
    /// Answers the device. A device the caller has not bound — another account's included —
    /// is not found, exactly like one that does not exist; of two bound devices with the same
    /// name (from different adders) the first bound is answered.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let digest = self.device_id.as_deref().map(token_digest);
        let row = ctx
            .store
            .read(|c| {
                store::bound_device(
                    c,
                    caller.account_pk,
                    digest.as_ref(),
                    self.device_name.as_deref(),
                )
            })?
            .ok_or(Error::NotFound(
                "bound device with that device_id/device_name",
            ))?;
        let mut device = store::to_device(row, |t| ctx.local_datetime(t));
        if device.device_id.is_empty() {
            // Kept only as a digest (added before version 6): the id given matched it.
            device.device_id = self.device_id.unwrap_or_default();
        }
        Ok(Outcome::Device(device))
    }
}

impl UploadNotice {
    /// Stores the notice and puts a `fall_alert` in the outbox for each binder, in one
    /// transaction.
    pub fn apply(self, ctx: &Ctx, device: &DeviceCaller) -> Result<Outcome> {
        let (image, kind) = decode_image(ctx, &self.base64)?;
        let event_id = ctx.ids.hex32();
        let pic_name = ctx.ids.hex32();
        let now = ctx.now_secs();
        ctx.store.write(|tx| {
            let n = NewNotice {
                event_id: &event_id,
                pic_name: &pic_name,
                content: &self.content,
                content_type: kind.content_type(),
                image: &image,
            };
            store::insert_notice(tx, device.device_pk, &n, now)?;
            for phone in store::bound_phones(tx, device.device_pk)? {
                codes::send(ctx, tx, &phone, &event_id, "fall_alert", now)?;
            }
            Ok(())
        })?;
        ctx.courier.nudge();
        Ok(Outcome::NoticeStored { pic_name })
    }
}

impl ListNotices {
    /// Lists them oldest first; an account with no bound device is told so.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let (devices, rows) = ctx.store.snapshot(|c| {
            Ok((
                store::bound(c, caller.account_pk)?,
                store::notices(c, caller.account_pk, self.filter)?,
            ))
        })?;
        if devices.is_empty() {
            return Err(Error::NotFound("bound device"));
        }
        Ok(Outcome::Notices(
            rows.into_iter().map(|r| with_time(ctx, r)).collect(),
        ))
    }
}

fn with_time(ctx: &Ctx, (mut n, at): (Notice, i64)) -> Notice {
    n.createtime = ctx.local_datetime(at);
    n
}

impl NoticeInfo {
    /// Answers the notice; unknown or foreign notices are not found (and nothing is marked).
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let now = ctx.now_secs();
        let found = ctx.store.write(|tx| {
            let Some((pk, row)) = store::notice(tx, caller.account_pk, &self.event_id)? else {
                return Ok(None);
            };
            store::mark_read(tx, pk, caller.account_pk, now)?;
            Ok(Some(row))
        })?;
        let row = found.ok_or(Error::NotFound("notice"))?;
        Ok(Outcome::Notice(with_time(ctx, row)))
    }
}

impl SignNotice {
    /// Marks it; unknown or foreign notices are not found, a second sign is refused.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let now = ctx.now_secs();
        ctx.store.write(|tx| {
            let (pk, _) = store::notice(tx, caller.account_pk, &self.event_id)?
                .ok_or(Error::NotFound("notice"))?;
            if !store::mark_read(tx, pk, caller.account_pk, now)? {
                return Err(Error::AlreadyDone("notice already signed"));
            }
            Ok(Outcome::Done)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::testing;

    const ID: &str = "0123456789abcdef0123456789abcdef";

    /// A caller who bound a device added before ids were kept (only its digest stored).
    fn caller_with_an_old_device(ctx: &Ctx) -> Caller {
        let caller = testing::caller(ctx, uuid::Uuid::from_u128(1), "13750687001");
        let pk = caller.account_pk;
        ctx.store
            .write(|tx| {
                let device = store::insert_without_id(tx, &token_digest(ID), "camera1", pk)?;
                store::bind(tx, device, pk, 0)
            })
            .unwrap();
        caller
    }

    fn listed_ids(ctx: &Ctx, caller: &Caller) -> Vec<String> {
        match ListDevices.apply(ctx, caller).unwrap() {
            Outcome::Devices(list) => list.into_iter().map(|d| d.device_id).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_old_devices_id_is_listed_once_it_authenticates_again() {
        let (ctx, _clock, _dir) = testing::ctx();
        let caller = caller_with_an_old_device(&ctx);
        assert_eq!(listed_ids(&ctx, &caller), [""]);
        // Info by id already knows it: the id given matched the digest.
        let info = DeviceInfo {
            device_id: Some(ID.into()),
            device_name: None,
        };
        match info.apply(&ctx, &caller).unwrap() {
            Outcome::Device(d) => {
                assert_eq!((d.device_id.as_str(), d.name.as_str()), (ID, "camera1"))
            }
            other => panic!("{other:?}"),
        }
        // A wrong id remembers nothing; the right one (a notice upload's token) does.
        assert!(matches!(
            session::authenticate_device(&ctx, "ff"),
            Err(Error::BadDeviceToken)
        ));
        assert_eq!(listed_ids(&ctx, &caller), [""]);
        session::authenticate_device(&ctx, ID).unwrap();
        assert_eq!(listed_ids(&ctx, &caller), [ID]);
    }

    #[test]
    fn binding_an_unknown_device_is_not_found_and_binding_twice_is_already_done() {
        let (ctx, _clock, _dir) = testing::ctx();
        let caller = caller_with_an_old_device(&ctx);
        let bind = |id: &str| {
            BindDevice {
                device_id: id.into(),
            }
            .apply(&ctx, &caller)
        };
        assert!(matches!(bind("ff"), Err(Error::NotFound("device"))));
        assert!(matches!(bind(ID), Err(Error::AlreadyDone(_))));
        // Even the refused second bind presented the id, so it is kept.
        assert_eq!(listed_ids(&ctx, &caller), [ID]);
    }
}
