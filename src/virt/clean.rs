//! Finding and removing what the kit owns, and nothing else (DESIGN.md §5).
//!
//! Ownership is a name prefix: the configured one (`tck-`) for a whole run,
//! or a script's namespace (`tck-k3f9q-`) for one script. A name belongs
//! to a scope when it starts with the scope's prefix, compared byte for
//! byte — `tck`, `tckserver`, `tck_other` and `TCK-x` never do for `tck-`.
//!
//! What is looked at, per kind, with one `list_all_*` call each (so a clean
//! with nothing to do costs five round trips):
//!
//! | kind | owned when | removed by |
//! |---|---|---|
//! | domain | name has the prefix | destroy if running; undefine with managed save, snapshot and checkpoint metadata, NVRAM and TPM state (flags a driver rejects are dropped one by one) |
//! | network | name has the prefix | destroy if active; undefine if persistent |
//! | nwfilter | name has the prefix | undefine (retried while other owned filters still reference it) |
//! | volume | inside an owned pool, and either its name has the prefix or the pool's directory is inside the scope's scratch area | delete |
//! | pool | name has the prefix | destroy if active; undefine if persistent — never `delete` (which would wipe the underlying disk, VG or directory) |
//! | secret | usage id has the prefix (or, for a volume secret, the volume file name has it); a secret with no usage: its description has the prefix | undefine |
//! | file | inside `<scratch_dir>/run/`, in an entry whose name has the prefix | remove |
//!
//! Volumes in pools the kit does not own are never looked at, even with a
//! prefixed name: the kit creates volumes only in its own pools and in its
//! scratch area, and not listing foreign pools keeps a clean fast and
//! side-effect free. Volumes of an owned pool whose directory is outside the
//! kit's scratch area are deleted only when their own name has the prefix,
//! so a pool pointed at a shared directory cannot take foreign files with it.
//! Removal order is domains, networks, nwfilters, volumes, pools, secrets,
//! files, so that nothing is removed while an owned object still uses it.

use super::error::LibvirtError;
use super::xpath::text_at;
use crate::report::model::Leak;
use std::path::{Path, PathBuf};
use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::ErrorNumber;
use virt::network::Network;
use virt::nwfilter::NWFilter;
use virt::secret::Secret;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;

/// Kinds of owned objects, in removal order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Domain,
    Network,
    NwFilter,
    Volume,
    Pool,
    Secret,
    File,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Domain => "domain",
            Kind::Network => "network",
            Kind::NwFilter => "nwfilter",
            Kind::Volume => "volume",
            Kind::Pool => "pool",
            Kind::Secret => "secret",
            Kind::File => "file",
        }
    }
}

/// What a clean covers: names starting with `prefix`, and entries of
/// `run_dir` (the kit's per-script scratch area) starting with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub prefix: String,
    pub run_dir: PathBuf,
}

impl Scope {
    pub fn new(prefix: &str, run_dir: &Path) -> Self {
        Scope {
            prefix: prefix.to_string(),
            run_dir: run_dir.to_path_buf(),
        }
    }

    /// Whether a name belongs to the scope (byte-wise prefix match).
    pub fn owns(&self, name: &str) -> bool {
        !self.prefix.is_empty() && name.as_bytes().starts_with(self.prefix.as_bytes())
    }

    /// Whether a path lies inside an owned entry of the scratch area.
    pub fn owns_path(&self, path: &Path) -> bool {
        let Ok(rest) = path.strip_prefix(&self.run_dir) else {
            return false;
        };
        let first = rest.components().next();
        match first {
            Some(std::path::Component::Normal(n)) => self.owns(&n.to_string_lossy()),
            _ => false,
        }
    }
}

/// One owned object, found and ready to be removed.
pub struct Found {
    pub kind: Kind,
    /// As shown to people and recorded in reports: the object's name, a
    /// volume as `pool/volume`, a secret by usage id, a file by path.
    pub name: String,
    item: Item,
}

