//! The rooms themselves: list, show, create, change, delete. Changes need the owner's token.

use super::new_roomid;
use crate::command::rooms::MAX_PAGE_SIZE;
use crate::command::rooms::{CreateRoom, DeleteRoom, ListRooms, ShowRoom, UpdateRoom};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::{Caller, Room, RoomPage};
use crate::error::{Error, Result};
use crate::store::rooms as store;
use crate::store::Tx;

impl ListRooms {
    /// Answers [`Outcome::Rooms`]; a page past the last is empty.
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let size = self.page_size.clamp(1, MAX_PAGE_SIZE);
        let page = self.page.max(1);
        let offset = (page - 1).saturating_mul(size);
        let (rooms, total) = ctx
            .store
            .snapshot(|c| store::active_page(c, size, offset))?;
        Ok(Outcome::Rooms(RoomPage {
            rooms,
            total,
            page,
            page_size: size,
        }))
    }
}

impl ShowRoom {
    /// Answers [`Outcome::Room`].
    pub fn apply(self, ctx: &Ctx) -> Result<Outcome> {
        let room = ctx
            .store
            .read(|c| store::room(c, self.pk))?
            .ok_or(Error::NotFound("room"))?;
        Ok(Outcome::Room {
            room,
            created: false,
        })
    }
}

impl CreateRoom {
    /// Answers the new room.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let now = ctx.now_secs();
        let room = ctx.store.write(|tx| {
            let roomid = new_roomid(ctx, tx)?;
            let pk = store::insert_room(
                tx,
                caller.account_pk,
                roomid,
                &self.room_alias,
                self.active,
                now,
            )?;
            store::room(tx, pk)?.ok_or(Error::NotFound("room"))
        })?;
        Ok(Outcome::Room {
            room,
            created: true,
        })
    }
}

/// Looks a room up for a write: unknown → not found, another account's → forbidden.
fn owned_room(tx: &Tx, caller: &Caller, pk: i64) -> Result<Room> {
    let room = store::room(tx, pk)?.ok_or(Error::NotFound("room"))?;
    if room.owner_pk != caller.account_pk {
        return Err(Error::Forbidden);
    }
    Ok(room)
}

impl UpdateRoom {
    /// Answers the room as it now is.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let room = ctx.store.write(|tx| {
            owned_room(tx, caller, self.pk)?;
            store::update_room(tx, self.pk, self.room_alias.as_deref(), self.active)?;
            store::room(tx, self.pk)?.ok_or(Error::NotFound("room"))
        })?;
        Ok(Outcome::Room {
            room,
            created: false,
        })
    }
}

impl DeleteRoom {
    /// Answers [`Outcome::Done`].
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        ctx.store.write(|tx| {
            owned_room(tx, caller, self.pk)?;
            store::delete_room(tx, self.pk)
        })?;
        Ok(Outcome::Done)
    }
}
