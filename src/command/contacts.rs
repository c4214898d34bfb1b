//! PhoneBooks contact commands: add, edit, delete, list, fetch, search and export the caller's
//! book.
//!
//! Data only: what each command carries. `handlers` applies them.

domain_commands! {
    /// Contact commands, one per input below.
    pub enum ContactsCommand in Command::Contacts {
        /// Add contacts.
        AddContacts(AddContacts) => "add_contacts", short_write;
        /// Edit a contact.
        UpdateContact(UpdateContact) => "update_contact", short_write;
        /// Add or delete one phone or mail of a contact.
        EditContactItem(EditContactItem) => "edit_contact_item", short_write;
        /// Delete contacts.
        DeleteContacts(DeleteContacts) => "delete_contacts", short_write;
        /// List the caller's contacts.
        ListContacts(ListContacts) => "list_contacts", short_read;
        /// Fetch contacts by uid.
        GetContacts(GetContacts) => "get_contacts", short_read;
        /// Search the caller's contacts.
        SearchContacts(SearchContacts) => "search_contacts", short_read;
        /// Export the caller's whole book.
        ExportContacts(ExportContacts) => "export_contacts";
    }
}

/// A contact to add.
#[derive(Debug, Clone)]
pub struct NewContact {
    /// Display name (`""` when the request gave none).
    pub name: String,
    /// Phone numbers (blank ones are skipped).
    pub phones: Vec<String>,
    /// Mail addresses (blank ones are skipped).
    pub mails: Vec<String>,
}

/// Add contacts to the caller's book.
#[derive(Debug, Clone)]
pub struct AddContacts {
    /// The contacts, in request order.
    pub users: Vec<NewContact>,
}

/// One phone or mail in an edit: with an id it is rewritten, without one it is added.
#[derive(Debug, Clone)]
pub struct ItemEdit {
    /// `pid` or `mid` of an existing item.
    pub id: Option<String>,
    /// The number or address.
    pub value: String,
}

/// Rename a contact and rewrite or add the listed phones and mails; unlisted ones stay.
#[derive(Debug, Clone)]
pub struct UpdateContact {
    /// The contact.
    pub uid: String,
    /// New name, when given.
    pub name: Option<String>,
    /// Phones to rewrite or add.
    pub phones: Vec<ItemEdit>,
    /// Mails to rewrite or add.
    pub mails: Vec<ItemEdit>,
}

/// Whether an item edit adds a value or removes an item by id.
#[derive(Debug, Clone)]
pub enum ItemAction {
    /// Add this number or address.
    Add(String),
    /// Remove the item with this `pid`/`mid`.
    Remove(String),
}

/// Which list of a contact an item edit touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// The contact's phones.
    Phone,
    /// The contact's mails.
    Mail,
}

/// Add or remove one phone or mail of a contact.
#[derive(Debug, Clone)]
pub struct EditContactItem {
    /// The contact.
    pub uid: String,
    /// Phones or mails.
    pub kind: ItemKind,
    /// What to do.
    pub action: ItemAction,
}

/// Delete contacts with their phones and mails.
#[derive(Debug, Clone)]
pub struct DeleteContacts {
    /// Contact uids.
    pub uids: Vec<String>,
}

/// Every contact of the caller's book.
#[derive(Debug, Clone)]
pub struct ListContacts;

/// Contacts by uid, in request order.
#[derive(Debug, Clone)]
pub struct GetContacts {
    /// Contact uids.
    pub uids: Vec<String>,
}

/// The caller's contacts whose name, phone or mail contains a fragment.
#[derive(Debug, Clone)]
pub struct SearchContacts {
    /// The fragment (non-empty).
    pub q: String,
}

/// The caller's whole book as one document (1011, an extension).
#[derive(Debug, Clone)]
pub struct ExportContacts;