enum Item {
    Domain(Domain),
    Network(Network),
    NwFilter(NWFilter),
    Volume(StorageVol),
    Pool(StoragePool),
    Secret(Secret),
    File(PathBuf),
}

impl Found {
    pub fn leak(&self) -> Leak {
        Leak {
            kind: self.kind.as_str().to_string(),
            name: self.name.clone(),
        }
    }
}

impl std::fmt::Debug for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.name)
    }
}

/// Whether an error means the driver has no such kind of object at all
/// (e.g. the test driver has no nwfilters): then there is nothing to clean.
fn kind_unsupported(e: &LibvirtError) -> bool {
    e.is_unsupported()
}

/// Whether an error means the object has already gone.
fn vanished(e: &LibvirtError) -> bool {
    [
        ErrorNumber::NoDomain,
        ErrorNumber::NoNetwork,
        ErrorNumber::NoStoragePool,
        ErrorNumber::NoStorageVolume,
        ErrorNumber::NoNwfilter,
        ErrorNumber::NoSecret,
    ]
    .iter()
    .any(|c| e.is(*c))
}

fn listing<T>(what: &str, r: Result<Vec<T>, virt::error::Error>) -> Result<Vec<T>, LibvirtError> {
    match r.map_err(LibvirtError::from) {
        Ok(v) => Ok(v),
        Err(e) if kind_unsupported(&e) => Ok(Vec::new()),
        Err(e) => Err(e.context(format!("cannot list {what}"))),
    }
}

/// Everything the scope owns, in removal order.
pub fn find(conn: &Connect, scope: &Scope) -> Result<Vec<Found>, LibvirtError> {
    let mut found = Vec::new();

    for d in listing("domains", conn.list_all_domains(0))? {
        if let Ok(name) = d.name() {
            if scope.owns(&name) {
                found.push(Found {
                    kind: Kind::Domain,
                    name,
                    item: Item::Domain(d),
                });
            }
        }
    }
    for n in listing("networks", conn.list_all_networks(0))? {
        if let Ok(name) = n.name() {
            if scope.owns(&name) {
                found.push(Found {
                    kind: Kind::Network,
                    name,
                    item: Item::Network(n),
                });
            }
        }
    }
    for f in listing("nwfilters", conn.list_all_nw_filters(0))? {
        if let Ok(name) = f.name() {
            if scope.owns(&name) {
                found.push(Found {
                    kind: Kind::NwFilter,
                    name,
                    item: Item::NwFilter(f),
                });
            }
        }
    }
    for p in listing("storage pools", conn.list_all_storage_pools(0))? {
        let Ok(name) = p.name() else { continue };
        if !scope.owns(&name) {
            continue;
        }
        if p.is_active().unwrap_or(false) {
            let all_ours = pool_dir(&p).is_some_and(|d| scope.owns_path(&d));
            let vols = match p.list_all_volumes(0).map_err(LibvirtError::from) {
                Ok(v) => v,
                Err(e) if vanished(&e) || kind_unsupported(&e) => Vec::new(),
                Err(e) => return Err(e.context(format!("cannot list the volumes of pool {name}"))),
            };
            for v in vols {
                let Ok(vname) = v.name() else { continue };
                if all_ours || scope.owns(&vname) {
                    found.push(Found {
                        kind: Kind::Volume,
                        name: format!("{name}/{vname}"),
                        item: Item::Volume(v),
                    });
                }
            }
        }
        found.push(Found {
            kind: Kind::Pool,
            name,
            item: Item::Pool(p),
        });
    }
    for s in listing("secrets", conn.list_all_secrets(0))? {
        if let Some(name) = secret_owned(&s, scope) {
            found.push(Found {
                kind: Kind::Secret,
                name,
                item: Item::Secret(s),
            });
        }
    }
    found.extend(find_files(scope));
    found.sort_by_key(|f| f.kind);
    Ok(found)
}

/// A pool's directory (`<target><path>`), when it has one.
fn pool_dir(p: &StoragePool) -> Option<PathBuf> {
    let xml = p.xml_desc(0).ok()?;
    text_at(&xml, &["pool", "target", "path"])
        .ok()
        .flatten()
        .filter(|s| s.starts_with('/'))
        .map(PathBuf::from)
}

/// The name to show for a secret the scope owns, or `None`.
fn secret_owned(s: &Secret, scope: &Scope) -> Option<String> {
    let uuid = s.uuid_string().unwrap_or_default();
    match super::shim::secret_usage_id(s) {
        Some(usage) if !usage.is_empty() => {
            let base = usage.rsplit('/').next().unwrap_or(&usage);
            (scope.owns(&usage) || scope.owns(base)).then(|| format!("{usage} ({uuid})"))
        }
        // No usage: the description is all that can carry the prefix.
        _ => {
            let xml = s.xml_desc(0).ok()?;
            let desc = text_at(&xml, &["secret", "description"]).ok().flatten()?;
            scope.owns(&desc).then(|| format!("{desc} ({uuid})"))
        }
    }
}

/// Files in the owned entries of the scratch area: each file or directory
/// inside an owned directory, or an owned plain file. Empty owned
/// directories are not listed (they are removed silently).
fn find_files(scope: &Scope) -> Vec<Found> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&scope.run_dir) else {
        return out;
    };
    let mut owned: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| scope.owns(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    owned.sort();
    for path in owned {
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if !is_dir {
            out.push(file_found(path));
            continue;
        }
        let Ok(inner) = std::fs::read_dir(&path) else {
            continue;
        };
        let mut inner: Vec<PathBuf> = inner.flatten().map(|e| e.path()).collect();
        inner.sort();
        out.extend(inner.into_iter().map(file_found));
    }
    out
}

fn file_found(path: PathBuf) -> Found {
    Found {
        kind: Kind::File,
        name: path.display().to_string(),
        item: Item::File(path),
    }
}

/// What a removal did.
#[derive(Debug, Default)]
pub struct Removal {
    pub removed: Vec<Leak>,
    /// Objects that could not be removed, with why.
    pub failed: Vec<(Leak, LibvirtError)>,
}

/// Remove what [`find`] returned, in its order, then the scope's (now
/// empty) scratch directories. Every object is tried even when one fails.
pub fn remove(found: Vec<Found>, scope: &Scope) -> Removal {
    let mut out = Removal::default();
    let (filters, others): (Vec<Found>, Vec<Found>) =
        found.into_iter().partition(|f| f.kind == Kind::NwFilter);
    let mut filters = Some(filters);
    for f in others {
        if f.kind > Kind::NwFilter {
            if let Some(list) = filters.take() {
                remove_nwfilters(list, &mut out);
            }
        }
        let result = match &f.item {
            Item::Domain(d) => remove_domain(d),
            Item::Network(n) => remove_network(n),
            Item::Volume(v) => v.delete(0).map_err(LibvirtError::from),
            Item::Pool(p) => remove_pool(p),
            Item::Secret(s) => s.undefine().map_err(LibvirtError::from),
            Item::File(p) => remove_path(p),
            Item::NwFilter(n) => n.undefine().map_err(LibvirtError::from),
        };
        record(&mut out, f.leak(), result);
    }
    if let Some(list) = filters.take() {
        remove_nwfilters(list, &mut out);
    }
    remove_empty_dirs(scope);
    out
}

fn record(out: &mut Removal, leak: Leak, result: Result<(), LibvirtError>) {
    match result {
        Ok(()) => out.removed.push(leak),
        Err(e) if vanished(&e) => out.removed.push(leak),
        Err(e) => {
            let e = e.context(format!("cannot remove {} {}", leak.kind, leak.name));
            out.failed.push((leak, e));
        }
    }
}

/// Undefine nwfilters; a filter still referenced by another owned filter
/// fails until that one has gone, so retry while progress is made.
fn remove_nwfilters(mut left: Vec<Found>, out: &mut Removal) {
    loop {
        let before = left.len();
        let mut still = Vec::new();
        let mut errors = Vec::new();
        for f in left {
            let Item::NwFilter(n) = &f.item else { continue };
            match n.undefine().map_err(LibvirtError::from) {
                Ok(()) => out.removed.push(f.leak()),
                Err(e) if vanished(&e) => out.removed.push(f.leak()),
                Err(e) => {
                    errors.push(e);
                    still.push(f);
                }
            }
        }
        if still.is_empty() || still.len() == before {
            for (f, e) in still.into_iter().zip(errors) {
                record(out, f.leak(), Err(e));
            }
            return;
        }
        left = still;
    }
}

/// Undefine flags to try, most complete first: a driver that rejects a
/// flag (older libvirt, or a driver without NVRAM/TPM/checkpoints) gets the
/// next, smaller set.
const UNDEFINE_FLAGS: [u32; 5] = [
    virt::sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        | virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        | virt::sys::VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
        | virt::sys::VIR_DOMAIN_UNDEFINE_NVRAM
        | virt::sys::VIR_DOMAIN_UNDEFINE_TPM,
    virt::sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        | virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        | virt::sys::VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
        | virt::sys::VIR_DOMAIN_UNDEFINE_NVRAM,
    virt::sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        | virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        | virt::sys::VIR_DOMAIN_UNDEFINE_NVRAM,
    virt::sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
    0,
];

/// Whether an undefine error says a flag was not accepted (so a smaller
/// set may work), as opposed to a real failure.
fn flag_rejected(e: &LibvirtError) -> bool {
    e.is_unsupported() || e.is(ErrorNumber::InvalidArg)
}

fn remove_domain(d: &Domain) -> Result<(), LibvirtError> {
    let persistent = d.is_persistent().map_err(LibvirtError::from)?;
    if d.is_active().map_err(LibvirtError::from)? {
        match d.destroy().map_err(LibvirtError::from) {
            Ok(()) => {}
            // Stopped on its own meanwhile.
            Err(e) if e.is(ErrorNumber::OperationInvalid) => {}
            Err(e) => return Err(e),
        }
    }
    if !persistent {
        return Ok(());
    }
    let mut last = None;
    for flags in UNDEFINE_FLAGS {
        match d.undefine_flags(flags).map_err(LibvirtError::from) {
            Ok(()) => return Ok(()),
            Err(e) if flag_rejected(&e) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| LibvirtError::new(ErrorNumber::InternalError, "undefine failed")))
}

fn remove_network(n: &Network) -> Result<(), LibvirtError> {
    let persistent = n.is_persistent().map_err(LibvirtError::from)?;
    if n.is_active().map_err(LibvirtError::from)? {
        n.destroy().map_err(LibvirtError::from)?;
    }
    if persistent {
        n.undefine().map_err(LibvirtError::from)?;
    }
    Ok(())
}

fn remove_pool(p: &StoragePool) -> Result<(), LibvirtError> {
    let persistent = p.is_persistent().map_err(LibvirtError::from)?;
    if p.is_active().map_err(LibvirtError::from)? {
        p.destroy().map_err(LibvirtError::from)?;
    }
    if persistent {
        p.undefine().map_err(LibvirtError::from)?;
    }
    Ok(())
}

fn remove_path(p: &Path) -> Result<(), LibvirtError> {
    let is_dir = std::fs::symlink_metadata(p).map(|m| m.is_dir());
    let r = match is_dir {
        Ok(true) => std::fs::remove_dir_all(p),
        Ok(false) => std::fs::remove_file(p),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    r.map_err(|e| LibvirtError::new(ErrorNumber::SystemError, e.to_string()))
}

/// Remove the scope's directories in the scratch area once emptied.
fn remove_empty_dirs(scope: &Scope) {
    let Ok(entries) = std::fs::read_dir(&scope.run_dir) else {
        return;
    };
    for e in entries.flatten() {
        if scope.owns(&e.file_name().to_string_lossy()) && e.path().is_dir() {
            // Fails (and is left) when not empty, e.g. a file could not be removed.
            let _ = std::fs::remove_dir(e.path());
        }
    }
}
